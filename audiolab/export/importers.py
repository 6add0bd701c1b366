"""Readers for the formats audiolab can import: files -> plain imported records, no database.

Every reader turns a file into an :class:`ImportedDoc` (segments with speaker labels, words and
tags, each remembering its line) or raises :class:`ImportFormatError` naming the file and, where
the format allows, the line. :mod:`audiolab.services.exporting` turns a document into entities and
writes them in one edit batch, so a file that fails here writes nothing.

Guards against hostile files (all before any parser sees the text): a size limit, a line-length
limit, strict decoding (UTF-8 unless the file has a BOM, declares its encoding in an XML
declaration, or the caller names one), and for XML (EAF) a defusedxml parse that refuses DTDs and
entity declarations before ``pympi`` reads the file. Overlapping cues are legitimate (overlapping
speech) and are kept.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiolab.core.model import TagKind
from audiolab.errors import ImportFormatError

MAX_FILE_BYTES = 256 * 1024**2
MAX_LINE_CHARS = 1_000_000
EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".rttm": "rttm", ".textgrid": "textgrid", ".eaf": "eaf", ".stm": "stm"}
IMPORT_FORMATS = ("srt", "vtt", "rttm", "textgrid", "eaf", "stm", "json", "labelstudio")


@dataclass(slots=True)
class ImportedWord:
    start_ms: int
    end_ms: int
    text: str


@dataclass(slots=True)
class ImportedSegment:
    start_ms: int
    end_ms: int
    text: str = ""
    speaker: str | None = None
    words: list[ImportedWord] = field(default_factory=list)
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields only the JSON format carries (status, origin, language, confidences...)."""


@dataclass(slots=True)
class ImportedTag:
    kind: TagKind
    start_ms: int
    end_ms: int
    label: str
    segment: int | None = None
    """Index into ``ImportedDoc.segments`` of the segment the tag belongs to."""
    line: int | None = None
    note: str = ""
    confidence: float | None = None


@dataclass(slots=True)
class ImportedDoc:
    """What a file holds, before it becomes entities of a recording."""

    path: str
    format: str
    segments: list[ImportedSegment] = field(default_factory=list)
    tags: list[ImportedTag] = field(default_factory=list)
    speaker_names: dict[str, str] = field(default_factory=dict)
    """Display names of speaker labels, where the file has both (JSON)."""


