"""Golden files for every export format, and round trips through the readers users rely on.

Regenerate the golden files after an intended change with ``AUDIOLAB_REGEN_GOLDEN=1 pytest
tests/test_export_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from audiolab.core.model import TagKind
from audiolab.errors import ValidationError
from audiolab.export import FORMATS, ExportOptions, dumps, write_transcript
from audiolab.export.timecode import ms_to_frame

sys.path.insert(0, str(Path(__file__).parent))
from export_sample import sample_transcript  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
VIDEO = ExportOptions(clock="video", snap_to_frames=True)
CASES = {
    "sample.srt": ("srt", ExportOptions(speaker_prefix=True)),
    "sample.video.srt": ("srt", ExportOptions(clock="video", snap_to_frames=True, wrap=True)),
    "sample.vtt": ("vtt", ExportOptions()),
    "sample.video.vtt": ("vtt", VIDEO),
    "sample.rttm": ("rttm", ExportOptions()),
    "sample.TextGrid": ("textgrid", ExportOptions()),
    "sample.eaf": ("eaf", ExportOptions()),
    "sample.video.eaf": ("eaf", VIDEO),
    "sample.json": ("json", ExportOptions()),
    "sample.jsonl": ("jsonl", ExportOptions(audio_path="audio/interview.wav")),
    "sample.csv": ("csv", ExportOptions()),
    "sample.video.csv": ("csv", VIDEO),
    "sample.stm": ("stm", ExportOptions()),
    "sample.ctm": ("ctm", ExportOptions()),
    "sample.labelstudio.json": ("labelstudio", ExportOptions(audio_path="/data/local-files/?d=interview.wav")),
}


def test_every_format_has_a_golden_file() -> None:
    assert {fmt for fmt, _ in CASES.values()} == set(FORMATS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    fmt, opts = CASES[name]
    got = dumps(sample_transcript(), fmt, opts)
    path = GOLDEN / name
    if os.environ.get("AUDIOLAB_REGEN_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with AUDIOLAB_REGEN_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


def _golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def test_srt_reads_back_with_srt_library() -> None:
    import srt

    t = sample_transcript()
    subs = list(srt.parse(_golden("sample.srt")))
    segs = t.segments_of(t.main_tier().id)
    assert [(int(s.start.total_seconds() * 1000), int(s.end.total_seconds() * 1000)) for s in subs] == \
        [(x.span.start_ms, x.span.end_ms) for x in segs]
    assert subs[0].content == "Alice: Hello & welcome <everyone> to the show"
    assert subs[1].content.startswith("SPEAKER_01: ")  # the display name of an unnamed speaker


def test_video_srt_is_on_frames_after_the_start_timecode() -> None:
    import srt

    fps = Fraction(30000, 1001)
    subs = list(srt.parse(_golden("sample.video.srt")))
    t = sample_transcript()
    for sub, seg in zip(subs, t.segments_of(t.main_tier().id), strict=True):
        start_ms = round(sub.start.total_seconds() * 1000) - 3_600_000  # 01:00:00;00 read as a clock
        video_ms = seg.span.start_ms - 40  # the sample's video starts 40 ms after its audio
        assert abs(start_ms - video_ms) <= 1000 / fps / 2 + 1
        assert start_ms == round(ms_to_frame(start_ms, fps) * 1000 / fps)  # on a frame boundary
    assert all(len(line) <= 42 for s in subs for line in s.content.split("\n"))


def test_vtt_reads_back_with_webvtt_py() -> None:
    import webvtt

    captions = list(webvtt.from_string(_golden("sample.vtt")))
    assert [c.voice for c in captions] == ["Alice", "SPEAKER_01", "SPEAKER_01", "Alice"]
    assert captions[0].start == "00:00:00.500" and captions[0].end == "00:00:03.200"
    assert captions[0].text == "Hello &amp; welcome &lt;everyone&gt; to the show"  # escaped, tags stripped


def test_vtt_escapes_voice_names() -> None:
    import dataclasses

    t = sample_transcript()
    t = dataclasses.replace(t, speakers=(dataclasses.replace(t.speakers[0], name="Dr. <Evil> & Co"), t.speakers[1]))
    text = dumps(t, "vtt")
    assert "<v Dr. &lt;Evil&gt; &amp; Co>Hello" in text
    from audiolab.export import vtt

    doc = vtt.parse("x.vtt", text)
    assert doc.segments[0].speaker == "Dr. <Evil> & Co"
    assert doc.segments[0].text == "Hello & welcome <everyone> to the show"


def test_rttm_reads_back_with_pyannote(tmp_path: Path) -> None:
    from pyannote.core import Annotation, Segment
    from pyannote.database.util import load_rttm

    t = sample_transcript()
    path = tmp_path / "sample.rttm"
    path.write_text(_golden("sample.rttm"))
    ann = load_rttm(str(path))["interview"]
    expected = Annotation(uri="interview")
    for i, s in enumerate(t.segments_of(t.main_tier().id)):
        expected[Segment(s.span.start_s, s.span.end_s), i] = t.speaker_name(s.speaker_id)
    assert ann.labels() == ["Alice", "SPEAKER_01"]
    assert abs(ann.label_duration("Alice") - expected.label_duration("Alice")) < 1e-6
    # Overlap is kept: Alice and Bob talk together 2.8-3.2 s, Bob's own turns overlap 4.5-5.0 s.
    assert len(list(ann.itertracks())) == 4
    assert abs(ann.get_overlap().duration() - 0.4) < 1e-6  # pyannote counts overlap across labels
    bob = sorted(s for s, _, label in ann.itertracks(yield_label=True) if label == "SPEAKER_01")
    assert bob[0].end > bob[1].start


def test_rttm_refuses_or_sanitizes_whitespace_labels() -> None:
    import dataclasses

    t = sample_transcript()
    t = dataclasses.replace(t, speakers=(dataclasses.replace(t.speakers[0], name="Alice Smith"), t.speakers[1]))
    with pytest.raises(ValidationError, match="whitespace"):
        dumps(t, "rttm")
    assert " Alice_Smith " in dumps(t, "rttm", ExportOptions(sanitize_labels=True))
    with pytest.raises(ValidationError, match="whitespace"):
        dumps(t, "stm")


def test_rttm_uem(tmp_path: Path) -> None:
    out = write_transcript(sample_transcript(), "rttm", tmp_path / "x.rttm", ExportOptions(uem=True))
    assert out.with_suffix(".uem").read_text() == "interview 1 0.000 12.000\n"


def test_textgrid_reads_back_with_praatio(tmp_path: Path) -> None:
    from praatio import textgrid

    path = tmp_path / "sample.TextGrid"
    path.write_text(_golden("sample.TextGrid"), encoding="utf-8")
    tg = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert tg.tierNames == ("Alice", "Alice - words", "SPEAKER_01", "SPEAKER_01 [2]", "SPEAKER_01 - words",
                            "sound events", "emotions")
    # Bob's overlapping turns went to two lanes instead of being cut.
    assert [e.label for e in tg.getTier("SPEAKER_01").entries] == ["Thanks, glad to be here."]
    assert [(e.start, e.end) for e in tg.getTier("SPEAKER_01 [2]").entries] == [(4.5, 6.0)]
    assert [e.label for e in tg.getTier("Alice - words").entries][:3] == ["Hello", "&", "welcome"]
    assert [(e.start, e.end, e.label) for e in tg.getTier("sound events").entries] == [(4.0, 4.8, "laughter")]
    assert [e.label for e in tg.getTier("emotions").entries] == ["happy"]


def test_eaf_reads_back_with_pympi(tmp_path: Path) -> None:
    from pympi.Elan import Eaf

    path = tmp_path / "sample.eaf"
    path.write_text(_golden("sample.eaf"), encoding="utf-8")
    eaf = Eaf(str(path))
    assert eaf.get_parameters_for_tier("Alice")["PARTICIPANT"] == "Alice"
    assert eaf.get_annotation_data_for_tier("Alice")[0] == (500, 3200, "Hello & welcome <everyone> to the show")
    assert eaf.get_parameters_for_tier("Alice - words")["PARENT_REF"] == "Alice"
    assert eaf.linguistic_types["words"]["CONSTRAINTS"] == "Included_In"
    # The emotion is a symbolic association on Bob's segment, with a controlled vocabulary.
    assert eaf.linguistic_types["emotion"]["CONSTRAINTS"] == "Symbolic_Association"
    assert eaf.linguistic_types["emotion"]["CONTROLLED_VOCABULARY_REF"] == "emotions"
    refs = eaf.get_ref_annotation_data_for_tier("SPEAKER_01 - emotion")
    assert [(r[0], r[1], r[2]) for r in refs] == [(2800, 5000, "happy")]
    assert [a[:3] for a in eaf.get_annotation_data_for_tier("sound events")] == [(4000, 4800, "laughter")]
    values = [v[0][0][0] for v in eaf.get_cv_entries("sound_events").values()]
    assert "laughter" in values
    media = eaf.get_linked_files()[0]
    assert media["MIME_TYPE"] == "video/mp4" and media["MEDIA_URL"] == "file:///media/interview.mp4"
    assert ("audiolab:start_timecode", "01:00:00;00") in eaf.properties


def test_eaf_video_clock_links_media_with_time_origin(tmp_path: Path) -> None:
    from pympi.Elan import Eaf

    path = tmp_path / "v.eaf"
    path.write_text(_golden("sample.video.eaf"), encoding="utf-8")
    eaf = Eaf(str(path))
    assert eaf.get_linked_files()[0]["TIME_ORIGIN"] == "40"
    first = eaf.get_annotation_data_for_tier("Alice")[0]
    assert first[0] == 3_600_000 + 467  # 460 ms of video time, snapped to frame 14, after 01:00:00;00


def test_eaf_uses_project_vocabularies() -> None:
    from audiolab.core.model import Vocabulary, VocabularyEntry

    vocab = Vocabulary("default", TagKind.EMOTION, (VocabularyEntry("calm"), VocabularyEntry("happy")))
    text = dumps(sample_transcript(), "eaf", ExportOptions(vocabularies=(vocab,)))
    assert "<CVE_VALUE LANG_REF=\"und\">calm</CVE_VALUE>" in text


def test_labelstudio_shape() -> None:
    tasks = json.loads(_golden("sample.labelstudio.json"))
    assert isinstance(tasks, list) and set(tasks[0]) == {"data", "predictions"}
    result = tasks[0]["predictions"][0]["result"]
    for r in result:
        assert {"id", "from_name", "to_name", "type", "value"} <= set(r)
        assert r["to_name"] == "audio" and r["value"]["end"] > r["value"]["start"]
    seg2 = [r for r in result if r["id"] == "seg2"]
    assert {r["type"] for r in seg2} == {"labels", "textarea", "choices"}
    assert [r["value"]["labels"] for r in result if r["from_name"] == "sound_event"] == [["laughter"]]


def test_jsonl_is_a_nemo_and_audiofolder_manifest(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    out = write_transcript(sample_transcript(), "jsonl", tmp_path / "metadata.jsonl",
                           ExportOptions(audio_path=str(tmp_path / "audio" / "interview.wav")))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 4
    for item in lines:
        assert {"audio_filepath", "offset", "duration", "text", "file_name"} <= set(item)
        assert item["file_name"] == "audio/interview.wav"
    assert lines[1]["tags"] == ["happy", "laughter"] and lines[1]["speaker"] == "SPEAKER_01"


def test_json_export_is_lossless() -> None:
    from audiolab.export import json_full

    t = sample_transcript()
    assert json_full.loads(_golden("sample.json")) == t


def test_tier_selection() -> None:
    t = sample_transcript()
    with pytest.raises(ValidationError, match="no tier 'nope'"):
        dumps(t, "srt", ExportOptions(tier="nope"))
    assert dumps(t, "srt", ExportOptions(tier="transcript")) == dumps(t, "srt")
