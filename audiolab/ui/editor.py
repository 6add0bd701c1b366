"""The Editor tab: a gr.HTML waveform + transcript editor and the server functions it calls.

The browser side lives in ``static/editor.js`` / ``editor.css`` (no third-party code). The JS
calls these functions directly through Gradio's component server (one small JSON request per
action, no queue); each edit goes through :mod:`audiolab.services.session`, which stores it at
once through the edit API. The author of an edit is the signed-in user taken from the request,
never from the payload.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import gradio as gr

from audiolab.errors import AudiolabError
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


def _rec_id(payload: Any) -> str:
    if not isinstance(payload, dict) or not isinstance(payload.get("recording"), str):
        raise AudiolabError("the request names no recording")
    return payload["recording"]


def build_editor(wb: Workbench, initial_recording: str | None = None) -> gr.HTML:
    """The editor component; ``initial_recording`` opens when the URL names none (``#rec=ID``)."""

    def load(payload: dict, request: gr.Request) -> dict:
        try:
            user = current_user(request)
            rec = wb.recording(_rec_id(payload))
            state = session.editor_state(wb, rec.id, user)
            playable = media_mod.playable(rec, wb.db.cache_dir)
            media_mod.allow(playable.path)
            return {"ok": True, "state": state,
                    "media": {"url": playable.url, "is_video": playable.is_video, "proxy": playable.proxy}}
        except AudiolabError as exc:
            return {"ok": False, "message": str(exc)}

    def peaks(payload: dict, request: gr.Request) -> dict:
        try:
            current_user(request)
            return {"ok": True, **session.peaks_chunk(wb, _rec_id(payload), int(payload.get("level", 0)),
                                                       int(payload.get("chunk", 0)))}
        except (AudiolabError, ValueError, TypeError) as exc:
            return {"ok": False, "message": str(exc)}

    def edit(payload: dict, request: gr.Request) -> dict:
        try:
            user = current_user(request)
            return session.apply_action(wb, _rec_id(payload), user, payload.get("action"))
        except AudiolabError as exc:
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

    def recordings(payload: dict, request: gr.Request) -> list:
        current_user(request)
        return [{"id": r["id"], "name": r["name"], "duration_ms": r["duration_ms"]} for r in session.library_rows(wb)]

    return gr.HTML(
        value="",
        html_template="<div class='al-host'></div>",
        js_on_load=static_text("editor.js"),
        head="<style>" + static_text("editor.css").replace("</", "") + "</style>",
        server_functions=[load, peaks, edit, history, vocab, recordings],
        initial_recording=initial_recording or "",
        elem_id="audiolab-editor",
        apply_default_css=False,
    )
