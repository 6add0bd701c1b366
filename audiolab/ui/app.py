"""The Gradio application: one builder per tab, sign-in, and a launch that refuses to expose an
unauthenticated editor beyond this machine.

Authentication is pluggable: a ``(user, password)`` pair, a callable ``(user, password) -> bool``,
or (by default) :class:`SignIn`, which consults the database's users table at every request. The
signed-in name is the author of every edit; without sign-in it is ``"local"``.

Sign-in follows the users table without a restart. Gradio decides at launch whether sign-in
exists at all (``auth``), so an app served from a database always installs :class:`SignIn` as
its ``auth`` and replaces the app's session table by :class:`SessionTokens`: while the database
has no users (and only on a loopback host) every request counts as the ``"local"`` user, as an
app without sign-in does; from the first user added on, a request without a session gets the
sign-in page (an editor left open is refused on its next call and asks to reload). A server on a
host reachable from other machines never opens this way: it refuses to start without users
(:func:`launch_app`), and if every user is removed later nobody can sign in.
"""

from __future__ import annotations

import gc
import ipaddress
import os
import sys
from collections.abc import Callable
from typing import Any

import gradio as gr

from audiolab.errors import AudiolabError, ValidationError
from audiolab.media.probe import MAX_BYTES_DEFAULT
from audiolab.services import Workbench, review
from audiolab.ui.dashboard import build_dashboard
from audiolab.ui.editor import LOCAL_USER, build_editor, prefetch_head
from audiolab.ui.library import build_library
from audiolab.ui.sessions import SessionGuard
from audiolab.ui.review import build_review, reviewer_of

Auth = tuple[str, str] | Callable[[str, str], bool] | None

# Uploads larger than what ingest accepts are refused by the server before they are stored.
MAX_UPLOAD_BYTES = MAX_BYTES_DEFAULT

DARK_JS = "() => { document.body.classList.add('dark'); }"
PAGE_CSS = """
.gradio-container { max-width: 1680px !important; }
footer { display: none !important; }
"""


def resolve_auth(wb: Workbench, auth: Auth) -> Auth:
    """The sign-in check in force now: the one given, else the user table's when it has users.

    (What a launched app uses is :class:`SignIn` when no ``auth`` is given: this answers what it
    does at this moment.)
    """
    if auth is not None:
        if isinstance(auth, tuple) and (len(auth) != 2 or not all(auth)):
            raise ValidationError("auth must be a (user, password) pair with both parts non-empty")
        return auth
    if not review.has_users(wb):
        return None
    return lambda username, password: review.authenticate(wb, username, password)


class SignIn:
    """The users table as Gradio's ``auth`` callable, consulted at each sign-in and each request.

    ``open`` (set by :func:`launch_app`: loopback hosts only) lets a database without users serve
    without sign-in, every request as the ``"local"`` user.
    """

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self.open_allowed = False

    def __call__(self, username: str, password: str) -> bool:
        return review.authenticate(self.wb, username, password)

    def is_open(self) -> bool:
        """Whether requests need no session now (no users, on a loopback host)."""
        return self.open_allowed and not review.has_users(self.wb)


