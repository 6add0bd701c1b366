"""The editor's speaker panel (play a speaker's longest turns, enroll a voice, "this is NAME") and the
inspector of a machine sound-event proposal; real app, real Chromium, real CAM++ voices; the
database is the judge.

The recordings are the shared two-speaker call (Diane and Sheila) with its reference turns as
draft segments of anonymous speakers, and a second recording of the same project cut from its
second half.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audiolab.core.model import (
    Origin,
    Segment,
    SegmentStatus,
    Span,
    Speaker,
    Tag,
    TagKind,
    VocabularyEntry,
    new_id,
    tier_id,
)
from audiolab.errors import AuthError, ValidationError
from audiolab.services import Workbench
from audiolab.services import editor as svc
from audiolab.services import events as sev
from audiolab.services import speakers as speakers_svc
from audiolab.services.review import add_user
from audiolab.storage import edits
from audiolab.storage.repository import MAPPERS
from audiolab.ui import editor_api as api
from tests.conftest import shared_file

ARTIFACTS = Path(__file__).parent / "artifacts"
LABELS = {"Diane": "SPEAKER_00", "Sheila": "SPEAKER_01"}
CUT_MS = 14300  # the second recording is the call from here on
SHEILA_LONGEST = Span(21935, 28425)  # her two last segments, 80 ms apart: her longest turn of the first recording
DIANE_LONGEST = (Span(17789, 21475), Span(10780, 14184))  # Diane's two longest turns there, longest first


def _stm_rows() -> list[tuple[str, int, int, str]]:
    rows = []
    for line in shared_file("diarization/pyannote_sample.stm").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and not line.startswith(";;"):
            span = Span.from_seconds(float(parts[3]), float(parts[4]))
            rows.append((parts[2], span.start_ms, span.end_ms, parts[5]))
    return rows


def seed(wb: Workbench, wav: Path, offset_ms: int = 0, extra: tuple[str, int, int] | None = None) -> str:
    """Ingest ``wav`` (the call from ``offset_ms`` on) with the reference turns as drafts of unnamed speakers.

    ``extra``: one more speaker ``(label, start_ms, end_ms)`` with a single short segment.
    """
    rec = wb.ingest_file(wav).recording
    speakers = {n: Speaker(id=new_id(), recording_id=rec.id, label=label, name="", color=c)
                for (n, label), c in zip(LABELS.items(), ("#4e9cf5", "#f5a04e"))}
    changes = [edits.Change.create(s) for s in speakers.values()]
    rows = [(speakers[n].id, a - offset_ms, b - offset_ms, text) for n, a, b, text in _stm_rows() if a >= offset_ms]
    if extra is not None:
        sp = Speaker(id=new_id(), recording_id=rec.id, label=extra[0], name="", color="#5fd38d")
        changes.append(edits.Change.create(sp))
        rows.append((sp.id, extra[1], extra[2], "mm"))
    for spk, a, b, text in rows:
        changes.append(edits.Change.create(Segment(id=new_id(), recording_id=rec.id, tier_id=tier_id(rec.id, "transcript"),
                                                   span=Span(a, b), text=text, speaker_id=spk, origin=Origin.IMPORT,
                                                   status=SegmentStatus.DRAFT)))
    wb.apply(rec.id, changes, "fixture", "seed")
    return rec.id


def second_half(out: Path) -> Path:
    import soundfile as sf

    audio, sr = sf.read(shared_file("diarization/pyannote_sample.wav"), dtype="int16")
    sf.write(out, audio[CUT_MS * sr // 1000:], sr, subtype="PCM_16")
    return out


def speaker(wb: Workbench, rid: str, label: str) -> Speaker:
    return next(s for s in wb.transcript(rid).speakers if s.label == label)


# -- the server functions, without a browser ----------------------------------------------------

def test_enrolling_is_for_reviewers_and_managers_and_says_why_not(wb, tmp_path: Path) -> None:
    rid = seed(wb, shared_file("diarization/pyannote_sample.wav"))
    rid2 = seed(wb, second_half(tmp_path / "call_second_half.wav"), CUT_MS, extra=("SPEAKER_02", 500, 1300))
    add_user(wb, "annie", "annotator", "annie-password-1")
    add_user(wb, "rita", "reviewer", "rita-password-1")
    sheila = speaker(wb, rid, LABELS["Sheila"])
    assert api.voices_json(wb, rid, "annie") == {"ok": True, "project": "default", "names": [], "may_enroll": False}
    assert api.voices_json(wb, rid, "rita")["may_enroll"] is True
    with pytest.raises(AuthError, match=r"annie \(annotator\) may not enroll voices"):
        api.enroll_voice(wb, rid, "annie", {"id": sheila.id, "version": sheila.version}, "Alice")
    refused = api.answers_refusals(api.enroll_voice)(wb, rid, "annie", {"id": sheila.id}, "Alice")  # as the editor answers
    assert refused["ok"] is False and "may not enroll voices" in refused["message"]
    assert speakers_svc.list_voiceprints(wb) == []

    got = api.enroll_voice(wb, rid, "rita", {"id": sheila.id, "version": sheila.version}, "  Alice ")
    assert got["ok"] and got["name"] == "Alice" and got["names"] == ["Alice"] and got["source"] == "all"
    assert 9000 <= got["speech_ms"] <= 11300 and got["segments"] == 5  # her five segments: 11.2 s of speech
    [vp] = speakers_svc.list_voiceprints(wb, "default")
    assert (vp.name, vp.recording_id, vp.speaker_label, vp.created_by) == ("Alice", rid, "SPEAKER_01", "rita")
    # the same voice, heard in the second recording, is Alice's; the other voice is not
    from audiolab.pipelines.voices import Voice, voices_of

    t2 = wb.transcript(rid2)
    spans = {s.label: [g.span for g in t2.segments if g.speaker_id == s.id] for s in t2.speakers}
    heard = voices_of(Path(wb.recording(rid2).path), spans)
    alice = Voice(vp.vector, vp.speech_ms, 1)
    assert heard["SPEAKER_01"].similarity(alice) >= speakers_svc.THRESHOLD > heard["SPEAKER_00"].similarity(alice)
    assert api.voices_json(wb, rid2, "annie")["names"] == ["Alice"]  # offered to everyone who edits

    short = speaker(wb, rid2, "SPEAKER_02")
    with pytest.raises(ValidationError, match="needs at least 3.0 s"):
        api.enroll_voice(wb, rid2, "rita", {"id": short.id}, "Mo")
    with pytest.raises(ValidationError, match="give the voice a name"):
        api.enroll_voice(wb, rid2, "rita", {"id": speaker(wb, rid2, "SPEAKER_01").id}, " ")
    elsewhere = api.answers_refusals(api.enroll_voice)(wb, rid2, "rita", {"id": sheila.id}, "Alice")  # not rid2's speaker
    assert elsewhere == {"ok": False, "message": f"recording {rid2} has no speaker '{sheila.id}' (merged or deleted "
                                                "meanwhile?): reload the editor"}
    assert [v.name for v in speakers_svc.list_voiceprints(wb)] == ["Alice"]


# -- the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    d = tmp_path_factory.mktemp("ui-speakers")
    wb = Workbench(d / "ui.db")
    rid = seed(wb, shared_file("diarization/pyannote_sample.wav"))
    rid2 = seed(wb, second_half(d / "call_second_half.wav"), CUT_MS, extra=("SPEAKER_02", 500, 1300))
    url, demo = serve(wb)
    yield {"wb": wb, "url": url, "rid": rid, "rid2": rid2}
    demo.close()


def _row(page, wb: Workbench, rid: str, label: str):
    return page.locator(f'.al-spkrow[data-id="{speaker(wb, rid, label).id}"]')


@pytest.mark.browser
def test_play_a_speakers_turns_enroll_and_name_them_in_another_recording(app, browser) -> None:
    from tests.test_ui_editor import open_editor, wait_db

    wb, rid, rid2 = app["wb"], app["rid"], app["rid2"]
    ctx, page = open_editor(browser, app["url"], rid)
    ed = "window.audiolabEditor"
    try:
        assert page.locator(".al-spkrow .al-spkplay").count() == 2
        sheila = _row(page, wb, rid, LABELS["Sheila"])
        page.wait_for_function("document.querySelector('.al-spkis option').textContent === 'no voice enrolled yet'", timeout=10000)

        # ▶ plays her longest turn first; pressed again, it stops
        sheila.locator(".al-spkplay").click()
        page.wait_for_function(f"!{ed}.media().paused && {ed}.media().currentTime * 1000 > {SHEILA_LONGEST.start_ms + 200}",
                               timeout=10000)
        now = page.evaluate(f"{ed}.media().currentTime * 1000")
        assert SHEILA_LONGEST.start_ms <= now < SHEILA_LONGEST.end_ms, now
        assert sheila.locator(".al-spkplay").inner_text() == "■"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".al-side").screenshot(path=str(ARTIFACTS / "speakers_playing.png"))
        sheila.locator(".al-spkplay").click()
        page.wait_for_function(f"{ed}.media().paused", timeout=5000)
        assert sheila.locator(".al-spkplay").inner_text() == "▶"
        # one turn after another (at 2x: Diane's longest takes 1.8 s), then stopped at once
        page.select_option(".al-speed", "2")
        diane = _row(page, wb, rid, LABELS["Diane"])
        diane.locator(".al-spkplay").click()
        first, second = DIANE_LONGEST
        page.wait_for_function(f"{ed}.media().currentTime * 1000 > {first.start_ms + 100}", timeout=10000)
        assert first.start_ms <= page.evaluate(f"{ed}.media().currentTime * 1000") < first.end_ms
        page.wait_for_function(f"(t => t >= {second.start_ms} && t < {second.end_ms})({ed}.media().currentTime * 1000)"
                               f" && !{ed}.media().paused", timeout=10000)
        diane.locator(".al-spkplay").click()
        page.wait_for_function(f"{ed}.media().paused", timeout=5000)
        page.select_option(".al-speed", "1")

        # she is Alice: named, then her voice enrolled under that name
        sheila.locator(".al-spkname").fill("Alice")
        sheila.locator(".al-spkname").press("Enter")
        wait_db(page, lambda: speaker(wb, rid, LABELS["Sheila"]).name == "Alice", "the speaker named")
        sheila.locator(".al-spkenroll").click()
        wait_db(page, lambda: [v.name for v in speakers_svc.list_voiceprints(wb, "default")] == ["Alice"], "the voice enrolled",
                timeout_s=30)
        [vp] = speakers_svc.list_voiceprints(wb, "default")
        assert (vp.recording_id, vp.speaker_label, vp.segments) == (rid, "SPEAKER_01", 5)
        page.wait_for_selector(".al-toast:has-text('Enrolled Alice’s voice for project default')", timeout=5000)
        page.locator(".al-side").screenshot(path=str(ARTIFACTS / "speakers_enrolled.png"))

        # the second recording of the project offers "this is Alice"
        page.evaluate(f"location.hash = 'rec={rid2}'")
        page.wait_for_function(f"{ed}.view.ready && {ed}.state.rec.id === '{rid2}'", timeout=20000)
        row2 = _row(page, wb, rid2, LABELS["Sheila"])
        page.wait_for_function(f"[...document.querySelectorAll('.al-spkrow[data-id=\"{speaker(wb, rid2, 'SPEAKER_01').id}\"] "
                               ".al-spkis option')].some((o) => o.value === 'Alice')", timeout=10000)
        assert row2.locator(".al-spkis option").all_inner_texts() == ["this is…", "this is Alice"]
        page.locator(".al-side").screenshot(path=str(ARTIFACTS / "speakers_this_is.png"))
        row2.locator(".al-spkis").select_option("Alice")
        wait_db(page, lambda: speaker(wb, rid2, "SPEAKER_01").name == "Alice", "the speaker of the second recording named")
        assert speaker(wb, rid2, "SPEAKER_00").name == ""
        page.wait_for_function(f"{ed}.state.speakers.some((s) => s.label === 'SPEAKER_01' && s.name === 'Alice')", timeout=5000)
        # the name it carries is not offered again; a speaker with too little speech is refused, saying why
        assert row2.locator(".al-spkis option").all_inner_texts() == ["no other voice enrolled"]
        short = _row(page, wb, rid2, "SPEAKER_02")
        short.locator(".al-spkname").fill("Mo")
        short.locator(".al-spkenroll").click()
        page.wait_for_selector(".al-toast.al-error:has-text('enrolling a voice needs at least 3.0 s')", timeout=15000)
        assert [v.name for v in speakers_svc.list_voiceprints(wb)] == ["Alice"]
        page.locator(".al-editor").screenshot(path=str(ARTIFACTS / "speakers_refused.png"))
    finally:
        ctx.close()


@pytest.mark.browser
def test_the_inspector_shows_a_proposals_origin_and_naming_it_accepts_it(app, browser) -> None:
    from tests.test_ui_editor import open_editor, wait_db

    wb, rid = app["wb"], app["rid"]
    svc.set_vocabulary(wb, rid, TagKind.SOUND_EVENT, [VocabularyEntry("dog", "k", "#e6a23c"),
                                                      VocabularyEntry("car horn", "h", "#5fd38d")])
    shared = tier_id(rid, "events")
    made = [Tag(id=new_id(), recording_id=rid, kind=TagKind.SOUND_EVENT, span=Span(a, a + 400), label=label, tier_id=shared,
                confidence=score, origin=Origin.MACHINE, note=note)
            for a, label, score, note in ((2000, "dog", 0.83, "suggested: dog 0.83"), (4000, "?", 0.55, "candidate: loud"),
                                          (6000, "dog", 0.61, "suggested: dog 0.61"))]
    edits.apply(wb.db, rid, [edits.Change.create(t) for t in made], sev.AUTHOR, "proposals")
    suggestion, candidate, third = made
    tag = lambda t: MAPPERS["tag"].get(wb.db, t.id)
    ctx, page = open_editor(browser, app["url"], rid)
    ed = "window.audiolabEditor"
    try:
        page.evaluate(f"{ed}.seek(0)")
        page.locator(".al-editor").focus()
        page.keyboard.press("e")
        page.wait_for_function(f"{ed}.view.sel === '{suggestion.id}'", timeout=5000)
        assert page.locator(".al-insp .al-insp-origin").inner_text().startswith("machine suggestion, score 0.83")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".al-inspector").screenshot(path=str(ARTIFACTS / "inspector_suggestion.png"))
        page.locator(".al-insp select").select_option("car horn")  # another label than the suggested one
        wait_db(page, lambda: tag(suggestion).origin == Origin.HUMAN, "the suggestion accepted under the label chosen")
        assert (tag(suggestion).label, tag(suggestion).confidence) == ("car horn", None)
        page.wait_for_function("!document.querySelector('.al-insp .al-insp-origin')", timeout=5000)  # a person's tag now

        page.locator(".al-editor").focus()
        page.keyboard.press("e")
        page.wait_for_function(f"{ed}.view.sel === '{candidate.id}'", timeout=5000)
        assert page.locator(".al-insp .al-insp-origin").inner_text().startswith("machine candidate, detection score 0.55")
        page.locator(".al-inspector").screenshot(path=str(ARTIFACTS / "inspector_candidate.png"))
        page.locator(".al-insp select").select_option("dog")
        wait_db(page, lambda: tag(candidate).origin == Origin.HUMAN, "the candidate accepted under the label chosen")
        assert tag(candidate).label == "dog"
        # a person's tag keeps its origin when relabelled (update_tag)
        page.locator(".al-insp select").select_option("car horn")
        wait_db(page, lambda: tag(candidate).label == "car horn", "the person's tag relabelled")
        assert tag(candidate).origin == Origin.HUMAN

        # the inspector's Dismiss answers a proposal (reject_tag: gone, Ctrl+Z brings it back)
        page.locator(".al-editor").focus()
        page.keyboard.press("e")
        page.wait_for_function(f"{ed}.view.sel === '{third.id}'", timeout=5000)
        page.locator(".al-insp button:has-text('Dismiss')").click()
        wait_db(page, lambda: tag(third) is None, "the suggestion dismissed")
    finally:
        ctx.close()
