"""Users, roles, assignments, independent copies, adjudication and gold (services.review)."""

from __future__ import annotations

import dataclasses

import pytest

from audiolab.core.model import Segment, Span, Speaker, TierRole, new_id
from audiolab.errors import AuthError, NotFoundError, ValidationError
from audiolab.services import editing
from audiolab.services import review as rv
from audiolab.storage.edits import Change


@pytest.fixture
def rec(wb, speech_wav):
    """A recording with a two-segment draft and four users."""
    r = wb.ingest_file(speech_wav).recording
    a, b = (Speaker(new_id(), r.id, f"SPEAKER_0{i}") for i in range(2))
    segs = [Segment(new_id(), r.id, f"{r.id}-transcript", Span(0, 1200), "hello there", a.id),
            Segment(new_id(), r.id, f"{r.id}-transcript", Span(1300, 2500), "this is a test", b.id)]
    wb.apply(r.id, [Change.create(x) for x in (a, b, *segs)], "prelabel", "draft")
    for name, role in (("alice", "annotator"), ("bob", "annotator"), ("rita", "reviewer"), ("max", "manager")):
        rv.add_user(wb, name, role, f"pw-{name}")
    return r


def test_passwords_are_hashed_and_checked(wb, rec):
    assert rv.authenticate(wb, "alice", "pw-alice")
    assert not rv.authenticate(wb, "alice", "wrong")
    assert not rv.authenticate(wb, "nobody", "pw-alice")
    assert not rv.authenticate(wb, "alice", "")
    stored = wb.db.query_one("SELECT password_hash FROM users WHERE name = 'alice'")["password_hash"]
    assert "pw-alice" not in stored and stored.startswith("scrypt$")
    other = wb.db.query_one("SELECT password_hash FROM users WHERE name = 'bob'")["password_hash"]
    assert stored.split("$")[4] != other.split("$")[4]  # per-user salt
    raw = wb.db.path.read_bytes()
    assert b"pw-alice" not in raw
    with pytest.raises(ValidationError):
        rv.add_user(wb, "alice", "annotator", "again!")
    with pytest.raises(ValidationError):
        rv.add_user(wb, "eve", "admin", "secret")
    assert [u.name for u in rv.list_users(wb)] == ["alice", "bob", "max", "rita"]
    assert rv.get_user(wb, "rita").role == "reviewer"
    with pytest.raises(NotFoundError):
        rv.get_user(wb, "nobody")


def test_independent_copies_are_private_and_roles_enforced(wb, rec):
    rv.assign(wb, [rec.id], "alice", independent=True, by="max")
    rv.assign(wb, [rec.id], "bob", independent=True)
    with pytest.raises(AuthError):
        rv.assign(wb, [rec.id], "bob", by="alice")
    ta = rv.working_tier(wb, rec.id, "alice")
    assert ta.role == TierRole.ANNOTATION and ta.owner == "alice"
    assert rv.working_tier(wb, rec.id, "alice") == ta  # created once
    assert rv.get_assignment(wb, rec.id, "alice").status == "in_progress"
    tb = rv.working_tier(wb, rec.id, "bob")
    t = wb.transcript(rec.id)
    work = t.segments_of(f"{rec.id}-transcript")
    copy = t.segments_of(ta.id)
    assert [(s.span, s.text, s.speaker_id) for s in copy] == [(s.span, s.text, s.speaker_id) for s in work]
    assert not {s.id for s in copy} & {s.id for s in work}
    # alice edits her copy; the draft and bob's copy do not change; her undo is her own
    editing.set_text(wb, copy[0], "hello, world", "alice", scope=ta.id)
    t = wb.transcript(rec.id)
    assert t.segments_of(tb.id)[0].text == "hello there" and t.segments_of(f"{rec.id}-transcript")[0].text == "hello there"
    assert {x.id for x in rv.visible_tiers(wb, rec.id, "alice")} >= {ta.id} and tb.id not in {
        x.id for x in rv.visible_tiers(wb, rec.id, "alice")}
    assert {ta.id, tb.id} <= {x.id for x in rv.visible_tiers(wb, rec.id, "rita")}
    # a reviewer without an independent assignment works on the shared tier
    assert rv.working_tier(wb, rec.id, "rita").id == f"{rec.id}-transcript"
    # an annotator cannot adjudicate nor review
    with pytest.raises(AuthError):
        rv.adjudicate(wb, rec.id, "alice")
    with pytest.raises(AuthError):
        rv.review_assignment(wb, rec.id, "bob", "alice", accept=True)


