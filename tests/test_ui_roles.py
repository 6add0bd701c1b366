"""Roles over HTTP on loopback: each signed-in role gets exactly what the access rule allows.

The app runs for real (``devserver.serve``); requests go to the editor's component server with
each user's session cookie, as the browser sends them, and the database is checked afterwards.
"""

from __future__ import annotations

import httpx
import pytest

from audiolab.core.model import TierKind, TierRole
from audiolab.errors import AuthError
from audiolab.services import Workbench
from audiolab.services import review as rv
from audiolab.services.exporting import export_recording, import_file
from audiolab.services.prelabel import prelabel
from tests.conftest import shared_file
from tests.test_ui_editor import seed_sample

PW = {"alice": "alice-pw-1", "bob": "bob-pw-22", "rita": "rita-pw-333", "mia": "mia-pw-4444", "tom": "tom-pw-5"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path_factory.mktemp("roles") / "roles.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    for name, role in (("alice", "annotator"), ("bob", "annotator"), ("rita", "reviewer"), ("mia", "manager"),
                       ("tom", "annotator")):
        rv.add_user(wb, name, role, PW[name])
    rv.assign(wb, [rid], "alice", independent=True)
    rv.assign(wb, [rid], "bob", independent=True)
    rv.mark_gold(wb, rid, by="mia")
    url, demo = serve(wb)
    yield {"wb": wb, "url": url, "rid": rid}
    demo.close()


class Session:
    """One signed-in user talking to the editor's server functions like the browser does."""

    def __init__(self, app: dict, user: str):
        self.app, self.client = app, httpx.Client(timeout=60, base_url=app["url"])
        r = self.client.post("login", data={"username": user, "password": PW[user]})
        assert r.status_code == 200, r.text
        cfg = self.client.get("config").json()
        self.comp = next(c["id"] for c in cfg["components"] if (c.get("props") or {}).get("elem_id") == "audiolab-editor")

    def call(self, fn: str, **data: object) -> dict:
        r = self.client.post("gradio_api/component_server/", json={
            "component_id": self.comp, "fn_name": fn, "session_hash": "roles",
            "data": {"recording": self.app["rid"], **data}})
        if r.status_code == 401:  # the server forgot the session: signed out
            return {"ok": False, "message": "HTTP 401 " + r.text}
        assert r.status_code == 200, r.text
        return r.json()

    def edit(self, **action: object) -> dict:
        return self.call("edit", action=action)


def _tier(wb: Workbench, rid: str, role: TierRole, owner: str | None = None):
    return next(t for t in wb.transcript(rid).tiers if t.role == role and t.kind == TierKind.TRANSCRIPT
                and (owner is None or t.owner == owner))


def _ref(seg) -> dict:
    return {"id": seg.id, "version": seg.version}