# -- guarded reading --------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text(path: str | Path, encoding: str | None = None, max_line: int = MAX_LINE_CHARS) -> str:
    """A file's text, checked for size, encoding and line length.

    Raises:
        ImportFormatError: too large, undecodable (with the line of the first bad byte) or a line
            longer than ``max_line`` characters (with its number).
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFormatError(p, f"file is {size / 1024**2:.0f} MiB; imports are limited to {MAX_FILE_BYTES // 1024**2} MiB")
        raw = p.read_bytes()
    except OSError as exc:
        raise ImportFormatError(p, f"cannot read: {exc.strerror or exc}") from None
    enc = encoding
    if enc is None:
        enc = next((e for bom, e in _BOMS if raw.startswith(bom)), None)
    if enc is None:
        m = _XML_DECL.match(raw)
        enc = m.group(1).decode("ascii") if m else "utf-8"
    try:
        codecs.lookup(enc)
    except LookupError:
        raise ImportFormatError(p, f"unknown text encoding '{enc}'") from None
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFormatError(p, f"not valid {enc} text (byte 0x{raw[exc.start]:02x}); save it as UTF-8 or "
                                   "give its encoding (--encoding)", line) from None
    text = text.lstrip("\ufeff")
    if len(text) > max_line:
        for line, chunk in enumerate(text.splitlines(), start=1):
            if len(chunk) > max_line:
                raise ImportFormatError(p, f"line is {len(chunk):,} characters long (limit {max_line:,}); "
                                           "this is not a transcript file", line)
    return text


def _bad(path: str, reason: str, line: int | None = None) -> ImportFormatError:
    return ImportFormatError(path, reason, line)


def _check_span(path: str, start: int, end: int, line: int | None, what: str = "cue") -> None:
    if start < 0:
        raise _bad(path, f"{what} starts before 0", line)
    if end < start:
        raise _bad(path, f"{what} ends before it starts ({start / 1000:.3f} s > {end / 1000:.3f} s)", line)
    if end == start:
        raise _bad(path, f"{what} has zero length at {start / 1000:.3f} s", line)


# -- subtitles --------------------------------------------------------------------------------

_TS = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}(?:\s+(.*))?$")
_TAGS = re.compile(r"<[^>]*>")
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")
_PREFIX = re.compile(r"^([A-Z\u00c0-\u024f][\w .'\-]{0,31}|SPEAKER_\d+):\s+(.*)$", re.S)


def _ts_ms(h: str | None, m: str, s: str, frac: str) -> int:
    if int(m) > 59 or int(s) > 59:
        raise ValueError("minutes or seconds over 59")
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, lines)."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 1
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not cur:
                start = i
            cur.append(line.rstrip())
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def _timing(path: str, line: str, lineno: int) -> tuple[int, int]:
    m = _TIMING.match(line)
    if not m:
        raise _bad(path, f"unparseable timestamp line {line.strip()[:80]!r} (expected 00:00:01,000 --> 00:00:02,000)", lineno)
    try:
        start, end = _ts_ms(*m.group(1, 2, 3, 4)), _ts_ms(*m.group(5, 6, 7, 8))
    except ValueError as exc:
        raise _bad(path, f"unparseable timestamp {line.strip()[:80]!r}: {exc}", lineno) from None
    _check_span(path, start, end, lineno)
    return start, end


def read_srt(path: str | Path, text: str, speaker_prefix: bool = True) -> ImportedDoc:
    """SubRip: index line (optional), timing line, text lines; ``Name: `` prefixes as speakers."""
    doc = ImportedDoc(str(path), "srt")
    for start_line, lines in _blocks(text):
        k = 0
        if "-->" not in lines[0]:
            if not lines[0].strip().isdigit():
                raise _bad(doc.path, f"expected a cue number or timing, found {lines[0].strip()[:80]!r}", start_line)
            k = 1
        if k >= len(lines):
            raise _bad(doc.path, "cue number without a timing line", start_line)
        start, end = _timing(doc.path, lines[k], start_line + k)
        body = "\n".join(_TAGS.sub("", ln) for ln in lines[k + 1:]).strip()
        speaker = None
        if speaker_prefix:
            m = _PREFIX.match(body)
            if m:
                speaker, body = m.group(1).strip(), m.group(2)
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), speaker, line=start_line + k))
    return doc


def read_vtt(path: str | Path, text: str) -> ImportedDoc:
    """WebVTT: ``<v Name>`` voice spans become speakers; NOTE, STYLE and REGION blocks are skipped."""
    doc = ImportedDoc(str(path), "vtt")
    blocks = _blocks(text)
    if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
        raise _bad(doc.path, "not a WebVTT file (the first line must be 'WEBVTT')", 1)
    for start_line, lines in blocks[1:]:
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        k = 0 if "-->" in lines[0] else 1
        if k >= len(lines) or "-->" not in lines[k]:
            raise _bad(doc.path, f"expected a cue timing line, found {lines[min(k, len(lines) - 1)].strip()[:80]!r}", start_line + k)
        start, end = _timing(doc.path, lines[k], start_line + k)
        raw = "\n".join(lines[k + 1:])
        m = _VOICE.search(raw)
        speaker = html.unescape(m.group(1)).strip() if m else None
        body = html.unescape(_TAGS.sub("", raw))
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), speaker, line=start_line + k))
    return doc


# -- line formats -----------------------------------------------------------------------------


def _sec_ms(path: str, value: str, lineno: int, what: str) -> int:
    try:
        x = float(value)
    except ValueError:
        raise _bad(path, f"unparseable {what} {value!r}", lineno) from None
    if x != x or x in (float("inf"), float("-inf")):
        raise _bad(path, f"unparseable {what} {value!r}", lineno)
    return int(round(x * 1000))


def read_rttm(path: str | Path, text: str, uri: str | None = None) -> ImportedDoc:
    """RTTM ``SPEAKER`` lines (other types are skipped). One file id per import (or ``uri``)."""
    doc = ImportedDoc(str(path), "rttm")
    uris: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        f = line.split()
        if not f or f[0].startswith((";", "#")):
            continue
        if len(f) < 8:
            raise _bad(doc.path, f"RTTM lines have 9 or 10 fields, found {len(f)}", n)
        if f[0] != "SPEAKER":
            continue
        if uri is not None and f[1] != uri:
            continue
        uris.add(f[1])
        start = _sec_ms(doc.path, f[3], n, "start time")
        dur = _sec_ms(doc.path, f[4], n, "duration")
        if dur <= 0:
            raise _bad(doc.path, f"turn ends before it starts (duration {f[4]})", n)
        _check_span(doc.path, start, start + dur, n, "turn")
        doc.segments.append(ImportedSegment(start, start + dur, "", None if f[7] == "<NA>" else f[7], line=n))
    if len(uris) > 1:
        raise _bad(doc.path, f"the RTTM holds {len(uris)} files ({', '.join(sorted(uris)[:4])}); choose one with --uri")
    return doc


def read_stm(path: str | Path, text: str) -> ImportedDoc:
    """STM ``<uri> <channel> <speaker> <start> <end> [<labels>] text``; ``;;`` comments skipped."""
    doc = ImportedDoc(str(path), "stm")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith(";;"):
            continue
        f = line.split(None, 5)
        if len(f) < 5:
            raise _bad(doc.path, f"STM lines need at least 5 fields, found {len(f)}", n)
        spk = f[2]
        if spk in ("inter_segment_gap", "excluded_region"):
            continue
        start, end = _sec_ms(doc.path, f[3], n, "start time"), _sec_ms(doc.path, f[4], n, "end time")
        _check_span(doc.path, start, end, n, "segment")
        body = f[5] if len(f) > 5 else ""
        if body.startswith("<"):
            body = body.split(">", 1)[1] if ">" in body else ""
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), spk, line=n))
    return doc


# -- Praat and ELAN ---------------------------------------------------------------------------

_LANE = re.compile(r" \[\d+\]$")


def _line_of(text: str, needle: str) -> int | None:
    i = text.find(needle)
    return None if i < 0 else text.count("\n", 0, i) + 1


def _attach_words(doc: ImportedDoc, words_by_speaker: dict[str | None, list[ImportedWord]]) -> None:
    for spk, words in words_by_speaker.items():
        segs = [s for s in doc.segments if s.speaker == spk]
        for w in words:
            mid = (w.start_ms + w.end_ms) / 2
            home = next((s for s in segs if s.start_ms <= mid < s.end_ms), None)
            if home is not None:
                home.words.append(w)
    for s in doc.segments:
        s.words.sort(key=lambda w: w.start_ms)


def read_textgrid(path: str | Path, text: str) -> ImportedDoc:
    """Interval tiers as speakers (``X - words`` as X's words; ``sound events``; ``emotions``)."""
    from praatio.utilities import textgrid_io

    from audiolab.export import textgrid as tgmod

    doc = ImportedDoc(str(path), "textgrid")
    try:
        parsed = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=False)
    except Exception as exc:  # praatio raises bare exceptions of many kinds on malformed files
        raise _bad(doc.path, f"not a readable TextGrid ({type(exc).__name__}: {exc})") from None
    words: dict[str | None, list[ImportedWord]] = {}
    for tier in parsed.get("tiers", []):
        if tier.get("class") != "IntervalTier":
            continue
        name = _LANE.sub("", tier["name"])
        for entry in tier["entries"]:
            start, end, label = entry[0], entry[1], entry[2]
            a, b = int(round(float(start) * 1000)), int(round(float(end) * 1000))
            line = _line_of(text, f"{start}") if b <= a else None
            _check_span(doc.path, a, b, line, f"interval '{label[:30]}' of tier '{tier['name']}'")
            if name == tgmod.EVENTS_TIER:
                doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, a, b, label))
            elif name == tgmod.EMOTIONS_TIER:
                doc.tags.append(ImportedTag(TagKind.EMOTION, a, b, label))
            elif name.endswith(tgmod.WORDS_SUFFIX):
                spk = name[: -len(tgmod.WORDS_SUFFIX)]
                words.setdefault(None if spk == tgmod.NO_SPEAKER else spk, []).append(ImportedWord(a, b, label))
            else:
                doc.segments.append(ImportedSegment(a, b, " ".join(label.split()), None if name == tgmod.NO_SPEAKER else name))
    doc.segments.sort(key=lambda s: (s.start_ms, s.end_ms))
    _attach_words(doc, words)
    _attach_emotions(doc)
    return doc


