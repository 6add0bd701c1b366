"""Every export holds what the exported version holds, or refuses naming what it cannot hold and where.

A transcript is built through the real services on an ingested WAV, the way the editor leaves it:
a text edit that inserts a word (its timing comes from ``realign_words``), splits (at a word
boundary and inside a word), a merge that brings two emotions onto one segment, two speakers
talking at once, one speaker overlapping herself, a segment without text, overlapping sound
events, one outside every segment, a free-standing emotion, word times that overlap by a few ms
as aligners write them, and one segment whose stored words are out of order and overlap (as a
version stored before word re-timing was fixed holds them).

Each format of the registry is exported and read back with the format's reference reader
(``srt``, ``webvtt-py``, ``pyannote.database``, ``praatio``, ``pympi``, ``json``, ``csv``, plain
parsing for STM and CTM); what it read must match what :attr:`FormatInfo.holds` says the format
carries, word times must be in order per tier (or channel), or the export must have refused with
an error naming the format and a segment (id and time). Once the user repairs what was refused
(through the same services), every format must export everything.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from audiolab.cli import main
from audiolab.core.model import Origin, Segment, Span, TagKind, Transcript, Word, new_id, tier_id
from audiolab.errors import AudiolabError
from audiolab.export import FORMATS, ExportOptions
from audiolab.services import Workbench
from audiolab.services import editing as ed
from audiolab.services.exporting import export_recording
from audiolab.storage.edits import Change

_LANE = re.compile(r"^(.*?)(?: \[(\d+)\])?$")
NO_SPEAKER = "(no speaker)"


# -- the transcript --------------------------------------------------------------------------


def _words(spk: str, *items: tuple[str, int, int]) -> tuple[Word, ...]:
    return tuple(Word(Span(a, b), text, 0.9, spk) for text, a, b in items)


def _one(result) -> Segment:  # noqa: ANN001 - BatchResult
    return next(v for v in result.values.values() if isinstance(v, Segment))


def _seg(wb: Workbench, rid: str, seg_id: str) -> Segment:
    return next(s for s in wb.transcript(rid).segments if s.id == seg_id)


@pytest.fixture
def messy(wb: Workbench, speech_wav: Path) -> dict[str, str]:
    """The edited transcript; returns the recording id and the ids of the segments the repairs need."""
    rec = wb.ingest_file(speech_wav).recording
    rid, tid = rec.id, tier_id(rec.id, "transcript")
    assert rec.duration_ms > 3330
    ann, ben, cara = (_one_speaker(wb, rid, name) for name in ("Ann", "Ben", "Cara"))

    def asr(seg_id: str, spk: str, start: int, end: int, words: tuple[Word, ...]) -> Segment:
        return Segment(seg_id, rid, tid, Span(start, end), " ".join(w.text for w in words), spk, words,
                       origin=Origin.ASR)

    segs = [
        # Word ends overlap the next word's start by 8 ms and the last one spills 8 ms past the end.
        asr("a1", ann, 100, 1300, _words(ann, ("hello", 100, 308), ("there", 300, 508), ("this", 500, 708),
                                          ("is", 700, 908), ("a", 900, 1108), ("test", 1100, 1308))),
        asr("a2", ann, 1300, 2300, _words(ann, ("of", 1300, 1500), ("the", 1500, 1700), ("workbench", 1700, 1900),
                                           ("today", 1900, 2100), ("friends", 2100, 2300))),
        asr("a3", ann, 2200, 3200, _words(ann, ("see", 2200, 2500), ("you", 2500, 2800), ("soon", 2800, 3210))),
        asr("b1", ben, 1000, 1800, _words(ben, ("yes", 1000, 1410), ("indeed", 1400, 1800))),
        asr("b2", ben, 1800, 2600, _words(ben, ("quite", 1800, 2200), ("right", 2195, 2600))),
        # Stored words out of order and overlapping each other by 100 ms.
        asr("c1", cara, 200, 900, _words(cara, ("three", 700, 900), ("one", 200, 500), ("two", 400, 800))),
    ]
    wb.apply(rid, [Change.create(s) for s in segs], "prelabel", "draft")
    # A text edit inserting a word between two touching words.
    ed.set_text(wb, _seg(wb, rid, "a1"), "hello there new this is a test", "ann")
    # Split at a word boundary, then inside the word "today" (1900-2100 ms).
    ed.split(wb, _seg(wb, rid, "a2"), 1700, "ann")
    right = next(s for s in wb.transcript(rid).segments if s.span.start_ms == 1700)
    ed.split(wb, right, 2050, "ann")
    # Two emotions on one segment, through a merge.
    for seg_id, label in (("b1", "happy"), ("b2", "sad")):
        s = _seg(wb, rid, seg_id)
        ed.add_tag(wb, rid, TagKind.EMOTION, s.span.start_ms, s.span.end_ms, label, "ann", segment_id=s.id,
                   tier_id=tier_id(rid, "emotions"))
    tags = wb.transcript(rid).tags
    ed.merge(wb, _seg(wb, rid, "b1"), _seg(wb, rid, "b2"), tags, "ann")
    ed.create_segment(wb, rid, tid, 2700, 3000, "ann", speaker_id=ben, text="")
    for label, a, b in (("laughter", 900, 1500), ("music", 1200, 3000), ("cough", 3250, 3330)):
        ed.add_tag(wb, rid, TagKind.SOUND_EVENT, a, b, label, "ann", tier_id=tier_id(rid, "events"))
    ed.add_tag(wb, rid, TagKind.EMOTION, 0, 90, "calm", "ann", tier_id=tier_id(rid, "emotions"))
    return {"rid": rid, "a2_mid": right.id}


def _one_speaker(wb: Workbench, rid: str, name: str) -> str:
    existing = wb.transcript(rid).speakers
    result = ed.add_speaker(wb, rid, name, "ann", existing)
    return next(v for v in result.values.values()).id


def _repair(wb: Workbench, ids: dict[str, str]) -> None:
    """What a user does about the refusals: retype broken words, move a boundary, drop an emotion."""
    rid = ids["rid"]
    for seg_id in ("a1", "c1"):
        text = _seg(wb, rid, seg_id).text
        ed.set_text(wb, _seg(wb, rid, seg_id), "", "ann")
        ed.set_text(wb, _seg(wb, rid, seg_id), text, "ann")
    mid = _seg(wb, rid, ids["a2_mid"])
    ed.set_span(wb, mid, mid.span.start_ms, mid.span.end_ms, "ann")
    sad = next(x for x in wb.transcript(rid).tags if x.label == "sad")
    ed.delete_tag(wb, sad, "ann")


# -- what the version holds ------------------------------------------------------------------


class Expected:
    """What the exported version holds, counted from the transcript itself."""

    def __init__(self, t: Transcript):
        tier = t.main_tier()
        self.segments = t.segments_of(tier.id)
        self.texted = [s for s in self.segments if s.text.strip()]
        self.words = sum(len(s.words) for s in self.segments)
        self.speakers = {t.speaker_name(s.speaker_id) for s in self.segments if s.speaker_id}
        self.events = t.version_tags(tier, TagKind.SOUND_EVENT)
        self.emotions = t.version_tags(tier, TagKind.EMOTION)
        self.tokens = Counter(tok for s in self.segments
                              for tok in (" ".join(w.text for w in s.words) if s.words else s.text).split())

    def segment_tags(self) -> dict[str, list[str]]:
        """Per segment id: labels of its emotions and of the sound events overlapping it."""
        out = {}
        for s in self.segments:
            labels = [x.label for x in self.emotions if x.segment_id == s.id]
            labels += [x.label for x in self.events if x.span.overlaps(s.span)]
            out[s.id] = sorted(labels)
        return out


# -- reading each format back ------------------------------------------------------------------


def _ms(seconds: float) -> int:
    return int(round(float(seconds) * 1000))


def _read_srt(path: Path) -> dict:
    import srt

    subs = list(srt.parse(path.read_text(encoding="utf-8")))
    return {"segments": len(subs), "texts": sorted(" ".join(s.content.split()) for s in subs)}


def _read_vtt(path: Path) -> dict:
    import webvtt

    caps = list(webvtt.read(str(path)))
    return {"segments": len(caps), "texts": sorted(" ".join(c.text.split()) for c in caps),
            "speakers": {c.voice for c in caps if c.voice}}


def _read_rttm(path: Path) -> dict:
    from pyannote.database.util import load_rttm

    (ann,) = load_rttm(str(path)).values()
    return {"segments": len(list(ann.itertracks())), "speakers": set(ann.labels()) - {"<NA>"}}


def _read_stm(path: Path) -> dict:
    rows = [ln.split(None, 5) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    starts = [float(f[3]) for f in rows]
    assert starts == sorted(starts), "STM lines out of time order"
    return {"segments": len(rows), "speakers": {f[2] for f in rows} - {"unknown"},
            "texts": sorted(" ".join(f[5].split()) for f in rows if len(f) > 5)}


def _read_ctm(path: Path) -> dict:
    rows = [ln.split() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    by_channel: dict[tuple[str, str], list[int]] = {}
    for f in rows:
        by_channel.setdefault((f[0], f[1]), []).append(_ms(f[2]))
    return {"tokens": Counter(f[4] for f in rows), "word_tiers": {f"{k[0]} {k[1]}": [(a, a) for a in v]
                                                                  for k, v in by_channel.items()}}


def _read_textgrid(path: Path) -> dict:
    from praatio import textgrid

    tg = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    out: dict = {"segments": 0, "texts": [], "speakers": set(), "words": 0, "word_tiers": {}, "sound_events": 0,
                 "emotions": 0}
    names = set(tg.tierNames)
    for name in tg.tierNames:
        base, lane = _LANE.match(name).groups()
        entries = [(_ms(e.start), _ms(e.end), e.label) for e in tg.getTier(name).entries]
        if base == "sound events":
            out["sound_events"] += len(entries)
        elif base == "emotions":
            out["emotions"] += len(entries)
        elif base.endswith(" - words"):
            speaker = base[: -len(" - words")]
            if lane:  # a lane of words only beside a lane of its speaker's segments
                assert f"{speaker} [{lane}]" in names, f"spurious word lane {name!r} (tiers: {sorted(names)})"
            out["words"] += len(entries)
            out["word_tiers"][name] = [(a, b) for a, b, _ in entries]
        else:
            out["segments"] += len(entries)
            out["texts"] += [" ".join(x.split()) for *_, x in entries]
            if base != NO_SPEAKER:
                out["speakers"].add(base)
    out["texts"].sort()
    return out


def _read_eaf(path: Path) -> dict:
    from pympi.Elan import Eaf

    eaf = Eaf(str(path))
    out: dict = {"segments": 0, "texts": [], "speakers": set(), "words": 0, "word_tiers": {}, "sound_events": 0,
                 "emotions": 0}
    for name, (_aligned, refs, attrib, _) in eaf.tiers.items():
        base, _lane = _LANE.match(name).groups()
        parent = attrib.get("PARENT_REF")
        if base == "sound events":
            out["sound_events"] += len(eaf.get_annotation_data_for_tier(name))
        elif base == "emotions":
            out["emotions"] += len(eaf.get_annotation_data_for_tier(name))
        elif parent and base.endswith(" - emotion"):
            out["emotions"] += len(refs)
        elif parent and base.endswith(" - words"):
            words = sorted(eaf.get_annotation_data_for_tier(name))
            out["words"] += len(words)
            out["word_tiers"][name] = [(a, b) for a, b, _ in words]
            segs = eaf.get_annotation_data_for_tier(parent)
            for a, b, text in words:  # Included_In: every word inside a segment of its parent tier
                assert any(s <= a and b <= e for s, e, _ in segs), f"word {text!r} {a}-{b} outside its segment"
        elif not parent:
            anns = eaf.get_annotation_data_for_tier(name)
            out["segments"] += len(anns)
            out["texts"] += [" ".join(x.split()) for *_, x in anns if x.strip()]
            if attrib.get("PARTICIPANT"):
                out["speakers"].add(attrib["PARTICIPANT"])
    out["texts"].sort()
    return out


def _read_json(path: Path, t: Transcript) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    tid = t.main_tier().id
    segs = [s for s in doc["segments"] if s["tier_id"] == tid]
    names = {s["id"]: s.get("name") or s["label"] for s in doc["speakers"]}
    tags = Counter(x["kind"] for x in doc.get("tags", []))
    return {"segments": len(segs), "texts": sorted(" ".join(s.get("text", "").split()) for s in segs if s.get("text")),
            "speakers": {names[s["speaker_id"]] for s in segs if s.get("speaker_id")},
            "words": sum(len(s.get("words", [])) for s in segs),
            "sound_events": tags["sound_event"], "emotions": tags["emotion"]}


def _read_jsonl(path: Path) -> dict:
    items = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return {"segments": len(items), "texts": sorted(x["text"] for x in items if x["text"]),
            "speakers": {x["speaker"] for x in items if x["speaker"]},
            "segment_tags": {x["id"]: sorted(x["tags"]) for x in items}}


def _read_csv(path: Path) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    split = lambda v: [x for x in v.split(";") if x]  # noqa: E731
    return {"segments": len(rows), "texts": sorted(" ".join(r["text"].split()) for r in rows if r["text"].strip()),
            "speakers": {r["speaker"] for r in rows if r["speaker"]},
            "segment_tags": {r["id"]: sorted(split(r["emotion"]) + split(r["sound_events"])) for r in rows}}


def _read_labelstudio(path: Path) -> dict:
    (task,) = json.loads(path.read_text(encoding="utf-8"))
    results = task["predictions"][0]["result"]
    speakers = [r for r in results if r["from_name"] == "speaker"]
    texts = [r for r in results if r["from_name"] == "transcription"]
    return {"segments": len(speakers),
            "texts": sorted(" ".join(" ".join(r["value"]["text"]).split()) for r in texts if "".join(r["value"]["text"])),
            "speakers": {r["value"]["labels"][0] for r in speakers} - {"unknown"},
            "sound_events": sum(1 for r in results if r["from_name"] == "sound_event"),
            "emotions": sum(len(r["value"].get("choices") or r["value"].get("labels") or [])
                            for r in results if r["from_name"].startswith("emotion"))}


READERS = {"srt": _read_srt, "vtt": _read_vtt, "rttm": _read_rttm, "stm": _read_stm, "ctm": _read_ctm,
           "textgrid": _read_textgrid, "eaf": _read_eaf, "jsonl": _read_jsonl, "csv": _read_csv,
           "labelstudio": _read_labelstudio}


def _read(fmt: str, path: Path, t: Transcript) -> dict:
    return _read_json(path, t) if fmt == "json" else READERS[fmt](path)


# -- the checks --------------------------------------------------------------------------------


def _check(fmt: str, got: dict, exp: Expected, carries: frozenset[str]) -> None:
    """What was read back matches what the version holds, for everything the format carries."""
    if "segments" in carries:
        n = len(exp.segments) if "empty_segments" in carries else len(exp.texted)
        assert got["segments"] == n, f"{fmt}: {got['segments']} segments read back, the version has {n}"
    if "text" in carries and "texts" in got:
        want = sorted(" ".join(s.text.split()) for s in exp.texted)
        assert got["texts"] == want, f"{fmt}: texts differ"
    if "speakers" in carries:
        assert got["speakers"] == exp.speakers, f"{fmt}: speakers {got['speakers']} != {exp.speakers}"
    if "words" in carries and "words" in got:
        assert got["words"] == exp.words, f"{fmt}: {got['words']} words read back, the version has {exp.words}"
    if "words" in carries and "tokens" in got:
        assert got["tokens"] == exp.tokens, f"{fmt}: tokens differ ({got['tokens'] - exp.tokens}, {exp.tokens - got['tokens']})"
    for name, spans in got.get("word_tiers", {}).items():
        starts = [a for a, _ in spans]
        assert starts == sorted(starts), f"{fmt}: word times out of order in {name!r}: {starts}"
        if fmt != "ctm":
            assert all(b <= a2 for (_, b), (a2, _) in zip(spans, spans[1:])), f"{fmt}: overlapping words in {name!r}"
    for kind, tags in (("sound_events", exp.events), ("emotions", exp.emotions)):
        if kind in carries:
            assert got[kind] == len(tags), f"{fmt}: {got[kind]} {kind} read back, the version has {len(tags)}"
    if "segment_tags" in carries and "segment_tags" in got:
        assert got["segment_tags"] == exp.segment_tags(), f"{fmt}: per-segment tags differ"


def _named_refusal(fmt: str, exc: AudiolabError, exp: Expected) -> None:
    """A refusal names the format and a segment of the version, by id and by time."""
    msg = str(exc)
    assert fmt.lower() in msg.lower(), f"the refusal does not name the format: {msg}"
    named = [s for s in exp.segments if s.id in msg]
    assert named, f"{fmt}: the refusal names no segment: {msg}"
    s = named[0]
    assert f"{s.span.start_ms / 1000:.3f}" in msg and f"{s.span.end_ms / 1000:.3f}" in msg, \
        f"{fmt}: the refusal does not give the segment's time: {msg}"


def _export(wb: Workbench, rid: str, fmt: str, tmp_path: Path, opts: ExportOptions) -> Path | AudiolabError:
    try:
        return export_recording(wb, rid, fmt, tmp_path / f"{fmt}{FORMATS[fmt].extension}", opts)
    except AudiolabError as exc:
        return exc


def test_the_registry_says_what_each_format_holds() -> None:
    kinds = {"segments", "empty_segments", "text", "words", "speakers", "sound_events", "emotions", "segment_tags"}
    for info in FORMATS.values():
        assert info.holds and info.holds <= kinds, info.name
    assert FORMATS["json"].holds >= kinds - {"segment_tags"}
    assert "words" in FORMATS["textgrid"].holds and "words" in FORMATS["eaf"].holds
    assert not FORMATS["srt"].holds & {"words", "sound_events", "emotions"}
    assert "speakers" not in FORMATS["srt"].carries(ExportOptions())
    assert "speakers" in FORMATS["srt"].carries(ExportOptions(speaker_prefix=True))
    assert "words" not in FORMATS["eaf"].carries(ExportOptions(include_words=False))


def test_the_edited_transcript_is_as_messy_as_intended(wb: Workbench, messy: dict[str, str]) -> None:
    t = wb.transcript(messy["rid"])
    segs = {s.id: s for s in t.segments}
    c1 = segs["c1"].words
    assert [w.span.start_ms for w in c1] != sorted(w.span.start_ms for w in c1)
    mid = segs[messy["a2_mid"]]
    assert max(w.span.end_ms for w in mid.words) > mid.span.end_ms  # a word reaching out of its segment
    merged = [x for x in t.tags if x.kind == TagKind.EMOTION and x.segment_id == "b1"]
    assert sorted(x.label for x in merged) == ["happy", "sad"]
    assert len([s for s in t.segments if s.text == ""]) == 1


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_holds_the_edited_version_or_refuses_naming_it(wb: Workbench, messy: dict[str, str],
                                                                    tmp_path: Path, fmt: str) -> None:
    rid = messy["rid"]
    t = wb.transcript(rid)
    exp = Expected(t)
    opts = ExportOptions()
    out = _export(wb, rid, fmt, tmp_path, opts)
    if isinstance(out, AudiolabError):
        _named_refusal(fmt, out, exp)
        # Without words the refusal (if any) is about something else, and still names it.
        opts = ExportOptions(include_words=False)
        out = _export(wb, rid, fmt, tmp_path, opts)
        if isinstance(out, AudiolabError):
            _named_refusal(fmt, out, exp)
            return
    _check(fmt, _read(fmt, out, t), exp, FORMATS[fmt].carries(opts))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_once_repaired_every_format_holds_everything_it_can(wb: Workbench, messy: dict[str, str],
                                                            tmp_path: Path, fmt: str) -> None:
    _repair(wb, messy)
    rid = messy["rid"]
    t = wb.transcript(rid)
    exp = Expected(t)
    # Word times still overlap by a few ms (b1/b2, a3) and a3's last word ends 10 ms after it.
    assert any(a.span.end_ms > b.span.start_ms for s in t.segments for a, b in zip(s.words, s.words[1:]))
    out = _export(wb, rid, fmt, tmp_path, ExportOptions())
    assert not isinstance(out, AudiolabError), f"{fmt} refused: {out}"
    _check(fmt, _read(fmt, out, t), exp, FORMATS[fmt].carries(ExportOptions()))


def test_ctm_is_in_time_order_for_overlapping_speech(wb: Workbench, messy: dict[str, str], tmp_path: Path) -> None:
    rid = messy["rid"]
    out = export_recording(wb, rid, "ctm", tmp_path / "x.ctm")
    starts = [_ms(ln.split()[2]) for ln in out.read_text().splitlines()]
    assert starts == sorted(starts)
    # every stored word is there, the out-of-order ones included
    assert sum(1 for ln in out.read_text().splitlines() if ln.split()[4] in ("one", "two", "three")) == 3


def test_the_cli_says_what_a_format_leaves_out(wb: Workbench, messy: dict[str, str], db_path: Path,
                                               tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rid = messy["rid"]
    assert main(["export", rid, "-f", "srt", "-o", str(tmp_path / "x.srt"), "--db", str(db_path)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith("srt: ") and "not part of this format" in line
    for what in ("3 sound-event tags", "3 emotions", "words", "speakers", "1 segment without text"):
        assert what in line, line
    assert "textgrid" in line and "json" in line
    assert main(["export", rid, "-f", "json", "-o", str(tmp_path / "x.json"), "--db", str(db_path)]) == 0
    assert capsys.readouterr().err == ""  # JSON holds everything
    assert main(["export", rid, "-f", "csv", "-o", str(tmp_path / "x.csv"), "--db", str(db_path)]) == 0
    line = capsys.readouterr().err.strip()
    assert line.startswith("csv: ") and "1 sound-event tag outside every segment" in line
    assert "1 emotion not on a segment" in line and "words" in line
