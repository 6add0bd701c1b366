"""Formats listed once (the module that writes, and may read, each) and the export and import entry points.

Every format is one module of this package that writes it (``EXTENSION`` and ``dumps(transcript,
options)``: records -> text, and optionally ``write(transcript, options, path)`` when it writes
more than one file) and, where the format can be imported, reads it (``parse(path, text,
options)`` -> :class:`~audiolab.export.reading.ImportedDoc`). :data:`FORMATS` lists them once;
what can be imported, the CLI's choices and the UI's dropdown all come from it, and so does what
each format holds (:attr:`FormatInfo.holds`): what it leaves out by design is then said, not
silently dropped (:mod:`audiolab.export.coverage` counts it for ``audiolab export``'s note), and
what a format that holds a kind of data cannot hold in one instance is refused by its writer
with a message naming the segment.
:func:`write_transcript` is the entry point for everything that exports (``audiolab export``,
``audiolab transcribe``, the UI through :mod:`audiolab.services.exporting`), :func:`read_file`
for everything that imports.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal, get_args

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError, ValidationError
from audiolab.export.options import ExportOptions, SubtitleRules
from audiolab.export.reading import ImportedDoc, ReadOptions, read_text
from audiolab.export.records import check_speaker_names

__all__ = ["CONTENT", "FORMATS", "Content", "ExportOptions", "FormatInfo", "ImportedDoc", "ReadOptions", "SubtitleRules",
           "detect_format", "dumps", "format_info", "importable_formats", "read_file", "write_transcript"]


Content = Literal["segments", "empty_segments", "text", "words", "speakers", "sound_events", "emotions",
                  "segment_tags"]
"""What of a version a format can hold:

* ``segments``: each segment as a timed record; ``empty_segments``: those without text too
  (subtitles and TextGrid intervals cannot hold an empty one);
* ``text``: the segments' text; ``words``: their timed words; ``speakers``: who speaks each;
* ``sound_events`` / ``emotions``: every tag of the kind, with its time;
* ``segment_tags``: only the labels of the emotions on each segment and of the sound events
  overlapping it, on that segment's record (CSV, JSONL).
"""
CONTENT: tuple[Content, ...] = get_args(Content)


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """One format: its name, its module (writer, and reader where it has one), extension and purpose.

    Attributes:
        name: what users type (``-f srt``).
        module: the module of :mod:`audiolab.export` that writes the format: its ``dumps`` (and
            ``write``, where it has one) is the writer.
        extension: the extension of files written; for importable formats also the one
            :func:`detect_format` recognizes (case-insensitively).
        description: one line for help texts and the UI.
        reads: whether the module also has the format's reader, ``parse(path, text, options)``.
        holds: what of a version the format can hold (:data:`Content`); the rest is left out
            by design, and ``audiolab export`` says so.
        switches: (content, option) pairs: the content is written only when that boolean field
            of :class:`ExportOptions` is true (``("words", "include_words")``).
    """

    name: str
    module: str
    extension: str
    description: str
    reads: bool = False
    holds: frozenset[Content] = frozenset()
    switches: tuple[tuple[Content, str], ...] = ()

    def carries(self, options: ExportOptions | None = None) -> frozenset[Content]:
        """What an export with these options writes: :attr:`holds` less what the options turn off."""
        opts = options or ExportOptions()
        return self.holds - {c for c, flag in self.switches if not getattr(opts, flag)}

    @property
    def importable(self) -> bool:
        """Whether files of this format can be imported (the format has a reader)."""
        return self.reads

    def load(self) -> ModuleType:
        """The format's module (imported on first use: some need praatio or pympi)."""
        return importlib.import_module(f"audiolab.export.{self.module}")


_ALL: frozenset[Content] = frozenset(CONTENT) - {"segment_tags"}
_TIERS = (("words", "include_words"), ("sound_events", "include_events"), ("emotions", "include_emotions"))
_ROWS: frozenset[Content] = frozenset({"segments", "empty_segments", "text", "speakers", "segment_tags"})

