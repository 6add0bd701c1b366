"""The UI's non-browser parts: launch policy, sign-in, media proxies, the editor's session API."""

from __future__ import annotations

import dataclasses

import pytest

from audiolab.cli import main
from audiolab.core.model import Segment, Span, Speaker
from audiolab.errors import ValidationError
from audiolab.ui import editor_api
from audiolab.storage.edits import Change
from tests.conftest import shared_file


def test_public_host_without_auth_is_refused(db_path, capsys):
    assert main(["ui", "--db", str(db_path), "--host", "0.0.0.0", "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "refusing to serve the editor on 0.0.0.0 without sign-in" in err


def test_launch_app_refuses_public_host_without_auth(wb):
    from audiolab.ui.app import build_app, is_loopback, launch_app

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(ValidationError, match="without sign-in"):
        launch_app(build_app(wb), host="0.0.0.0", port=1, block=False)


def test_first_page_holds_only_the_editors_component_types(wb):
    """The Library and Dashboard are built when first opened: the page the browser loads first names
    no table, upload, dropdown or plot, whose JS/CSS would delay the editor (bench/ui.py)."""
    from audiolab.ui.app import build_app

    demo = build_app(wb)
    types = {c["type"] for c in demo.config["components"]}
    assert types <= {"tabs", "tabitem", "html", "state", "column", "row"}, types
    assert {"dataframe", "file", "dropdown", "barplot"}.isdisjoint(types)
    assert [c["props"].get("elem_id") for c in demo.config["components"] if c["type"] == "html"] == \
        ["audiolab-editor", "audiolab-review"]


def test_auth_forms(wb):
    from audiolab.cli.ui_cmds import parse_auth
    from audiolab.ui.app import resolve_auth

    assert parse_auth("ann", lambda user: "secret-of-" + user) == ("ann", "secret-of-ann")
    with pytest.raises(ValidationError, match="never given as an argument"):
        parse_auth("ann:secret", lambda user: "x")  # a password on the command line is refused
    with pytest.raises(ValidationError, match="empty password"):
        parse_auth("ann", lambda user: "")
    assert resolve_auth(wb, ("a", "b")) == ("a", "b")
    check = lambda u, p: u == "x"  # noqa: E731
    assert resolve_auth(wb, check) is check
    assert resolve_auth(wb, None) is None  # no users in a fresh database


def test_users_in_db_turn_on_sign_in(wb):
    review = pytest.importorskip("audiolab.services.review")
    from audiolab.ui.app import resolve_auth

    review.add_user(wb, "ann", "annotator", "pw-ann-123")
    auth = resolve_auth(wb, None)
    assert callable(auth) and auth("ann", "pw-ann-123") and not auth("ann", "wrong")


def _seeded(wb, speech_wav):
    rec = wb.ingest_file(speech_wav).recording
    spk = Speaker(id="s1", recording_id=rec.id, label="SPEAKER_00", name="Ann")
    seg = Segment(id="g1", recording_id=rec.id, tier_id=f"{rec.id}-transcript", span=Span(0, 1000), text="hello there",
                  speaker_id="s1")
    wb.apply(rec.id, [Change.create(spk), Change.create(seg)], "t")
    return rec


def test_session_state_and_stale_edit(wb, speech_wav):
    rec = _seeded(wb, speech_wav)
    st = editor_api.editor_state(wb, rec.id, "local")
    assert [s["id"] for s in st["segments"]] == ["g1"] and st["peaks"] and st["tier"]["scope"] == ""
    ok = editor_api.apply_action(wb, rec.id, "ann", {"op": "set_text", "segment": {"id": "g1", "version": 1}, "text": "hello world"})
    assert ok["ok"] and ok["segments"][0]["text"] == "hello world" and ok["can_undo"]
    stale = editor_api.apply_action(wb, rec.id, "bob", {"op": "set_text", "segment": {"id": "g1", "version": 1}, "text": "mine"})
    assert not stale["ok"] and stale["conflict"] and stale["current"]["text"] == "hello world"
    assert wb.transcript(rec.id).segments[0].text == "hello world"
    bad = editor_api.apply_action(wb, rec.id, "ann", {"op": "set_span", "segment": {"id": "g1", "version": 2}, "start": 500, "end": 100})
    assert not bad["ok"] and not bad.get("conflict")
    undone = editor_api.apply_action(wb, rec.id, "ann", {"op": "undo"})
    assert undone["ok"] and undone["segments"][0]["text"] == "hello there"
    chunk = editor_api.peaks_chunk(wb, rec.id, 0, 0)
    assert chunk["bins"] == st["peaks"][0]["bins"]


def test_media_proxy_for_mpeg_ps(wb, tmp_path):
    from audiolab.ui import media

    mpg = shared_file("video/grid_swwp2s.mpg")
    mp4 = shared_file("video/grid_swwp2s.mp4")
    rec = wb.ingest_file(mpg).recording
    assert not media.browser_playable(rec)
    out = media.playable(rec, wb.db.cache_dir)
    assert out.proxy and out.is_video and out.path.suffix == ".mp4" and out.path.stat().st_size > 0
    assert media.playable(rec, wb.db.cache_dir).path == out.path  # made once, then reused
    assert media.browser_playable(wb.ingest_file(mp4).recording)
    wav = dataclasses.replace(rec, video=None, container="wav", audio_codec="pcm_s16le")
    assert media.browser_playable(wav)