def _attach_emotions(doc: ImportedDoc) -> None:
    """An emotion interval that coincides with a segment belongs to it."""
    index = {(s.start_ms, s.end_ms): i for i, s in enumerate(doc.segments)}
    for tag in doc.tags:
        if tag.kind == TagKind.EMOTION and tag.segment is None:
            tag.segment = index.get((tag.start_ms, tag.end_ms))


def check_xml(path: str, text: str) -> None:
    """Parse with defusedxml first: DTDs, entity declarations and external references are refused."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        DET.fromstring(text.encode("utf-8") if not text.startswith("<?xml") else _strip_decl(text).encode("utf-8"),
                       forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        line = _line_of(text, "<!ENTITY") or _line_of(text, "<!DOCTYPE")
        raise _bad(path, f"refused XML: {exc} (DTDs and entity declarations are not allowed in EAF)", line) from None
    except Exception as exc:  # xml.etree.ElementTree.ParseError
        pos = getattr(exc, "position", None)
        raise _bad(path, f"not well-formed XML: {exc}", pos[0] if pos else None) from None


def _strip_decl(text: str) -> str:
    return text[text.index("?>") + 2:] if text.startswith("<?xml") else text


def read_eaf(path: str | Path, text: str) -> ImportedDoc:
    """ELAN: top-level time-aligned tiers as speakers (PARTICIPANT, else the tier name), their
    ``- words`` dependents as words, ``- emotion`` dependents as emotion tags of the segment,
    ``sound events`` / ``emotions`` tiers as tags."""
    import warnings

    from pympi.Elan import Eaf

    from audiolab.export import eaf as eafmod

    doc = ImportedDoc(str(path), "eaf")
    check_xml(doc.path, text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eaf = Eaf(str(path), suppress_version_warning=True)
    except Exception as exc:
        raise _bad(doc.path, f"not a readable ELAN file ({type(exc).__name__}: {exc})") from None
    ts = eaf.timeslots
    seg_of_aid: dict[str, int] = {}
    words: dict[str | None, list[ImportedWord]] = {}
    emotion_refs: list[tuple[str, str]] = []
    # Independent tiers first so dependents can refer to their segments.
    tier_names = sorted(eaf.tiers, key=lambda n: "PARENT_REF" in eaf.tiers[n][2])
    for name in tier_names:
        aligned, refs, attrib, _ = eaf.tiers[name]
        base = _LANE.sub("", name)
        parent = attrib.get("PARENT_REF")
        for aid, (t1, t2, value, _svg) in sorted(aligned.items(), key=lambda kv: (ts.get(kv[1][0]) or 0)):
            a, b = ts.get(t1), ts.get(t2)
            if a is None or b is None:
                continue  # unaligned slot of a dependent tier; ELAN interpolates, we skip
            _check_span(doc.path, a, b, _line_of(text, f'ANNOTATION_ID="{aid}"'), f"annotation {aid} of tier '{name}'")
            value = value or ""
            if base == eafmod.EVENTS_TIER:
                doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, a, b, value))
            elif base == eafmod.EMOTIONS_TIER:
                doc.tags.append(ImportedTag(TagKind.EMOTION, a, b, value))
            elif parent and base.endswith(eafmod.WORDS_SUFFIX):
                spk = base[: -len(eafmod.WORDS_SUFFIX)]
                words.setdefault(None if spk == eafmod.NO_SPEAKER else spk, []).append(ImportedWord(a, b, value))
            elif not parent:
                spk = attrib.get("PARTICIPANT") or base
                seg_of_aid[aid] = len(doc.segments)
                doc.segments.append(ImportedSegment(a, b, " ".join(value.split()),
                                                    None if spk == eafmod.NO_SPEAKER else spk))
        if base.endswith(eafmod.EMOTION_SUFFIX):
            for _aid, (ref, value, _prev, _svg) in refs.items():
                emotion_refs.append((ref, value or ""))
    _attach_words(doc, words)
    for ref, value in emotion_refs:
        if ref in seg_of_aid and value:
            s = doc.segments[seg_of_aid[ref]]
            doc.tags.append(ImportedTag(TagKind.EMOTION, s.start_ms, s.end_ms, value, seg_of_aid[ref]))
    return doc


# -- JSON -------------------------------------------------------------------------------------


def _json(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(path, f"not valid JSON: {exc.msg}", exc.lineno) from None


def read_json(path: str | Path, text: str) -> ImportedDoc:
    """An audiolab JSON export: its main transcript tier, speakers and tags."""
    from audiolab.core import codec
    from audiolab.export import json_full

    doc = ImportedDoc(str(path), "json")
    data = _json(doc.path, text)
    try:
        t = json_full.from_document(data)
    except Exception as exc:
        raise _bad(doc.path, f"not an audiolab transcript document: {exc}") from None
    tier = t.main_tier()
    if tier is None:
        raise _bad(doc.path, "the document has no transcript tier")
    index: dict[str, int] = {}
    for seg in t.segments_of(tier.id):
        spk = t.speaker(seg.speaker_id)
        index[seg.id] = len(doc.segments)
        extra = {k: v for k, v in codec.to_dict(seg).items()
                 if k in ("language", "confidence", "avg_logprob", "no_speech_prob", "status", "flags")}
        doc.segments.append(ImportedSegment(
            seg.span.start_ms, seg.span.end_ms, seg.text, spk.label if spk else None,
            [ImportedWord(w.span.start_ms, w.span.end_ms, w.text) for w in seg.words], extra=extra))
    for spk in t.speakers:
        if spk.name:
            doc.speaker_names[spk.label] = spk.name
    for tag in t.tags:
        if tag.kind == TagKind.NOTE:
            continue
        doc.tags.append(ImportedTag(tag.kind, tag.span.start_ms, tag.span.end_ms, tag.label,
                                    index.get(tag.segment_id or ""), note=tag.note, confidence=tag.confidence))
    return doc


def read_labelstudio(path: str | Path, text: str, recording_id: str | None = None) -> ImportedDoc:
    """A Label Studio JSON export (or tasks with predictions): regions -> segments.

    Takes the task's latest non-cancelled annotation, else its first prediction. Results sharing
    a region id are one segment: ``labels`` (speaker; ``sound_event`` labels become tags),
    ``textarea`` (text), ``choices`` from ``emotion`` (an emotion tag on the segment).
    """
    doc = ImportedDoc(str(path), "labelstudio")
    data = _json(doc.path, text)
    tasks = data if isinstance(data, list) else [data]
    if not tasks or not all(isinstance(x, dict) for x in tasks):
        raise _bad(doc.path, "expected a Label Studio task or a list of tasks")
    if len(tasks) > 1:
        chosen = [x for x in tasks if recording_id and (x.get("data") or {}).get("recording_id") == recording_id]
        if len(chosen) != 1:
            raise _bad(doc.path, f"the file holds {len(tasks)} tasks; none (or several) is marked with this "
                                 "recording's id in data.recording_id")
        tasks = chosen
    task = tasks[0]
    anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    anns.sort(key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))
    source = anns[-1] if anns else ((task.get("predictions") or [None])[0])
    if not isinstance(source, dict):
        raise _bad(doc.path, "the task has no annotations or predictions")
    regions: dict[str, dict[str, Any]] = {}
    for k, r in enumerate(source.get("result") or []):
        try:
            rid, v, typ = str(r.get("id", f"r{k}")), r["value"], r.get("type")
            a, b = int(round(float(v["start"]) * 1000)), int(round(float(v["end"]) * 1000))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _bad(doc.path, f"result {k} has no region start/end") from None
        _check_span(doc.path, a, b, None, f"region {rid}")
        reg = regions.setdefault(rid, {"start": a, "end": b})
        if typ == "labels":
            labels = v.get("labels") or []
            key = "event" if r.get("from_name") == "sound_event" else "speaker"
            reg[key] = str(labels[0]) if labels else ""
        elif typ == "textarea":
            reg["text"] = " ".join(str(x) for x in (v.get("text") or []))
        elif typ == "choices" and r.get("from_name") == "emotion":
            reg["emotion"] = str((v.get("choices") or [""])[0])
    for reg in sorted(regions.values(), key=lambda x: (x["start"], x["end"])):
        if "event" in reg:
            doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, reg["start"], reg["end"], reg["event"]))
            continue
        spk = reg.get("speaker")
        doc.segments.append(ImportedSegment(reg["start"], reg["end"], " ".join(reg.get("text", "").split()),
                                            None if spk in (None, "", "unknown") else spk))
        if reg.get("emotion"):
            doc.tags.append(ImportedTag(TagKind.EMOTION, reg["start"], reg["end"], reg["emotion"], len(doc.segments) - 1))
    return doc


# -- dispatch ---------------------------------------------------------------------------------


def detect_format(path: str | Path, text: str | None = None) -> str:
    p = Path(path)
    ext = p.suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if ext == ".json":
        head = (text or "")[:4096]
        return "json" if '"audiolab.transcript"' in head else "labelstudio"
    raise ImportFormatError(p, f"cannot tell the format from the extension '{ext}'; give it with -f")


def read_file(path: str | Path, fmt: str | None = None, encoding: str | None = None,
              recording_id: str | None = None, speaker_prefix: bool = True) -> ImportedDoc:
    """Read and parse a file of any import format (guards first, then the format's reader)."""
    text = read_text(path, encoding)
    fmt = (fmt or detect_format(path, text)).lower()
    if fmt == "srt":
        return read_srt(path, text, speaker_prefix)
    if fmt == "vtt":
        return read_vtt(path, text)
    if fmt == "rttm":
        return read_rttm(path, text)
    if fmt == "stm":
        return read_stm(path, text)
    if fmt == "textgrid":
        return read_textgrid(path, text)
    if fmt == "eaf":
        return read_eaf(path, text)
    if fmt == "json":
        return read_json(path, text)
    if fmt == "labelstudio":
        return read_labelstudio(path, text, recording_id)
    raise ImportFormatError(path, f"cannot import format '{fmt}' (importable: {', '.join(IMPORT_FORMATS)})")