def test_status_transitions(wb, rec):
    rv.assign(wb, [rec.id], "alice")
    with pytest.raises(ValidationError):
        rv.submit(wb, rec.id, "alice")  # never opened nor edited
    with pytest.raises(ValidationError):
        rv.review_assignment(wb, rec.id, "alice", "rita", accept=True)  # not submitted
    rv.start(wb, rec.id, "alice")
    with pytest.raises(ValidationError):
        rv.start(wb, rec.id, "alice")
    assert rv.submit(wb, rec.id, "alice").status == "submitted"
    with pytest.raises(ValidationError, match="comment"):
        rv.review_assignment(wb, rec.id, "alice", "rita", accept=False)
    a = rv.review_assignment(wb, rec.id, "alice", "rita", accept=False, comment="speaker 2 is wrong")
    assert (a.status, a.comment, a.reviewed_by) == ("rejected", "speaker 2 is wrong", "rita")
    assert rv.working_tier(wb, rec.id, "alice").role == TierRole.WORK
    assert rv.get_assignment(wb, rec.id, "alice").status == "in_progress"
    rv.submit(wb, rec.id, "alice")
    assert rv.review_assignment(wb, rec.id, "alice", "max", accept=True).status == "reviewed"
    with pytest.raises(ValidationError):
        rv.submit(wb, rec.id, "alice")


def test_adjudication_with_choices_and_gold_scores(wb, rec):
    for who in ("alice", "bob"):
        rv.assign(wb, [rec.id], who, independent=True)
    ta, tb = rv.working_tier(wb, rec.id, "alice"), rv.working_tier(wb, rec.id, "bob")
    t = wb.transcript(rec.id)
    editing.set_text(wb, t.segments_of(tb.id)[1], "this is the test", "bob", scope=tb.id)
    t = wb.transcript(rec.id)
    pairs = rv.align_annotations(t, ta, tb)
    assert len(pairs) == 2 and all(a and b for a, b in pairs)
    choices = [rv.Choice(pairs[0][0]), rv.Choice(pairs[1][1], text="this is a real test")]
    tier = rv.adjudicate(wb, rec.id, "rita", choices)
    t = wb.transcript(rec.id)
    assert t.main_tier() == tier and tier.role == TierRole.ADJUDICATED
    assert [s.text for s in t.segments_of(tier.id)] == ["hello there", "this is a real test"]
    # re-adjudicating replaces the version
    rv.adjudicate(wb, rec.id, "rita", prefer="bob")
    t = wb.transcript(rec.id)
    assert [s.text for s in t.segments_of(tier.id)] == ["hello there", "this is the test"]
    # gold: the adjudicated version becomes the reference; bob's copy scores 0 WER, alice's 1/6
    rv.mark_gold(wb, rec.id, by="max")
    with pytest.raises(AuthError):
        rv.mark_gold(wb, rec.id, by="alice")
    scores = {g["annotator"]: g for g in rv.gold_scores(wb, "default")}
    assert scores["bob"]["wer"] == 0.0
    assert scores["alice"]["wer"] == pytest.approx(1 / 6)
    assert "reference" not in {x.role.value for x in rv.visible_tiers(wb, rec.id, "alice")}


def test_gold_segment_and_seeding(wb, rec):
    seg = wb.transcript(rec.id).segments_of(f"{rec.id}-transcript")[1]
    g = rv.mark_gold(wb, rec.id, segment_id=seg.id[:8])
    assert g.span == seg.span
    ref = [x for x in wb.transcript(rec.id).tiers if x.role == TierRole.REFERENCE][0]
    assert [s.text for s in wb.transcript(rec.id).segments_of(ref.id)] == ["this is a test"]
    seeded = rv.seed_gold(wb, "default", "alice", 5, by="max")
    assert [a.recording_id for a in seeded] == [rec.id] and seeded[0].independent and seeded[0].gold
    tier = rv.working_tier(wb, rec.id, "alice")
    t = wb.transcript(rec.id)
    # alice gets the first segment wrong (outside gold) and the gold one right: perfect gold score
    first = t.segments_of(tier.id)[0]
    editing.set_text(wb, dataclasses.replace(first), "completely different words", "alice", scope=tier.id)
    (score,) = rv.gold_scores(wb)
    assert score["annotator"] == "alice" and score["wer"] == 0.0 and score["reference_segments"] == 1