def test_an_annotator_cannot_touch_another_copy_or_gold(app) -> None:
    wb, rid = app["wb"], app["rid"]
    alice, bob = Session(app, "alice"), Session(app, "bob")
    assert alice.call("load", width=800)["ok"] and bob.call("load", width=800)["ok"]  # both copies exist now
    t = wb.transcript(rid)
    bobs = t.segments_of(_tier(wb, rid, TierRole.ANNOTATION, "bob").id)
    gold = t.segments_of(_tier(wb, rid, TierRole.REFERENCE).id)
    shared = t.segments_of(_tier(wb, rid, TierRole.WORK).id)
    before = {s.id: (s.text, s.version) for s in wb.transcript(rid).segments}
    for target, whose in ((bobs[0], "bob's copy"), (gold[0], "the gold version"), (shared[0], "the shared draft")):
        r = alice.edit(op="set_text", segment=_ref(target), text="overwritten by alice")
        assert r["ok"] is False and whose in r["message"], r
        r = alice.edit(op="delete_segment", segment=_ref(target))
        assert r["ok"] is False and whose in r["message"], r
        r = alice.edit(op="split", segment=_ref(target), at=(target.span.start_ms + target.span.end_ms) // 2)
        assert r["ok"] is False, r
    assert {s.id: (s.text, s.version) for s in wb.transcript(rid).segments} == before


def test_merging_speakers_changes_only_the_own_copy_and_answers_only_with_it(app) -> None:
    wb, rid = app["wb"], app["rid"]
    alice = Session(app, "alice")
    state = alice.call("load", width=800)["state"]
    own = state["tier"]["id"]
    a, b = state["speakers"][:2]
    others_before = {s.id: s.speaker_id for s in wb.transcript(rid).segments if s.tier_id != own}
    r = alice.edit(op="merge_speakers", keep={"id": a["id"], "version": a["version"]},
                   drop={"id": b["id"], "version": b["version"]})
    assert r["ok"] is True, r
    assert r["segments"] and {s["tier_id"] for s in r["segments"]} == {own}  # no other version's content
    after = wb.transcript(rid)
    assert {s.id: s.speaker_id for s in after.segments if s.tier_id != own} == others_before
    assert all(s.speaker_id != b["id"] for s in after.segments_of(own))
    assert after.speaker(b["id"]) is not None  # still used by the other versions
    r = alice.edit(op="rename_speaker", speaker={"id": a["id"], "version": after.speaker(a["id"]).version},
                   name="Renamed by alice")
    assert r["ok"] is False and "may not rename" in r["message"]


def test_annotators_cannot_change_vocabularies_and_see_only_their_history(app) -> None:
    alice, rita = Session(app, "alice"), Session(app, "rita")
    alice.call("load", width=800)
    r = alice.call("vocab", kind="emotion", entries=[{"label": "angry", "hotkey": "a"}])
    assert r["ok"] is False and "vocabularies" in r["message"]
    rows = alice.call("history")["rows"]
    assert rows and not any("mark gold" in x["description"] for x in rows)
    assert not any(x["author"] == "bob" for x in rows)
    assert any("mark gold" in x["description"] for x in rita.call("history")["rows"])


def test_library_actions_check_the_role_in_the_service(app, tmp_path) -> None:
    wb, rid = app["wb"], app["rid"]
    for call in (lambda: wb.ingest(["/root"], actor="alice"),
                 lambda: wb.ingest(["/root"], actor="rita"),  # server paths: managers only
                 lambda: wb.ingest([str(tmp_path)], actor="alice", uploaded=True),
                 lambda: prelabel(wb, rid, actor="alice"),
                 lambda: export_recording(wb, rid, "srt", tmp_path / "x.srt", actor="alice")):
        with pytest.raises(AuthError):
            call()
    srt = tmp_path / "gold.srt"
    srt.write_text("1\n00:00:07,000 --> 00:00:08,000\nforged gold\n", encoding="utf-8")
    with pytest.raises(AuthError, match="gold"):
        import_file(wb, srt, rid, as_="reference", author="alice")
    assert export_recording(wb, rid, "srt", tmp_path / "ok.srt", actor="rita").exists()
    assert [r.error for r in wb.ingest([str(tmp_path / "nothing-here")], actor="mia")] == ["no such file"]


def test_disabling_or_a_new_password_ends_open_sessions_at_once(app) -> None:
    wb = app["wb"]
    tom = Session(app, "tom")
    assert tom.call("load", width=800)["ok"]
    rv.set_active(wb, "tom", False)
    r = tom.call("load", width=800)
    assert r["ok"] is False and "session of tom has ended" in r["message"]
    rv.set_active(wb, "tom", True)
    assert "401" in tom.call("load", width=800)["message"]  # the ended session stays ended
    again = Session(app, "tom")
    assert again.call("load", width=800)["ok"]
    rv.set_password(wb, "tom", "tom-new-pw")
    assert again.call("load", width=800)["ok"] is False
    PW["tom"] = "tom-new-pw"
    assert Session(app, "tom").call("load", width=800)["ok"]


def test_wrong_passwords_throttle_sign_in(app) -> None:
    wb = app["wb"]
    rv.add_user(wb, "eve", "annotator", "eve-right-pw")
    with httpx.Client(base_url=app["url"], timeout=30) as c:
        codes = [c.post("login", data={"username": "eve", "password": f"guess{i}"}).status_code for i in range(30)]
        assert set(codes) == {400}
        assert c.post("login", data={"username": "eve", "password": "eve-right-pw"}).status_code == 400
        assert c.post("login", data={"username": "rita", "password": PW["rita"]}).status_code == 200
