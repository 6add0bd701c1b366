"""The Editor tab: a gr.HTML waveform + transcript editor and the server functions it calls.

The browser side lives in ``static/editor.js`` / ``editor.css`` (no third-party code). The JS
calls these functions directly through Gradio's component server (one small JSON request per
action, no queue); each edit goes through :mod:`audiolab.services.session`, which stores it at
once through the edit API. The author of an edit is the signed-in user taken from the request,
never from the payload.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import gradio as gr

from audiolab.errors import AudiolabError, ValidationError
from audiolab.services import Workbench, session
from audiolab.ui import media as media_mod

LOCAL_USER = "local"


def static_text(name: str) -> str:
    return resources.files("audiolab.ui").joinpath("static", name).read_text(encoding="utf-8")


def current_user(request: Any) -> str:
    """The signed-in user of a request (``"local"`` when the app runs without sign-in).

    Event handlers get a ``gr.Request`` with ``username``; the component server hands over the
    raw request, so the session cookie is looked up the way Gradio's own login check does.
    """
    name = getattr(request, "username", None)
    if name:
        return str(name)
    app = getattr(request, "app", None)
    if app is None or (getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None):
        return LOCAL_USER
    cookies = getattr(request, "cookies", {}) or {}
    cid = getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
    user = getattr(app, "tokens", {}).get(token)
    if not user:
        raise AudiolabError("not signed in")
    return str(user)


def json_response(obj: dict) -> Any:
    """``obj`` as a ready JSON response for the component server.

    Returned as is by the web framework, it skips the generic encoder the framework otherwise runs
    over every value (~70 ms for the state of a 1000-segment transcript); the browser receives the
    same JSON.
    """
    from starlette.responses import Response

    return Response(json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
                    media_type="application/json")


def _rec_id(payload: Any) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("recording"), str):
        raise AudiolabError("the request names no recording")
    return payload["recording"]


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
        out.extend(session.peaks_chunk(wb, rec_id, level, c) for c in range(n))
    return out


def spectrogram_window(wb: Workbench, payload: Any) -> dict:
    """The log-mel spectrogram of the visible window ``{recording, start, end, width}`` (ms, px).

    Only that window of the media is decoded; a window wider than the cap answers
    ``{"ok": False, "zoom": True, "message": ...}`` so the editor can ask the user to zoom in.
    """
    from audiolab.media import spectrogram as spec

    try:
        rec = wb.recording(_rec_id(payload))
        start, end, width = (int(payload.get(k, 0)) for k in ("start", "end", "width"))
        out = spec.window_spectrogram(rec.path, start, end, width, duration_ms=rec.duration_ms)
        return {"ok": True, **out}
    except ValidationError as exc:
        return {"ok": False, "zoom": "zoom in" in str(exc), "message": str(exc)}
    except (AudiolabError, ValueError, TypeError) as exc:
        return {"ok": False, "message": str(exc)}


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

    def load(payload: dict, request: gr.Request) -> Any:
        try:
            user = current_user(request)
            rec = wb.recording(_rec_id(payload))
            state = session.editor_state(wb, rec.id, user)
            playable = media_mod.playable(rec, wb.db.cache_dir)
            media_mod.allow(playable.path)
            return json_response({
                "ok": True, "state": state, "peaks": first_view_peaks(wb, rec.id, state, payload.get("width")),
                "media": {"url": playable.url, "is_video": playable.is_video, "proxy": playable.proxy,
                          "shift_ms": playable.shift_ms}})
        except AudiolabError as exc:
            return {"ok": False, "message": str(exc)}

    def peaks(payload: dict, request: gr.Request) -> Any:
        try:
            current_user(request)
            return json_response({"ok": True, **session.peaks_chunk(wb, _rec_id(payload), int(payload.get("level", 0)),
                                                                     int(payload.get("chunk", 0)))})
        except (AudiolabError, ValueError, TypeError) as exc:
            return {"ok": False, "message": str(exc)}

    def edit(payload: dict, request: gr.Request) -> dict:
        try:
            user = current_user(request)
            return session.apply_action(wb, _rec_id(payload), user, payload.get("action"))
        except AudiolabError as exc:
            return {"ok": False, "message": str(exc)}

    def changes(payload: dict, request: gr.Request) -> dict:
        try:
            user = current_user(request)
            return session.changes_since(wb, _rec_id(payload), user, int(payload.get("since", 0)))
        except (AudiolabError, ValueError, TypeError) as exc:
            return {"ok": False, "message": str(exc)}

    def history(payload: dict, request: gr.Request) -> dict:
        try:
            current_user(request)
            return {"ok": True, "rows": session.history_rows(wb, _rec_id(payload))}
        except AudiolabError as exc:
            return {"ok": False, "message": str(exc), "rows": []}

    def vocab(payload: dict, request: gr.Request) -> dict:
        try:
            current_user(request)
            entries = session.set_vocabulary(wb, _rec_id(payload), str(payload.get("kind")), list(payload.get("entries") or []))
            return {"ok": True, "entries": entries}
        except (AudiolabError, ValueError) as exc:
            return {"ok": False, "message": str(exc)}

    def spectrogram(payload: dict, request: gr.Request) -> dict:
        current_user(request)
        return spectrogram_window(wb, payload)

    def recordings(payload: dict, request: gr.Request) -> list:
        current_user(request)
        return [{"id": r["id"], "name": r["name"], "duration_ms": r["duration_ms"]} for r in session.library_rows(wb)]

    return gr.HTML(
        value="",
        html_template="<div class='al-host'></div>",
        js_on_load=static_text("editor.js"),
        head="<style>" + static_text("editor.css").replace("</", "") + "</style>",
        server_functions=[load, peaks, edit, changes, history, vocab, recordings, spectrogram],
        initial_recording=initial_recording or "",
        elem_id="audiolab-editor",
        apply_default_css=False,
    )
