"""Export a transcript to the formats other tools read; the registry of formats.

Every format is a module with ``EXTENSION`` and ``dumps(transcript, options)`` (records ->
text), and optionally ``write(transcript, options, path)`` when it writes more than one file.
:func:`write_transcript` is the entry point for everything that exports (``audiolab export``,
``audiolab transcribe``, the UI through :mod:`audiolab.services.exporting`).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from audiolab.core.model import Transcript
from audiolab.errors import ValidationError
from audiolab.export.options import ExportOptions, SubtitleRules

__all__ = ["FORMATS", "ExportOptions", "FormatInfo", "SubtitleRules", "dumps", "format_info", "write_transcript"]


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """One export format: its name, module, file extension and what it is for."""

    name: str
    module: str
    extension: str
    description: str
    importable: bool

    def load(self) -> ModuleType:
        return importlib.import_module(f"audiolab.export.{self.module}")


FORMATS: dict[str, FormatInfo] = {f.name: f for f in (
    FormatInfo("srt", "srt", ".srt", "SubRip subtitles (speaker as an optional 'Name: ' prefix)", True),
    FormatInfo("vtt", "vtt", ".vtt", "WebVTT subtitles with <v Speaker> voice tags", True),
    FormatInfo("rttm", "rttm", ".rttm", "RTTM speaker turns for diarization scoring (optional .uem)", True),
    FormatInfo("textgrid", "textgrid", ".TextGrid", "Praat TextGrid: segment and word tiers per speaker, events, emotions", True),
    FormatInfo("eaf", "eaf", ".eaf", "ELAN EAF: speaker tiers, word and emotion dependents, vocabularies, linked media", True),
    FormatInfo("json", "json_full", ".json", "audiolab JSON: the full model, lossless and schema-versioned", True),
    FormatInfo("jsonl", "jsonl", ".jsonl", "JSONL manifest (NeMo; Hugging Face audiofolder metadata), optional WAV clips", False),
    FormatInfo("csv", "csv_", ".csv", "CSV, one row per segment, with timecodes for video", False),
    FormatInfo("stm", "stm", ".stm", "STM reference transcript for ASR scoring (sclite, meeteval)", True),
    FormatInfo("ctm", "ctm", ".ctm", "CTM timed words for ASR scoring", False),
    FormatInfo("labelstudio", "labelstudio", ".json", "Label Studio tasks with predictions (speaker, text, emotion, events)", True),
)}


def format_info(fmt: str) -> FormatInfo:
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise ValidationError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})") from None


def dumps(transcript: Transcript, fmt: str, options: ExportOptions | None = None) -> str | bytes:
    """The export of a transcript as text, without writing anything."""
    return format_info(fmt).load().dumps(transcript, options or ExportOptions())


def write_transcript(transcript: Transcript, fmt: str, out_path: str | os.PathLike[str],
                     options: ExportOptions | None = None) -> Path:
    """Export a transcript to ``out_path`` (a folder gets ``<media stem><extension>``).

    The file is written next to its final name and renamed into place, so a failed export
    never leaves a half-written file.

    Returns:
        The path written.
    """
    info = format_info(fmt)
    opts = options or ExportOptions()
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
