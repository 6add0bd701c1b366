"""What every format's reader shares: guarded decoding, the imported-document types, line-numbered errors.

Each importable format's module (``srt.py``, ``eaf.py``, ...) has a ``parse(path, text, options)``
that turns a file's text into an :class:`ImportedDoc` (segments with speaker labels, words and
tags, each remembering its line) or raises :class:`~audiolab.errors.ImportFormatError` naming the
file and, where the format allows, the line. :func:`audiolab.export.read_file` reads the file with
:func:`read_text` and dispatches to the format's module through the registry;
:mod:`audiolab.services.exporting` turns a document into entities and writes them in one edit
batch, so a file that fails here writes nothing.

Guards against hostile files (all before any parser sees the text): a size limit, a line-length
limit, strict decoding (UTF-8 unless the file has a BOM, declares its encoding in an XML
declaration, or the caller names one), and for XML (EAF) a defusedxml parse (:func:`check_xml`)
that refuses DTDs and entity declarations before ``pympi`` reads the file. Overlapping cues are
legitimate (overlapping speech) and are kept.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiolab.core.model import TagKind
from audiolab.errors import ImportFormatError

if TYPE_CHECKING:
    from audiolab.export.options import TimeMap

MAX_FILE_BYTES = 256 * 1024**2
MAX_LINE_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a file; each field matters to the formats its comment names.

    Attributes:
        encoding: the file's text encoding, when it is not UTF-8 and has no BOM or XML declaration.
        speaker_prefix: SRT: read a ``Name: text`` cue as spoken by ``Name``.
        recording_id: Label Studio: in a file of several tasks, the task whose
            ``data.recording_id`` is this.
        uri: RTTM: keep only the turns of this file id (default: the file must hold one).
    """

    encoding: str | None = None
    speaker_prefix: bool = True
    recording_id: str | None = None
    uri: str | None = None


