"""The Gradio application: one builder per tab, sign-in, and a launch that refuses to expose an
unauthenticated editor beyond this machine.

Authentication is pluggable: a ``(user, password)`` pair, a callable ``(user, password) -> bool``,
or (when the database has users) the review service's ``authenticate``. The signed-in name is the
author of every edit; without sign-in it is ``"local"``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import gradio as gr

from audiolab.errors import ValidationError
from audiolab.services import Workbench
from audiolab.ui.editor import build_editor
from audiolab.ui.library import build_library

Auth = tuple[str, str] | Callable[[str, str], bool] | None

DARK_JS = "() => { document.body.classList.add('dark'); }"
PAGE_CSS = """
.gradio-container { max-width: 1680px !important; }
footer { display: none !important; }
"""


def resolve_auth(wb: Workbench, auth: Auth) -> Auth:
    """The sign-in check to use: the one given, else the user table's when it has users."""
    if auth is not None:
        if isinstance(auth, tuple) and (len(auth) != 2 or not all(auth)):
            raise ValidationError("auth must be a (user, password) pair with both parts non-empty")
        return auth
    try:
        from audiolab.services import review
    except ImportError:
        return None
    try:
        has_users = wb.db.query_one("SELECT COUNT(*) AS n FROM users")["n"] > 0  # type: ignore[index]
    except Exception:  # noqa: BLE001 - no users table in this build
        return None
    if not has_users:
        return None
    return lambda username, password: review.authenticate(wb, username, password)


def build_app(wb: Workbench, auth: Auth = None, initial_recording: str | None = None) -> gr.Blocks:
    """The whole app; launch it with :func:`launch_app` (which applies ``auth``)."""
    with gr.Blocks(title="audiolab") as demo:
        with gr.Tabs(selected="editor") as tabs:
            with gr.Tab("Editor", id="editor"):
                build_editor(wb, initial_recording)
            with gr.Tab("Library", id="library"):
                build_library(wb, tabs)
    demo.audiolab_auth = resolve_auth(wb, auth)  # type: ignore[attr-defined]
    demo.audiolab_wb = wb  # type: ignore[attr-defined]
    return demo


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_app(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False,
               block: bool = True, **kwargs: Any) -> Any:
    """Serve the app; on a non-loopback host only with sign-in.

    Raises:
        ValidationError: ``host`` is reachable from other machines and no sign-in is set up.
    """
    auth = getattr(demo, "audiolab_auth", None)
    if not is_loopback(host) and auth is None:
        raise ValidationError(
            f"refusing to serve the editor on {host} without sign-in: pass --auth USER:PASS "
            "(or add users), or keep the default --host 127.0.0.1")
    launch_auth: Any = [auth] if isinstance(auth, tuple) else auth
    wb = getattr(demo, "audiolab_wb", None)
    allowed = [str(wb.db.cache_dir / "proxies")] if wb is not None else []
    return demo.launch(server_name=host, server_port=port, auth=launch_auth, inbrowser=open_browser,
                       prevent_thread_lock=not block, show_error=True, js=DARK_JS, css=PAGE_CSS,
                       allowed_paths=allowed, quiet=True, **kwargs)