def test_adjudicated_export_carries_the_chosen_versions_tags_only(wb, rec, tmp_path):
    from audiolab.core.model import TagKind
    from audiolab.services.exporting import export_recording

    rv.assign(wb, [rec.id], "alice", independent=True)
    rv.assign(wb, [rec.id], "bob", independent=True)
    ta, tb = rv.working_tier(wb, rec.id, "alice"), rv.working_tier(wb, rec.id, "bob")
    t = wb.transcript(rec.id)
    sa, sb = t.segments_of(ta.id)[0], t.segments_of(tb.id)[0]
    editing.add_tag(wb, rec.id, TagKind.EMOTION, sa.span.start_ms, sa.span.end_ms, "happy", "alice",
                    segment_id=sa.id, tier_id=ta.id, scope=ta.id)
    editing.add_tag(wb, rec.id, TagKind.SOUND_EVENT, 100, 400, "dog", "alice", tier_id=ta.id, scope=ta.id)
    editing.add_tag(wb, rec.id, TagKind.EMOTION, sb.span.start_ms, sb.span.end_ms, "angry", "bob",
                    segment_id=sb.id, tier_id=tb.id, scope=tb.id)
    rv.adjudicate(wb, rec.id, "rita", prefer="alice")
    t = wb.transcript(rec.id)
    adj = t.main_tier()
    assert adj.role == TierRole.ADJUDICATED
    assert {(x.kind, x.label) for x in t.version_tags(adj)} == {(TagKind.SOUND_EVENT, "dog"), (TagKind.EMOTION, "happy")}
    emotion = t.version_tags(adj, TagKind.EMOTION)[0]
    assert t.segments_of(adj.id)[0].id == emotion.segment_id
    out = export_recording(wb, rec.id, "textgrid", tmp_path / "adj.TextGrid", None)  # the json export is the full model
    text = out.read_text()
    assert '"happy"' in text and '"dog"' in text and '"angry"' not in text


def test_concurrent_first_opens_make_one_private_copy(wb, rec):
    import threading

    from audiolab.services import Workbench

    rv.assign(wb, [rec.id], "alice", independent=True)
    tiers, errors = [], []

    def open_editor() -> None:
        other = Workbench(wb.db.path)  # its own connections, as a second server thread would have
        try:
            tiers.append(rv.working_tier(other, rec.id, "alice").id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_editor) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors and len(set(tiers)) == 1
    copies = [x for x in wb.transcript(rec.id).tiers if x.role == TierRole.ANNOTATION and x.owner == "alice"]
    assert len(copies) == 1


def test_live_changes_follow_each_users_view(wb, rec):
    """What the editor's poll returns: others' edits of the tier the user sees, never a private copy."""
    from audiolab.ui import editor_api

    rv.assign(wb, [rec.id], "alice", independent=True, by="max")
    rv.assign(wb, [rec.id], "bob", independent=True, by="max")
    state = {u: editor_api.editor_state(wb, rec.id, u) for u in ("alice", "bob", "rita")}
    since = {u: st["seq"] for u, st in state.items()}
    assert editor_api.changes_since(wb, rec.id, "bob", since["bob"])["segments"] == []
    mine = state["alice"]["segments"][0]
    seg_a = wb.transcript(rec.id).segments_of(state["alice"]["tier"]["id"])[0]
    assert seg_a.id == mine["id"]
    editing.set_text(wb, seg_a, "alice's private words", "alice", scope=state["alice"]["tier"]["id"])
    # bob and the shared tier's reviewer see nothing of alice's copy
    for user in ("bob", "rita"):
        got = editor_api.changes_since(wb, rec.id, user, since[user])
        assert got["segments"] == [] and got["authors"] == [] and "private" not in str(got)
    # alice's other tab gets her own edit (no author to announce: it is hers)
    got = editor_api.changes_since(wb, rec.id, "alice", since["alice"])
    assert [s["text"] for s in got["segments"]] == ["alice's private words"] and got["authors"] == []
    assert got["seq"] > since["alice"]
    assert editor_api.changes_since(wb, rec.id, "alice", got["seq"])["segments"] == []  # nothing twice
    # a change to the shared tier (rita) reaches everyone who works on it; a deletion is listed once
    shared = wb.transcript(rec.id).segments_of(f"{rec.id}-transcript")
    editing.set_text(wb, shared[0], "first", "rita")
    editing.set_text(wb, wb.transcript(rec.id).segments_of(f"{rec.id}-transcript")[0], "second", "rita")
    wb.apply(rec.id, [Change.delete(shared[1])], "max", "drop")
    got = editor_api.changes_since(wb, rec.id, "max", since["rita"])
    assert [s["text"] for s in got["segments"]] == ["second"] and got["deleted"] == [shared[1].id]
    assert got["authors"] == ["rita"]  # the asking user (max) is not announced to himself
    assert got["by"] == {shared[0].id: "rita"}
    assert editor_api.changes_since(wb, rec.id, "bob", since["bob"])["segments"] == []