FORMATS: dict[str, FormatInfo] = {f.name: f for f in (
    FormatInfo("srt", "srt", ".srt", "SubRip subtitles (speaker as an optional 'Name: ' prefix)", reads=True,
               holds=frozenset({"segments", "text", "speakers"}), switches=(("speakers", "speaker_prefix"),)),
    FormatInfo("vtt", "vtt", ".vtt", "WebVTT subtitles with <v Speaker> voice tags", reads=True,
               holds=frozenset({"segments", "text", "speakers"})),
    FormatInfo("rttm", "rttm", ".rttm", "RTTM speaker turns for diarization scoring (optional .uem)", reads=True,
               holds=frozenset({"segments", "empty_segments", "speakers"})),
    FormatInfo("textgrid", "textgrid", ".TextGrid", "Praat TextGrid: segment and word tiers per speaker, events, emotions",
               reads=True, holds=_ALL - {"empty_segments"}, switches=_TIERS),
    FormatInfo("eaf", "eaf", ".eaf", "ELAN EAF: speaker tiers, word and emotion dependents, vocabularies, linked media",
               reads=True, holds=_ALL, switches=_TIERS),
    FormatInfo("json", "json_full", ".json", "audiolab JSON: the full model, lossless and schema-versioned", reads=True,
               holds=_ALL),
    FormatInfo("jsonl", "jsonl", ".jsonl", "JSONL manifest (NeMo; Hugging Face audiofolder metadata), optional WAV clips",
               holds=_ROWS),
    FormatInfo("csv", "csv_", ".csv", "CSV, one row per segment, with timecodes for video", holds=_ROWS),
    FormatInfo("stm", "stm", ".stm", "STM reference transcript for ASR scoring (sclite, meeteval)", reads=True,
               holds=frozenset({"segments", "empty_segments", "text", "speakers"})),
    FormatInfo("ctm", "ctm", ".ctm", "CTM timed words for ASR scoring", holds=frozenset({"text", "words"})),
    FormatInfo("labelstudio", "labelstudio", ".json", "Label Studio tasks with predictions (speaker, text, emotion, events)",
               reads=True, holds=_ALL - {"words"}, switches=_TIERS[1:]),
)}


def importable_formats() -> list[str]:
    """The names of the formats that can be imported, in the registry's order."""
    return [f.name for f in FORMATS.values() if f.importable]


def format_info(fmt: str) -> FormatInfo:
    """The registry's entry for a format name (case-insensitive).

    Raises:
        ValidationError: no such format.
    """
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise ValidationError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})") from None


def _check(transcript: Transcript, info: FormatInfo, opts: ExportOptions) -> None:
    """What every writer needs: speakers told apart where the format names them (JSON keeps ids)."""
    if "speakers" in info.carries(opts) and info.name != "json":
        check_speaker_names(transcript, opts, info.name)


def dumps(transcript: Transcript, fmt: str, options: ExportOptions | None = None) -> str | bytes:
    """The export of a transcript as text, without writing anything.

    Raises:
        ValidationError: the transcript holds what the format cannot (the message says what
            and where).
    """
    info = format_info(fmt)
    opts = options or ExportOptions()
    _check(transcript, info, opts)
    return info.load().dumps(transcript, opts)


def write_transcript(transcript: Transcript, fmt: str, out_path: str | os.PathLike[str],
                     options: ExportOptions | None = None) -> Path:
    """Export a transcript to ``out_path`` (a folder gets ``<media stem><extension>``).

    The file is written next to its final name and renamed into place, so a failed export
    never leaves a half-written file.

    Returns:
        The path written.

    Raises:
        ValidationError: the transcript holds what the format cannot (the message says what
            and where); nothing is written.
    """
    info = format_info(fmt)
    opts = options or ExportOptions()
    _check(transcript, info, opts)
    out = Path(out_path)
    if out.is_dir():
        out = out / (Path(transcript.recording.path).stem + info.extension)
    out.parent.mkdir(parents=True, exist_ok=True)
    module = info.load()
    if hasattr(module, "write"):  # formats writing more than one file handle it themselves
        return module.write(transcript, opts, out)
    write_text(out, module.dumps(transcript, opts))
    return out


def write_text(out: Path, data: str | bytes) -> None:
    """Write next to ``out`` and rename into place: a failed export leaves no partial file."""
    tmp = out.with_name(out.name + ".part")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(data)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def detect_format(path: str | Path, text: str = "") -> str:
    """The importable format a file is, from its extension and, where several share it, its text.

    Of the importable formats with this extension, the first (in the registry's order) whose
    module has no ``sniff(text)`` or whose ``sniff`` accepts the text: a ``.json`` file is audiolab
    JSON when it says so, else Label Studio.

    Raises:
        ImportFormatError: no importable format has this extension.
    """
    p = Path(path)
    ext = p.suffix.lower()
    for info in FORMATS.values():
        if info.importable and info.extension.lower() == ext:
            sniff = getattr(info.load(), "sniff", None)
            if sniff is None or sniff(text):
                return info.name
    raise ImportFormatError(p, f"cannot tell the format from the extension '{ext}'; give it with -f")


def read_file(path: str | os.PathLike[str], fmt: str | None = None, options: ReadOptions | None = None) -> ImportedDoc:
    """Read and parse a file of any importable format: guards first, then the format's reader.

    Args:
        path: the file.
        fmt: the format's name; default from :func:`detect_format`.
        options: the encoding and the options of particular formats.

    Raises:
        ImportFormatError: the file is unreadable or malformed (``file:line: reason``), or the
            format cannot be imported.
    """
    opts = options or ReadOptions()
    text = read_text(path, opts.encoding)
    name = (fmt or detect_format(path, text)).lower()
    info = FORMATS.get(name)
    if info is None or not info.importable:
        raise ImportFormatError(path, f"cannot import format '{name}' (importable: {', '.join(importable_formats())})")
    return info.load().parse(path, text, opts)