class SessionTokens(dict):
    """Gradio's session table (token -> user name) that names ``"local"`` while :class:`SignIn` is open.

    Gradio looks every request's session up here (``tokens.get(cookie)``), and so does
    :func:`audiolab.ui.editor.current_user`; sign-in adds to it and an ended session is removed
    from it as before.
    """

    def __init__(self, signin: SignIn, existing: dict[str, str] | None = None) -> None:
        super().__init__(existing or {})
        self.signin = signin

    def get(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        if self.signin.is_open():
            return LOCAL_USER
        return super().get(key, default)


def build_app(wb: Workbench, auth: Auth = None, initial_recording: str | None = None) -> gr.Blocks:
    """The whole app; launch it with :func:`launch_app` (which applies ``auth``)."""
    with gr.Blocks(title="audiolab") as demo:
        with gr.Tabs(selected="editor") as tabs:
            with gr.Tab("Editor", id="editor"):
                editor = build_editor(wb, initial_recording)
            with gr.Tab("Library", id="library") as lib_tab:
                lazy_tab(lib_tab, lambda _: build_library(wb, tabs))
            review_tabs = _build_review_tabs(wb, tabs)

        def role_tabs(request: gr.Request) -> list[Any]:
            return _role_tabs(wb, request)

        demo.load(role_tabs, outputs=review_tabs)
    demo.audiolab_auth = resolve_auth(wb, auth)  # type: ignore[attr-defined]
    demo.audiolab_signin = SignIn(wb) if auth is None else None  # type: ignore[attr-defined]
    demo.audiolab_wb = wb  # type: ignore[attr-defined]
    demo.audiolab_sessions = SessionGuard(wb)  # type: ignore[attr-defined]
    demo.audiolab_head = prefetch_head(editor, initial_recording)  # type: ignore[attr-defined]
    demo.audiolab_editor_id = editor._id  # type: ignore[attr-defined]
    return demo


def _build_review_tabs(wb: Workbench, tabs: gr.Tabs) -> list[gr.Tab]:
    """Review and Dashboard tabs, hidden until the signed-in user proves to be a reviewer or manager.

    Hiding is only for comfort: every action behind them checks the role on the server.
    """
    with gr.Tab("Review", id="review", visible=False) as review_tab:
        build_review(wb, tabs)
    with gr.Tab("Dashboard", id="dashboard", visible=False) as dash_tab:
        lazy_tab(dash_tab, lambda user: build_dashboard(wb, dash_tab, user),
                 gate=lambda request: reviewer_of(wb, request))
    return [review_tab, dash_tab]


def lazy_tab(tab: gr.Tab, build: Callable[[Any], None], gate: Callable[[gr.Request], Any] | None = None) -> None:
    """Build a tab's content the first time it is selected instead of at page load.

    The browser fetches and compiles the code of a component type when the page's config first
    holds one: building the Library and Dashboard only when opened keeps the JS/CSS of tables,
    uploads, dropdowns and plots off the editor's first load (bench/RESULTS.md, "Editor (UI)").

    Args:
        tab: The tab whose selection builds the content (once per page; later selections keep it).
        build: Lays out the content in the current render context; gets what ``gate`` returned.
        gate: ``gate(request)`` runs on each selection and returns the value ``build`` gets; an
            :class:`AudiolabError` (e.g. not a reviewer) builds nothing. Without it ``build`` gets ``True``.
    """
    opened = gr.State(None)

    def on_select(request: gr.Request) -> Any:
        if gate is None:
            return True
        try:
            return gate(request)
        except AudiolabError:
            return None

    tab.select(on_select, outputs=opened, show_progress="hidden")

    @gr.render(inputs=opened, triggers=[opened.change], show_progress="hidden")
    def _content(value: Any) -> None:
        if value is not None:
            build(value)


def _role_tabs(wb: Workbench, request: gr.Request) -> list[Any]:
    try:
        reviewer_of(wb, request)
        show = True
    except Exception:  # noqa: BLE001 - no sign-in, unknown user or an annotator: keep them hidden
        show = False
    return [gr.Tab(visible=show), gr.Tab(visible=show)]


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def has_display() -> bool:
    """Whether a browser window can be opened here (not on a headless server or in CI)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch_app(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False,
               block: bool = True, **kwargs: Any) -> Any:
    """Serve the app; on a non-loopback host only with sign-in.

    Raises:
        ValidationError: ``host`` is reachable from other machines and no sign-in is set up.
    """
    auth = getattr(demo, "audiolab_auth", None)
    signin: SignIn | None = getattr(demo, "audiolab_signin", None)
    if signin is not None:
        auth = signin if review.has_users(signin.wb) else None
    if not is_loopback(host) and auth is None:
        raise ValidationError(
            f"refusing to serve the editor on {host} without sign-in: pass --auth USER "
            "(or add users), or keep the default --host 127.0.0.1")
    if signin is not None:
        signin.open_allowed = is_loopback(host)
        auth = signin
    launch_auth: Any = [auth] if isinstance(auth, tuple) else auth
    wb = getattr(demo, "audiolab_wb", None)
    allowed = [str(wb.db.cache_dir / "proxies")] if wb is not None else []
    # The objects alive now (the app, gradio, numpy, ...) stay for the process's life: moved out of
    # the collector's generations, the first requests no longer pay a ~90 ms full collection while
    # they build the editor's state (bench/RESULTS.md, "Editor (UI)").
    gc.freeze()
    from starlette.middleware import Middleware

    from audiolab.ui.csrf import SameOriginMiddleware

    # The server starts with sign-in required (``auth`` set, no sessions); the session table that
    # opens it while the database has no users replaces the app's right after (SignIn).
    out = demo.launch(server_name=host, server_port=port, auth=launch_auth, inbrowser=open_browser and has_display(),
                      prevent_thread_lock=True, show_error=True, js=DARK_JS, css=PAGE_CSS,
                      allowed_paths=allowed, quiet=True, max_file_size=MAX_UPLOAD_BYTES,
                      app_kwargs={"middleware": [Middleware(SameOriginMiddleware)]},
                      **{"head": getattr(demo, "audiolab_head", None), **kwargs})
    server_app = getattr(demo, "server_app", None)
    if signin is not None and server_app is not None:
        server_app.tokens = SessionTokens(signin, getattr(server_app, "tokens", None))
    if block:
        demo.block_thread()
    return out
