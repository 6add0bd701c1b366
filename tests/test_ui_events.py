"""Sound-event proposals in the editor: the edit ops in ``editor_api`` (roles included) and a real
browser finding, labelling, dismissing and undoing candidates; the database is the judge.

The recording is made here from the shared clips: a read sentence with a dog bark mixed into the
speech (6 dB above the voice) and a car horn in the pause after it, over a quiet floor.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from audiolab.core.model import (
    SAMPLE_RATE,
    Origin,
    Span,
    Tag,
    TagKind,
    TierRole,
    VocabularyEntry,
    new_id,
    tier_id,
)
from audiolab.errors import AuthError
from audiolab.services import Workbench
from audiolab.services import editor as svc
from audiolab.services import events as sev
from audiolab.services import review as rv
from audiolab.storage import edits
from audiolab.storage.repository import MAPPERS
from audiolab.ui import editor_api as api
from tests.conftest import shared_file

ARTIFACTS = Path(__file__).parent / "artifacts"
DOG = Span(3200, 3700)  # where the bark is mixed in (inside the speech)
HORN = Span(10000, 10650)  # the horn (in the pause after the speech)
VOCAB = [VocabularyEntry("dog", "k", "#e6a23c"), VocabularyEntry("car horn", "h", "#5fd38d")]


def _clip(rel: str, a: float | None = None, b: float | None = None) -> np.ndarray:
    from audiolab.media.probe import load_audio

    x = load_audio(shared_file(rel)).astype(np.float64)
    if a is not None and b is not None:
        x = x[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)]
    return x - x.mean()


def speech_with_sounds(path: Path) -> Path:
    """16 s: speech from 1 s, a bark inside it at 3.2 s, a horn at 10 s (levels relative to the voice)."""
    import soundfile

    speech = _clip("asr_en/librispeech_1272-128104-0000.wav")
    dog = _clip("sound_events/esc50_1-100032-A-0_dog.wav", 2.15, 2.65)
    horn = _clip("sound_events/esc50_2-100648-A-43_car_horn.wav", 1.0, 1.65)
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))
    out = np.random.default_rng(1).normal(0.0, 10 ** (-60 / 20), 16 * SAMPLE_RATE)
    for x, start, gain in ((speech, 1.0, 1.0), (dog, DOG.start_ms / 1000, rms(speech) / rms(dog) * 10 ** (6 / 20)),
                           (horn, HORN.start_ms / 1000, rms(speech) / rms(horn))):
        i = int(start * SAMPLE_RATE)
        out[i:i + len(x)] += gain * x
    soundfile.write(path, (0.9 * out / np.abs(out).max()).astype(np.float32), SAMPLE_RATE)
    return path


def _tag(wb: Workbench, tag_id: str) -> Tag | None:
    return MAPPERS["tag"].get(wb.db, tag_id)


def _ref(t: dict | Tag) -> dict:
    return {"id": t["id"], "version": t["version"]} if isinstance(t, dict) else {"id": t.id, "version": t.version}


def _machine(wb: Workbench, rid: str, tier: str) -> list[Tag]:
    return sorted((t for t in wb.transcript(rid).tags if t.origin == Origin.MACHINE and t.tier_id == tier),
                  key=lambda t: t.span)


@pytest.fixture(scope="module")
def mix(tmp_path_factory) -> Path:
    return speech_with_sounds(tmp_path_factory.mktemp("events-mix") / "speech_dog_horn.wav")


# -- the ops, without a browser ------------------------------------------------------------------

def test_find_label_dismiss_undo_on_the_shared_copy(wb, mix) -> None:
    rid = wb.ingest_file(mix).recording.id
    shared = tier_id(rid, "events")
    found = api.apply_action(wb, rid, "local", {"op": "detect_events"})
    assert found["ok"], found
    assert [(t["label"], t["origin"], t["tier_id"]) for t in found["tags"]] == [("?", "machine", shared)] * 2
    assert all(0 < t["confidence"] <= 1 for t in found["tags"])
    dog, horn = sorted(found["tags"], key=lambda t: t["start"])
    assert Span(dog["start"], dog["end"]).overlaps(DOG) and Span(horn["start"], horn["end"]).overlaps(HORN)
    assert all("origin" in t and "confidence" in t for t in api.editor_state(wb, rid, "local")["tags"])

    # a candidate needs a name; given one it becomes a person's tag
    refused = api.apply_action(wb, rid, "local", {"op": "accept_tag", "tag": _ref(dog)})
    assert not refused["ok"] and "name the sound" in refused["message"]
    named = api.apply_action(wb, rid, "local", {"op": "accept_tag", "tag": _ref(dog), "label": "dog"})
    assert named["ok"] and [(t["id"], t["label"], t["origin"], t["confidence"]) for t in named["tags"]] == [
        (dog["id"], "dog", "human", None)]
    stored = _tag(wb, dog["id"])
    assert stored.origin == Origin.HUMAN and stored.label == "dog" and not sev.is_proposal(stored)
    again = api.apply_action(wb, rid, "local", {"op": "reject_tag", "tag": {"id": dog["id"], "version": stored.version}})
    assert not again["ok"] and "not a machine proposal" in again["message"]  # a person's tag is not dismissed this way

    gone = api.apply_action(wb, rid, "local", {"op": "reject_tag", "tag": _ref(horn)})
    assert gone["ok"] and gone["deleted"] == [horn["id"]] and _tag(wb, horn["id"]) is None
    back = api.apply_action(wb, rid, "local", {"op": "undo"})
    assert back["ok"] and _tag(wb, horn["id"]).origin == Origin.MACHINE and _tag(wb, horn["id"]).label == "?"

    # a re-run keeps the accepted dog and the horn a person dismissed and took back (touched: theirs
    # to answer), and stores nothing over them
    rerun = api.apply_action(wb, rid, "local", {"op": "detect_events"})
    assert rerun["ok"] and rerun["deleted"] == [] and rerun["tags"] == []
    assert _tag(wb, dog["id"]).label == "dog" and _tag(wb, horn["id"]).label == "?"


def test_suggestions_are_accepted_one_by_one_or_above_a_score(wb, mix) -> None:
    rid = wb.ingest_file(mix).recording.id
    shared = tier_id(rid, "events")
    assert api.apply_action(wb, rid, "local", {"op": "detect_events"})["ok"]
    none = api.apply_action(wb, rid, "local", {"op": "suggest_events"})
    assert not none["ok"] and "label a few sounds first" in none["message"]
    # the bark, labelled by a person, is the project's example; the horn is then labelled by likeness or stays "?"
    dog, horn = _machine(wb, rid, shared)
    assert api.apply_action(wb, rid, "local", {"op": "accept_tag", "tag": _ref(dog), "label": "dog"})["ok"]
    ran = api.apply_action(wb, rid, "local", {"op": "suggest_events"})
    assert ran["ok"] and [t["id"] for t in ran["tags"]] == [horn.id]  # labelled, or "?" saying why not
    labelled = _tag(wb, horn.id)
    assert labelled.origin == Origin.MACHINE and labelled.note.startswith(("suggested: dog ", "candidate: "))
    # suggestions as suggest() stores them (label, score), written by its author
    sugg = [Tag(id=new_id(), recording_id=rid, kind=TagKind.SOUND_EVENT, span=Span(a, a + 300), label=label,
                tier_id=shared, confidence=score, origin=Origin.MACHINE, note=f"suggested: {label} {score:.2f}")
            for a, label, score in ((12000, "car horn", 0.91), (13000, "dog", 0.72), (14000, "dog", 0.41))]
    edits.apply(wb.db, rid, [edits.Change.create(t) for t in sugg], sev.AUTHOR, "suggestions")
    one = api.apply_action(wb, rid, "local", {"op": "accept_tag", "tag": _ref(sugg[2])})  # as it is
    assert one["ok"] and _tag(wb, sugg[2].id).label == "dog" and _tag(wb, sugg[2].id).origin == Origin.HUMAN
    for bad in (None, "0.5", 1.5, -0.1, True):
        r = api.apply_action(wb, rid, "local", {"op": "accept_suggestions", "min_score": bad})
        assert not r["ok"] and "min_score" in r["message"], bad
    nothing = api.apply_action(wb, rid, "local", {"op": "accept_suggestions", "min_score": 0.95})
    assert not nothing["ok"] and "no suggestion scores 0.95" in nothing["message"]
    above = api.apply_action(wb, rid, "local", {"op": "accept_suggestions", "min_score": 0.7})
    assert above["ok"] and sorted(t["id"] for t in above["tags"]) == sorted([sugg[0].id, sugg[1].id])
    assert [_tag(wb, t.id).origin for t in sugg] == [Origin.HUMAN] * 3
    assert api.apply_action(wb, rid, "local", {"op": "undo"})["ok"]  # the two accepted together come back together
    assert [_tag(wb, t.id).origin for t in sugg[:2]] == [Origin.MACHINE] * 2


def test_roles_an_annotator_finds_on_their_copy_and_cannot_answer_the_shared_ones(wb, mix) -> None:
    rid = wb.ingest_file(mix).recording.id
    shared = tier_id(rid, "events")
    for name, role in (("alice", "annotator"), ("rita", "reviewer")):
        rv.add_user(wb, name, role, f"{name}-password-1")
    rv.assign(wb, [rid], "alice", independent=True)
    state = api.editor_state(wb, rid, "alice")  # opening makes alice's own copy (of a draft without tags)
    copy = state["tier"]["id"]
    assert state["tier"]["role"] == TierRole.ANNOTATION.value and not state["tags"]
    assert api.apply_action(wb, rid, "rita", {"op": "detect_events"})["ok"]  # a reviewer may change the shared draft
    on_shared = _machine(wb, rid, shared)
    assert len(on_shared) == 2
    assert api.editor_state(wb, rid, "alice")["tags"] == []  # the shared proposals are not in her lane

    mine = api.apply_action(wb, rid, "alice", {"op": "detect_events"})
    assert mine["ok"] and len(mine["tags"]) == 2 and {t["tier_id"] for t in mine["tags"]} == {copy}
    assert _machine(wb, rid, shared) == on_shared  # the shared ones untouched
    first = min(mine["tags"], key=lambda t: t["start"])
    assert api.apply_action(wb, rid, "alice", {"op": "accept_tag", "tag": _ref(first), "label": "dog"})["ok"]
    assert _tag(wb, first["id"]).tier_id == copy and _tag(wb, first["id"]).origin == Origin.HUMAN

    # her editor never shows the shared proposals; named anyway, the access rule refuses them
    for action in ({"op": "reject_tag", "tag": _ref(on_shared[0])},
                   {"op": "accept_tag", "tag": _ref(on_shared[0]), "label": "dog"}):
        r = api.apply_action(wb, rid, "alice", action)
        assert not r["ok"] and "may not change the shared sound events" in r["message"], r
    assert _machine(wb, rid, shared) == on_shared
    # a run on the shared tier is refused before anything is read
    with pytest.raises(AuthError, match="may not change the shared sound events"):
        sev.detect_candidates(wb, rid, by="alice")
    # the reviewer may dismiss a shared one; disabled, nothing any more
    assert api.apply_action(wb, rid, "rita", {"op": "reject_tag", "tag": _ref(on_shared[0])})["ok"]
    rv.set_active(wb, "rita", False)
    for action in ({"op": "reject_tag", "tag": _ref(on_shared[1])}, {"op": "detect_events"}):
        r = api.apply_action(wb, rid, "rita", action)
        assert not r["ok"] and "may not change" in r["message"], r
    assert _tag(wb, on_shared[1].id) is not None


def test_event_tags_follow_the_lane_of_the_user(wb, mix) -> None:
    rid = wb.ingest_file(mix).recording.id
    target = svc.edit_target(wb, rid, "local")
    assert svc.event_tier(wb, target) == tier_id(rid, "events") and svc.event_tags(wb, target) == []


# -- the browser ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_find_step_label_dismiss_and_undo_in_the_browser(browser, tmp_path, mix) -> None:
    from audiolab.ui.devserver import serve
    from tests.test_ui_editor import open_editor, wait_db

    wb = Workbench(tmp_path / "ui-events.db")
    rid = wb.ingest_file(mix).recording.id
    svc.set_vocabulary(wb, rid, TagKind.SOUND_EVENT, VOCAB)
    shared = tier_id(rid, "events")
    url, demo = serve(wb)
    ctx, page = open_editor(browser, url, rid)
    ed = "window.audiolabEditor"
    try:
        page.click(".al-detect")
        wait_db(page, lambda: len(_machine(wb, rid, shared)) == 2, "two candidates", timeout_s=60)
        page.wait_for_function(f"{ed}.state.tags.filter((t) => t.origin === 'machine').length === 2", timeout=20000)
        page.wait_for_selector(".al-toast:has-text('2 sound-event candidates found')", timeout=10000)
        dog, horn = _machine(wb, rid, shared)
        assert dog.span.overlaps(DOG) and horn.span.overlaps(HORN)

        # E selects the first candidate after the playhead and puts the playhead on it
        page.evaluate(f"{ed}.seek(0)")
        page.locator(".al-editor").focus()
        page.keyboard.press("e")
        page.wait_for_function(f"{ed}.view.sel === '{dog.id}' && {ed}.view.selKind === 'tag'", timeout=5000)
        page.wait_for_function(f"Math.abs({ed}.media().currentTime * 1000 - {dog.span.start_ms}) < 60", timeout=5000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".al-wavebox").screenshot(path=str(ARTIFACTS / "events_candidates.png"))

        # Alt+K (the "dog" hotkey) names the selected candidate: a person's tag now
        page.keyboard.press("Alt+KeyK")
        wait_db(page, lambda: _tag(wb, dog.id).origin == Origin.HUMAN, "the candidate accepted")
        assert _tag(wb, dog.id).label == "dog" and _tag(wb, dog.id).confidence is None
        assert len([t for t in wb.transcript(rid).tags if t.kind == TagKind.SOUND_EVENT]) == 2  # no new tag beside it

        # E goes on to the horn; D dismisses it; Ctrl+Z brings it back
        page.keyboard.press("e")
        page.wait_for_function(f"{ed}.view.sel === '{horn.id}'", timeout=5000)
        page.keyboard.press("d")
        wait_db(page, lambda: _tag(wb, horn.id) is None, "the candidate dismissed")
        page.wait_for_function(f"!{ed}.state.tags.some((t) => t.id === '{horn.id}')", timeout=5000)
        page.keyboard.press("Control+z")
        wait_db(page, lambda: _tag(wb, horn.id) is not None, "the candidate back")
        back = _tag(wb, horn.id)
        assert back.origin == Origin.MACHINE and back.label == "?" and dataclasses.replace(back, version=horn.version) == horn
        page.wait_for_function(f"{ed}.state.tags.some((t) => t.id === '{horn.id}' && t.origin === 'machine')", timeout=5000)
        page.locator(".al-wavebox").screenshot(path=str(ARTIFACTS / "events_after.png"))
        authors = [(b.author, b.action) for b in svc.history_batches(wb, rid)]
        assert authors[:3] == [("local", "undo"), ("local", "do"), ("local", "do")], authors

        # suggestions (as suggest() stores them) arrive with the live update, written with their score
        sugg = [Tag(id=new_id(), recording_id=rid, kind=TagKind.SOUND_EVENT, span=Span(a, a + 900), label=label,
                    tier_id=shared, confidence=score, origin=Origin.MACHINE, note=f"suggested: {label} {score:.2f}")
                for a, label, score in ((12000, "car horn", 0.91), (13500, "dog", 0.55))]
        edits.apply(wb.db, rid, [edits.Change.create(t) for t in sugg], sev.AUTHOR, "suggestions")
        page.wait_for_function(f"{ed}.state.tags.filter((t) => t.origin === 'machine' && t.label !== '?').length === 2",
                               timeout=15000)
        page.wait_for_timeout(300)  # the redraw after the poll
        page.locator(".al-wavebox").screenshot(path=str(ARTIFACTS / "events_suggestions.png"))
        # accept those scoring 0.9 or more (the small control beside the button), then A the other as it is
        page.fill(".al-minscore", "0.9")
        page.click(".al-acceptabove")
        wait_db(page, lambda: _tag(wb, sugg[0].id).origin == Origin.HUMAN, "the suggestion above 0.9 accepted")
        assert _tag(wb, sugg[0].id).label == "car horn" and _tag(wb, sugg[1].id).origin == Origin.MACHINE
        page.evaluate(f"{ed}.seek(11000)")  # nothing is selected (the dismissed horn was): from the playhead
        page.locator(".al-editor").focus()
        page.keyboard.press("e")  # past the horn candidate and the accepted horn, the dog suggestion
        page.wait_for_function(f"{ed}.view.sel === '{sugg[1].id}'", timeout=5000)
        page.keyboard.press("a")
        wait_db(page, lambda: _tag(wb, sugg[1].id).origin == Origin.HUMAN, "the suggestion accepted as it is")
        assert _tag(wb, sugg[1].id).label == "dog" and _tag(wb, horn.id).origin == Origin.MACHINE
        page.locator(".al-side").screenshot(path=str(ARTIFACTS / "events_panel.png"))
    finally:
        ctx.close()
        demo.close()


@pytest.mark.browser
def test_library_finds_sound_events_for_the_chosen_recording(browser, tmp_path, mix) -> None:
    from audiolab.ui.devserver import serve
    from tests.conftest import wait_until

    wb = Workbench(tmp_path / "library-events.db")
    rid = wb.ingest_file(mix).recording.id
    url, demo = serve(wb)
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    status = lambda: page.locator("#al-lib-status textarea").input_value()
    try:
        page.goto(url)
        page.wait_for_function("window.audiolabEditor !== undefined", timeout=20000)
        page.get_by_role("tab", name="Library").click()
        page.locator("#al-lib-grid [role=gridcell]").filter(has_text=rid).first.click()  # a row chooses it
        wait_until(page, lambda: page.locator("#al-lib-pick input").input_value().endswith(f"[{rid}]"), "the pick")
        page.locator("#al-lib-events-btn").click()
        wait_until(page, lambda: "sound-event candidates found" in status() or "failed" in status(), "the run",
                   timeout_s=60)
        assert status().startswith("2 sound-event candidates found (speech from vad)"), status()
        assert len(_machine(wb, rid, tier_id(rid, "events"))) == 2
    finally:
        ctx.close()
        demo.close()