@dataclass(slots=True)
class ImportedWord:
    """A timed word of an imported segment."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(slots=True)
class ImportedSegment:
    """A segment as a file holds it: times, text, speaker label, words and its line."""

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
    """A sound-event or emotion tag as a file holds it."""

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

    The encoding is ``encoding`` when given, else the one a BOM names, else the one an XML
    declaration names, else UTF-8; decoding is strict.

    Args:
        path: the file.
        encoding: the caller's encoding (``--encoding``), which overrides BOM and declaration.
        max_line: the longest line allowed, in characters.

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


def check_xml(path: str, text: str) -> None:
    """Parse with defusedxml first: DTDs, entity declarations and external references are refused.

    Raises:
        ImportFormatError: refused XML (with the line of the DTD or entity) or XML that is not
            well-formed (with the parser's line).
    """
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        DET.fromstring(_strip_decl(text).encode("utf-8"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        line = line_of(text, "<!ENTITY") or line_of(text, "<!DOCTYPE")
        raise ImportFormatError(path, f"refused XML: {exc} (DTDs and entity declarations are not allowed in EAF)",
                                line) from None
    except Exception as exc:  # xml.etree.ElementTree.ParseError
        pos = getattr(exc, "position", None)
        raise ImportFormatError(path, f"not well-formed XML: {exc}", pos[0] if pos else None) from None


def _strip_decl(text: str) -> str:
    """The text without its ``<?xml ...?>`` declaration (it names the file's encoding, not UTF-8's)."""
    return text[text.index("?>") + 2:] if text.startswith("<?xml") else text


def load_json(path: str, text: str) -> Any:
    """The JSON value of a file's text.

    Raises:
        ImportFormatError: not valid JSON (with the line of the error).
    """
    def refuse(constant: str) -> Any:
        raise ImportFormatError(path, f"not valid JSON: {constant} is not a number JSON allows",
                                line_of(text, constant))

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ImportFormatError(path, "not an importable document: nested too deeply") from None


# -- checks and helpers the parsers share -----------------------------------------------------

_LANE = re.compile(r" \[\d+\]$")


def check_span(path: str, start: int, end: int, line: int | None, what: str = "cue") -> None:
    """Refuse a negative start, an end before the start, or a zero length.

    Raises:
        ImportFormatError: naming ``what`` and the times, at ``line``.
    """
    if start < 0:
        raise ImportFormatError(path, f"{what} starts before 0", line)
    if end < start:
        raise ImportFormatError(path, f"{what} ends before it starts ({start / 1000:.3f} s > {end / 1000:.3f} s)", line)
    if end == start:
        raise ImportFormatError(path, f"{what} has zero length at {start / 1000:.3f} s", line)


# No recording is a year long: a time beyond this is a broken or hostile file, refused before any
# arithmetic on it (1e308 s would overflow to infinity in milliseconds).
MAX_SECONDS = 366 * 24 * 3600


def seconds_ms(path: str, value: Any, lineno: int | None, what: str) -> int:
    """A time in (decimal) seconds as milliseconds; NaN, infinities and absurd values are refused.

    Raises:
        ImportFormatError: ``unparseable <what> '<value>'`` or ``<what> ... out of range`` at ``lineno``.
    """
    if isinstance(value, bool):
        raise ImportFormatError(path, f"unparseable {what} {value!r}", lineno)
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ImportFormatError(path, f"unparseable {what} {value!r}", lineno) from None
    if not math.isfinite(x):
        raise ImportFormatError(path, f"unparseable {what} {value!r}", lineno)
    if abs(x) > MAX_SECONDS:
        raise ImportFormatError(path, f"{what} {value!r} s is out of range (more than a year)", lineno)
    return int(round(x * 1000))


def line_of(text: str, needle: str) -> int | None:
    """The number of the first line containing ``needle``, or None."""
    i = text.find(needle)
    return None if i < 0 else text.count("\n", 0, i) + 1


def unlaned(name: str) -> str:
    """A tier name without the lane suffix the writers add to overlapping intervals.

    >>> unlaned("Alice [2]")
    'Alice'
    """
    return _LANE.sub("", name)


def attach_words(doc: ImportedDoc, words_by_speaker: dict[str | None, list[ImportedWord]]) -> None:
    """Give each word to the segment of its speaker that holds its midpoint; words in time order."""
    for spk, words in words_by_speaker.items():
        segs = [s for s in doc.segments if s.speaker == spk]
        for w in words:
            mid = (w.start_ms + w.end_ms) / 2
            home = next((s for s in segs if s.start_ms <= mid < s.end_ms), None)
            if home is not None:
                home.words.append(w)
    for s in doc.segments:
        s.words.sort(key=lambda w: w.start_ms)


# -- clocks -----------------------------------------------------------------------------------


def to_media_time(doc: ImportedDoc, tm: TimeMap) -> None:
    """Map a video-time document's times back to media time, in place.

    Args:
        doc: the document, its times in the clock ``tm`` exports to.
        tm: the export's time map (frame rate, start timecode, offset).

    Raises:
        ImportFormatError: a time lands before the video's first frame (with its line).
    """
    base_tc = tm.clock.start_timecode if tm.clock else None

    def conv(ms: int, line: int | None) -> int:
        out = tm.to_media(ms)
        if out < 0:
            hint = f" (start timecode {base_tc})" if base_tc else ""
            raise ImportFormatError(doc.path, f"time {ms / 1000:.3f} s is before the video's first frame{hint}; "
                                              "check --start-tc and --offset-ms, or import in media time", line)
        return out

    for s in doc.segments:
        s.start_ms, s.end_ms = conv(s.start_ms, s.line), conv(s.end_ms, s.line)
        for w in s.words:
            w.start_ms, w.end_ms = conv(w.start_ms, s.line), conv(w.end_ms, s.line)
    for tag in doc.tags:
        tag.start_ms, tag.end_ms = conv(tag.start_ms, tag.line), conv(tag.end_ms, tag.line)
