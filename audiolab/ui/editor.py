"""The Editor tab: a gr.HTML waveform + transcript editor and the server functions it calls.

The browser side is the ES modules in ``static/editor/`` (one concern each; bundled into the
component's ``js_on_load`` by :mod:`audiolab.ui.bundle`, no build step) and ``editor.css``, with
no third-party code. The JS calls these functions directly through Gradio's component server (one small JSON request per
action, no queue). :mod:`audiolab.ui.editor_api` turns their payloads into service calls and the
answers into JSON; each edit is stored at once through the edit API. The author of an edit is the
signed-in user taken from the request, never from the payload.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import gradio as gr

from audiolab.errors import AuthError, AudiolabError, ValidationError
from audiolab.services import Workbench
from audiolab.services import editor as editor_svc
from audiolab.services import library as library_svc
from audiolab.ui import bundle
from audiolab.ui import editor_api as api
from audiolab.ui import media as media_mod
from audiolab.ui.sessions import guard_of

LOCAL_USER = "local"


def static_text(name: str) -> str:
    return resources.files("audiolab.ui").joinpath("static", name).read_text(encoding="utf-8")


def current_user(request: Any) -> str:
    """The signed-in user of a request (``"local"`` when the app runs without sign-in).

    Event handlers get a ``gr.Request`` with ``username``; the component server hands over the
    raw request, so the session cookie is looked up the way Gradio's own login check does. A
    session whose user was disabled, removed or given a new password since is ended here
    (:mod:`audiolab.ui.sessions`).

    Raises:
        AuthError: no session, or one that has ended.
    """
    app = getattr(request, "app", None)
    name = getattr(request, "username", None)
    if not name and (app is None or (getattr(app, "auth", None) is None
                                     and getattr(app, "auth_dependency", None) is None)):
        return LOCAL_USER
    cookies = getattr(request, "cookies", {}) or {}
    cid = getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
    name = name or getattr(app, "tokens", {}).get(token)
    if not name:
        raise AuthError("not signed in")
    guard = guard_of(app)
    if guard is not None and token:
        guard.check(app, token, str(name))
    return str(name)


def json_response(obj: dict) -> Any:
    """``obj`` as a ready JSON response for the component server.

    Returned as is by the web framework, it skips the generic encoder the framework otherwise runs
    over every value (~70 ms for the state of a 1000-segment transcript); the browser receives the
    same JSON.
    """
    from starlette.responses import Response

    return Response(json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
                    media_type="application/json")


def first_view_peaks(wb: Workbench, rec_id: str, state: dict, width: Any, max_chunks: int = 4) -> list[dict]:
    """The peak chunks the editor draws first (the whole file at ``width`` px, and the coarsest
    level it sets its gain from), sent with the state to save a round trip on open."""
    levels = state.get("peaks") or []
    if not levels or not isinstance(width, (int, float)) or width <= 0:
        return []
    mpp = max(0.5, state["recording"]["duration"] / float(width))
    fit = max([i for i, lv in enumerate(levels) if lv["ms_per_bin"] <= mpp], default=0)
    out = []
    for level in sorted({fit, len(levels) - 1}):
        n = -(-levels[level]["bins"] // levels[level]["chunk"])
        if n > max_chunks:
            continue
        out.extend(api.peaks_chunk(wb, rec_id, level, c) for c in range(n))
    return out


def _spectrogram_refused(exc: Exception) -> dict:
    """A refused spectrogram request; a refused window says whether zooming in would help."""
    if isinstance(exc, ValidationError):
        return {"ok": False, "zoom": "zoom in" in str(exc), "message": str(exc)}
    return api.refused(exc)


@api.answers_refusals(answer=_spectrogram_refused)
def spectrogram_window(wb: Workbench, payload: Any) -> dict:
    """The log-mel spectrogram of the visible window ``{recording, start, end, width}`` (ms, px).

    Only that window of the media is decoded; a window wider than the cap answers
    ``{"ok": False, "zoom": True, "message": ...}`` so the editor can ask the user to zoom in.
    """
    from audiolab.media import spectrogram as spec

    rec = wb.recording(api.recording_of(payload))
    start, end, width = (int(payload.get(k, 0)) for k in ("start", "end", "width"))
    out = spec.window_spectrogram(rec.path, start, end, width, duration_ms=rec.duration_ms)
    return {"ok": True, **out}


PREFETCH_JS = """(function () {
  var m = /rec=([^&]+)/.exec(location.hash || ""), rec = m ? decodeURIComponent(m[1]) : __INITIAL__;
  var cfg = window.gradio_config || {};
  if (!rec || !window.fetch) return;
  var width = Math.max(200, Math.min(window.innerWidth || 1200, 1680) - 64) - 104;
  var body = JSON.stringify({data: {recording: rec, width: width}, component_id: __ID__, fn_name: "load",
                             session_hash: "alpre" + Math.random().toString(36).slice(2)});
  var url = (cfg.root || "").replace(/\\/$/, "") + (cfg.api_prefix || "/gradio_api") + "/component_server/";
  window.audiolabPrefetch = {recording: rec, answer: fetch(url, {method: "POST", body: body, credentials: "same-origin",
    headers: {"Content-Type": "application/json"}}).then(function (r) { return r.ok ? r.json() : null; })
    .catch(function () { return null; })};
})();"""


def prefetch_head(editor: gr.HTML, initial_recording: str | None = None) -> str:
    """A ``<script>`` for the page head that asks for the editor's state while Gradio still boots.

    On a first visit the browser spends ~0.5-0.9 s fetching and compiling Gradio's own code before
    the editor mounts and can call ``load``; this script calls the same server function through
    the same component-server endpoint (so the same sign-in check and :func:`current_user` apply:
    without a session it gets a 401 and the editor simply asks again itself). The editor takes the
    answer once, when it opens the same recording (``window.audiolabPrefetch``).
    """
    js = PREFETCH_JS.replace("__INITIAL__", json.dumps(initial_recording or None)).replace("__ID__", str(int(editor._id)))
    return "<script>" + js.replace("</", "<\\/") + "</script>"


def build_editor(wb: Workbench, initial_recording: str | None = None) -> gr.HTML:
    """The editor component; ``initial_recording`` opens when the URL names none (``#rec=ID``)."""

    @api.answers_refusals
    def load(payload: dict, request: gr.Request) -> Any:
        user = current_user(request)
        rec = wb.recording(api.recording_of(payload))
        state = api.editor_state(wb, rec.id, user)
        playable = media_mod.playable(rec, wb.db.cache_dir)
        media_mod.allow(playable.path)
        return json_response({
            "ok": True, "state": state, "peaks": first_view_peaks(wb, rec.id, state, payload.get("width")),
            "media": {"url": playable.url, "is_video": playable.is_video, "proxy": playable.proxy,
                      "shift_ms": playable.shift_ms}})

    @api.answers_refusals
    def peaks(payload: dict, request: gr.Request) -> Any:
        current_user(request)
        return json_response({"ok": True, **api.peaks_chunk(wb, api.recording_of(payload), int(payload.get("level", 0)),
                                                             int(payload.get("chunk", 0)))})

    @api.answers_refusals
    def edit(payload: dict, request: gr.Request) -> dict:
        user = current_user(request)
        return api.apply_action(wb, api.recording_of(payload), user, payload.get("action"))

    @api.answers_refusals
    def changes(payload: dict, request: gr.Request) -> dict:
        user = current_user(request)
        return api.changes_since(wb, api.recording_of(payload), user, int(payload.get("since", 0)))

    @api.answers_refusals(answer=lambda exc: {**api.refused(exc), "rows": []})
    def history(payload: dict, request: gr.Request) -> dict:
        user = current_user(request)
        return {"ok": True, "rows": api.history_rows(wb, api.recording_of(payload), user=user)}

    @api.answers_refusals
    def vocab(payload: dict, request: gr.Request) -> dict:
        user = current_user(request)
        entries = api.set_vocabulary(wb, api.recording_of(payload), payload.get("kind"), payload.get("entries"), user)
        return {"ok": True, "entries": entries}

    @api.answers_refusals
    def voices(payload: dict, request: gr.Request) -> dict:
        """The names of the voices enrolled in the recording's project (the speaker panel's "this is…")."""
        return api.voices_json(wb, api.recording_of(payload), current_user(request))

    @api.answers_refusals
    def enroll(payload: dict, request: gr.Request) -> dict:
        """Enroll a speaker's voice under a name (services/speakers.py checks who may)."""
        user = current_user(request)
        return api.enroll_voice(wb, api.recording_of(payload), user, payload.get("speaker"), payload.get("name"))

    @api.answers_refusals(answer=_spectrogram_refused)
    def spectrogram(payload: dict, request: gr.Request) -> dict:
        current_user(request)
        return spectrogram_window(wb, payload)

    @api.answers_refusals
    def submit(payload: dict, request: gr.Request) -> dict:
        """An annotator hands in their version (their assignment becomes ``submitted``)."""
        user = current_user(request)
        status = editor_svc.submit_work(wb, api.recording_of(payload), user, str(payload.get("comment") or ""))
        return {"ok": True, "assignment": status,
                "message": "Submitted for review: a reviewer will accept it or send it back with a comment."}

    @api.answers_refusals(answer=lambda exc: [])  # the picker always gets a list
    def recordings(payload: dict, request: gr.Request) -> list:
        current_user(request)
        return [{"id": r.recording.id, "name": Path(r.recording.path).name, "duration_ms": r.recording.duration_ms}
                for r in library_svc.library_rows(wb)]

    return gr.HTML(
        value="",
        html_template="<div class='al-host'></div>",
        js_on_load=bundle.script("editor/main.js"),
        head="<style>" + static_text("editor.css").replace("</", "") + "</style>",
        server_functions=[load, peaks, edit, changes, history, vocab, recordings, spectrogram, submit, voices, enroll],
        initial_recording=initial_recording or "",
        elem_id="audiolab-editor",
        apply_default_css=False,
    )
