"""Sound-event candidates and label suggestions on the shared clips (signal processing, no model)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiolab.core.model import SAMPLE_RATE, Origin, Span, TagKind, tier_id
from audiolab.errors import ValidationError
from tests.conftest import shared_file

CLEAN_SPEECH = ("asr_en/librispeech_1272-128104-0000.wav", "asr_en/ljspeech_LJ001-0001.flac",
                "asr_en/ljspeech_LJ001-0007.flac")
SOUNDS = ("esc50_1-100032-A-0_dog.wav", "esc50_2-100648-A-43_car_horn.wav", "librosa_robin_bird_call.ogg",
          "librosa_solo_trumpet.ogg")


def _active(name: str) -> list[Span]:
    with open(shared_file("sound_events/labels.csv"), newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["file"] == name)
    return [Span.from_seconds(float(a), float(b))
            for a, b in re.findall(r"(\d+\.\d+)-(\d+\.\d+)", row["approx_active_s"])]


def _machine_tags(wb, rid: str) -> list:  # noqa: ANN001
    return sorted((t for t in wb.transcript(rid).tags if t.origin == Origin.MACHINE), key=lambda t: t.span)


@pytest.mark.parametrize("rel", CLEAN_SPEECH)
def test_speech_without_other_sounds_yields_no_candidates(wb, rel: str) -> None:
    from audiolab.services.events import detect_candidates

    rid = wb.ingest_file(shared_file(rel)).recording.id
    res = detect_candidates(wb, rid)
    assert res.speech_source == "vad" and res.speech_ms > 3000
    assert res.candidates == ()
    assert _machine_tags(wb, rid) == []


def test_applause_after_the_last_word_is_the_only_candidate(wb) -> None:
    """jfk.flac ends in applause (10.6 s on): a sound outside speech, the one thing to find."""
    from audiolab.services.events import detect_candidates

    rid = wb.ingest_file(shared_file("asr_en/jfk.flac")).recording.id
    res = detect_candidates(wb, rid)
    assert [c.span.start_ms >= 10_500 for c in res.candidates] == [True]


@pytest.mark.parametrize("name", SOUNDS)
def test_sound_clip_candidates_cover_its_active_region(wb, name: str) -> None:
    from audiolab.services.events import CANDIDATE_LABEL, detect_candidates

    rid = wb.ingest_file(shared_file(f"sound_events/{name}")).recording.id
    res = detect_candidates(wb, rid)
    assert res.speech_ms == 0  # no speech found in a clip without any
    assert res.candidates
    for region in _active(name):
        covered = sum(c.span.overlap_ms(region) for c in res.candidates)
        assert covered >= 0.9 * region.duration_ms, (name, region, res.candidates)
    for c in res.candidates:  # nothing far from the labelled sound
        assert any(c.span.distance_ms(r) <= 1000 for r in _active(name))
        assert c.label == CANDIDATE_LABEL and c.origin == Origin.MACHINE and c.kind == TagKind.SOUND_EVENT
        assert c.tier_id == tier_id(rid, "events") and 0 < c.confidence <= 1 and "dB above" in c.note


def test_rerun_replaces_untouched_candidates_and_keeps_human_work(wb) -> None:
    from audiolab.core.model import RecordingStatus
    from audiolab.services import editing
    from audiolab.services import events as sev

    rid = wb.ingest_file(shared_file("sound_events/esc50_2-100648-A-43_car_horn.wav")).recording.id
    first = sev.detect_candidates(wb, rid)
    assert len(first.candidates) == 1
    assert wb.recording(rid).status == RecordingStatus.NEW  # a machine guess is not progress
    human = editing.add_tag(wb, rid, TagKind.SOUND_EVENT, 3000, 3500, "traffic", "ann",
                            tier_id=tier_id(rid, "events")).values
    (human_id,) = human

    second = sev.detect_candidates(wb, rid)
    assert (second.replaced, second.kept, len(second.candidates)) == (1, 1, 1)
    assert second.candidates[0].id != first.candidates[0].id
    assert second.candidates[0].span == first.candidates[0].span

    edited = editing.update_tag(wb, second.candidates[0], "ann", label="horn").values[second.candidates[0].id]
    third = sev.detect_candidates(wb, rid)
    assert (third.replaced, third.kept, third.dropped, third.candidates) == (0, 2, 1, ())
    tags = {t.id: t for t in wb.transcript(rid).tags}
    assert tags[human_id].label == "traffic" and tags[human_id].origin == Origin.HUMAN
    assert tags[edited.id].label == "horn"

    accepted = sev.accept(wb, tags[edited.id], "ann").values[edited.id]
    assert accepted.origin == Origin.HUMAN and accepted.confidence is None and not sev.is_proposal(accepted)
    with pytest.raises(ValidationError, match="not a machine proposal"):
        sev.reject(wb, accepted, "ann")
    assert sev.detect_candidates(wb, rid).candidates == ()  # the accepted horn still blocks a duplicate


def test_candidates_are_one_undoable_batch(wb) -> None:
    from audiolab.services.events import AUTHOR, detect_candidates

    rid = wb.ingest_file(shared_file("sound_events/esc50_1-100032-A-0_dog.wav")).recording.id
    (cand,) = detect_candidates(wb, rid).candidates
    assert [(e.author, e.op, e.entity_id) for e in wb.history(rid)] == [(AUTHOR, "create", cand.id)]
    wb.undo(rid, "ann")
    assert _machine_tags(wb, rid) == []


def _clip(name: str, a: float, b: float) -> np.ndarray:
    from audiolab.media.probe import load_audio

    x = load_audio(shared_file(f"sound_events/{name}"))[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)].astype(np.float64)
    return x - x.mean()


def _assemble(path: Path, parts: list[tuple[np.ndarray, float, float]], seconds: float, seed: int) -> Path:
    """Low noise with clips mixed in at (start s, gain dB)."""
    out = np.random.default_rng(seed).normal(0.0, 10 ** (-60 / 20), int(seconds * SAMPLE_RATE))
    for clip, start, gain_db in parts:
        i = int(start * SAMPLE_RATE)
        out[i:i + len(clip)] += clip * 10 ** (gain_db / 20)
    soundfile.write(path, (0.9 * out / max(1.0, np.abs(out).max())).astype(np.float32), SAMPLE_RATE)
    return path


def test_suggestions_rank_the_same_label_first(wb, tmp_path: Path) -> None:
    from audiolab.services import editing
    from audiolab.services import events as sev

    dog = _clip("esc50_1-100032-A-0_dog.wav", 2.15, 2.65)
    horn = _clip("esc50_2-100648-A-43_car_horn.wav", 1.0, 1.65)
    bird = _clip("librosa_robin_bird_call.ogg", 0.1, 2.25)
    ex = wb.ingest_file(_assemble(tmp_path / "examples.wav", [(bird, 0.5, 0), (dog, 3.5, -6), (horn, 5.0, -3)],
                                  7.0, 1)).recording.id
    for label, start, clip in (("bird", 0.5, bird), ("dog", 3.5, dog), ("car horn", 5.0, horn)):
        editing.add_tag(wb, ex, TagKind.SOUND_EVENT, int(start * 1000), int((start + len(clip) / SAMPLE_RATE) * 1000),
                        label, "ann", tier_id=tier_id(ex, "events"))
    target = wb.ingest_file(_assemble(tmp_path / "target.wav", [(horn, 0.8, 0), (dog, 2.5, 0), (bird, 4.0, -6)],
                                      7.0, 2)).recording.id
    truth = {"car horn": Span(800, 1450), "dog": Span(2500, 3000), "bird": Span(4000, 6150)}
    with pytest.raises(ValidationError, match="not in project .elsewhere."):
        sev.suggest(wb, [target], project="elsewhere")
    assert len(sev.detect_candidates(wb, target).candidates) == 3
    res = sev.suggest(wb, [target])
    assert res.labels == {"bird": 1, "car horn": 1, "dog": 1} and res.suggested == {target: 3}
    tags = _machine_tags(wb, target)
    for tag in tags:
        (label,) = [lab for lab, span in truth.items() if span.overlaps(tag.span)]
        assert tag.label == label and sev.is_suggestion(tag) and tag.note.startswith(f"suggested: {label} ")
        assert res.ranking[label][0][0] == tag.id  # its label ranks it above the other candidates
    assert _machine_tags(wb, ex) == []  # the examples' recording had no candidates to label
    again = sev.suggest(wb, [target], options=sev.SuggestOptions(min_score=1.01))
    assert again.suggested == {target: 0} and again.unlabelled == {target: 3}
    back = _machine_tags(wb, target)
    assert {t.label for t in back} == {sev.CANDIDATE_LABEL}
    assert all(t.note.startswith("candidate: ") and "no label similar enough" in t.note for t in back)


def test_cli_detect_suggest_and_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from audiolab.cli import main

    db = str(tmp_path / "cli.db")
    media = tmp_path / "horn.wav"
    shutil.copy(shared_file("sound_events/esc50_2-100648-A-43_car_horn.wav"), media)
    assert main(["ingest", str(media), "--db", db]) == 0
    rid = capsys.readouterr().out.split()[0]

    def err(argv: list[str], code: int = 1) -> str:
        assert main([*argv, "--db", db]) == code
        out = capsys.readouterr()
        return (out.out + out.err).strip()

    assert err(["events", "detect"]) == "audiolab: error: name recordings to detect sound events in, or use --all"
    assert err(["events", "detect", "--project", "x"]) == "audiolab: error: --project goes with --all"
    assert err(["events", "detect", "nope"]).startswith("audiolab: error: no recording 'nope'")
    line = err(["events", "suggest"])
    assert line.startswith("audiolab: error: no human sound-event tags") and "\n" not in line
    assert err(["events", "suggest", "--min-score", "2"]) == \
        "audiolab: error: --min-score must be between 0 and 1, got 2"

    assert main(["events", "detect", "--all", "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"{rid}  1 candidates (0.0 s of speech from VAD)")
    media.unlink()
    lines = err(["events", "detect", rid]).splitlines()
    assert lines[0].startswith(f"{rid}  error: ") and "missing" in lines[0]
    assert lines[1:] == ["1 of 1 recordings failed"]


def test_doctests_of_the_pipeline() -> None:
    import doctest

    from audiolab.pipelines import events

    assert doctest.testmod(events).failed == 0


def test_proposals_stay_out_of_exports_until_accepted(wb, tmp_path: Path) -> None:
    import json

    from audiolab.services import events as ev
    from audiolab.services.exporting import export_recording

    rec = wb.ingest_file(shared_file("sound_events/esc50_2-100648-A-43_car_horn.wav")).recording
    found = ev.detect_candidates(wb, rec.id)
    assert found.candidates

    def exported_tags() -> list:
        out = export_recording(wb, rec.id, "json", tmp_path / "out.json")
        return json.loads(out.read_text())["tags"]

    assert exported_tags() == []
    proposal = next(t for t in wb.transcript(rec.id).tags if ev.is_proposal(t))
    ev.accept(wb, proposal, "ann", label="car_horn")
    assert [t["label"] for t in exported_tags()] == ["car_horn"]


def _mixed(parts: list[tuple[np.ndarray, float, float]], seconds: float, base: np.ndarray | None = None) -> np.ndarray:
    """``base`` (default low noise) with clips added at (start s, gain dB)."""
    out = np.random.default_rng(0).normal(0.0, 1e-3, int(seconds * SAMPLE_RATE)) if base is None else base.copy()
    for clip, start, gain_db in parts:
        i = int(start * SAMPLE_RATE)
        out[i:i + len(clip)] += clip * 10 ** (gain_db / 20)
    return (0.9 * out / max(1.0, np.abs(out).max())).astype(np.float32)


@pytest.mark.parametrize("other", ["horn", "dog", "trumpet"])
def test_bursts_of_one_sound_are_bridged_and_different_sounds_are_not(other: str) -> None:
    """A car horn sounding twice 0.7 s apart is one candidate; a horn followed as closely by a dog
    bark or a trumpet phrase stays two (their excess spectra do not correlate)."""
    from audiolab.pipelines.events import EventOptions, detect

    horn = _clip("esc50_2-100648-A-43_car_horn.wav", 1.0, 1.65)
    second = {"horn": horn, "dog": _clip("esc50_1-100032-A-0_dog.wav", 2.15, 2.65),
              "trumpet": _clip("librosa_solo_trumpet.ogg", 0.0, 1.0)}[other]
    audio = _mixed([(horn, 1.0, 0.0), (second, 2.35, 0.0)], 6.0)
    unbridged = [c.span for c in detect(audio, options=EventOptions(bridge_ms=0))]
    assert len(unbridged) == 2 and unbridged[1].start_ms - unbridged[0].end_ms >= 500
    found = [c.span for c in detect(audio)]
    if other == "horn":
        assert found == [Span(unbridged[0].start_ms, unbridged[1].end_ms)]
    else:
        assert found == unbridged


def test_a_short_weak_narrow_sound_in_speech_is_dropped_a_louder_or_broadband_one_kept() -> None:
    """Inside speech a candidate shorter than 300 ms needs a 16 dB peak above the voice unless it is
    broadband (a stressed syllable's formants are as short and as loud): 250 ms of trumpet 3 dB over
    the voice's level is dropped, at 12 dB it stays, and a dog bark at 6 dB (broadband) stays."""
    from audiolab.media.probe import load_audio
    from audiolab.pipelines.events import EventOptions, detect

    voice = load_audio(shared_file(CLEAN_SPEECH[0])).astype(np.float64)[int(0.3 * SAMPLE_RATE):int(5.7 * SAMPLE_RATE)]
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))
    speech = (Span(0, len(voice) * 1000 // SAMPLE_RATE),)
    where = Span(2000, 2300)

    def over_voice(clip: np.ndarray, db: float) -> np.ndarray:
        return _mixed([(clip, 2.0, 20 * np.log10(rms(voice) / rms(clip)) + db)], 0, voice)

    trumpet = _clip("librosa_solo_trumpet.ogg", 0.5, 0.75)
    weak = over_voice(trumpet, 3)
    (kept,) = detect(weak, speech, EventOptions(short_speech_ms=0))
    assert kept.in_speech and kept.span.duration_ms < 300 and 12 <= kept.peak_db < 16 and kept.span.overlaps(where)
    assert detect(weak, speech) == ()
    (loud,) = detect(over_voice(trumpet, 12), speech)
    assert loud.span.overlaps(where) and loud.peak_db >= 16
    (bark,) = detect(over_voice(_clip("esc50_1-100032-A-0_dog.wav", 2.15, 2.65), 6), speech)
    assert bark.span.duration_ms < 300 and bark.peak_db < 16 and bark.span.overlaps(Span(2000, 2500))


def test_off_thresholds_are_checked_against_the_start_thresholds() -> None:
    from audiolab.pipelines.events import EventOptions

    EventOptions(off_db_speech=12.0)
    with pytest.raises(ValidationError, match="off_db"):
        EventOptions(off_db_speech=13.0)
    with pytest.raises(ValidationError, match="off_db"):
        EventOptions(off_db=11.0)
