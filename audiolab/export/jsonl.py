"""JSONL manifest: one line per segment, for training sets.

Each line: ``audio_filepath, offset, duration`` (seconds into the audio), ``text, speaker, tags``
(labels of the exported version's emotions on the segment and of its sound events overlapping it;
tags on no segment and tag times are not part of the format), ``file_name`` and ``id``. It reads as a NeMo
manifest (``audio_filepath``/``offset``/``duration``/``text``) and, as ``metadata.jsonl`` beside the
audio, as a Hugging Face ``audiofolder`` (``file_name`` is relative to the manifest's folder when written to a file).

Offsets are always in the audio's own (media) time: they index into the audio file, so the video
clock and snapping do not apply. With ``clips_dir`` every segment is cut into a 16 kHz mono WAV
there, ``audio_filepath`` names the clip and ``offset`` is 0.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.records import iter_segments, one_line, segment_tags

EXTENSION = ".jsonl"


def _media_opts(opts: ExportOptions) -> ExportOptions:
    import dataclasses

    return dataclasses.replace(opts, clock="media", snap_to_frames=False)


def iter_items(t: Transcript, opts: ExportOptions, out_dir: Path | None = None) -> Iterator[dict[str, Any]]:
    audio = opts.audio_path or t.recording.path
    emotions, events = segment_tags(t, opts)
    for rec in iter_segments(t, _media_opts(opts)):
        seg = rec.segment
        path, offset = audio, rec.start_ms / 1000
        if opts.clips_dir:
            path, offset = str(Path(opts.clips_dir) / f"{t.recording.id}_{seg.id}.wav"), 0.0
        file_name = path
        if out_dir is not None:  # relative to the manifest's folder, as audiofolder wants
            try:
                file_name = os.path.relpath(path, out_dir)
            except ValueError:  # another drive on Windows
                pass
        tags = emotions.get(seg.id, []) + [e.label for e in events(seg.span)]
        yield {"id": seg.id, "audio_filepath": path, "file_name": file_name, "offset": offset,
               "duration": rec.duration_ms / 1000, "text": one_line(rec.text), "speaker": rec.speaker, "tags": tags}


def dumps(t: Transcript, opts: ExportOptions, out_dir: Path | None = None) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in iter_items(t, opts, out_dir))


def cut_clips(t: Transcript, opts: ExportOptions) -> list[Path]:
    """Write each segment of the exported tier as a 16 kHz mono WAV into ``opts.clips_dir``."""
    import soundfile

    from audiolab.media.probe import MODEL_RATE, load_audio

    folder = Path(opts.clips_dir or ".")
    folder.mkdir(parents=True, exist_ok=True)
    audio = load_audio(t.recording.path)
    written = []
    for rec in iter_segments(t, _media_opts(opts)):
        a = rec.start_ms * MODEL_RATE // 1000
        b = rec.end_ms * MODEL_RATE // 1000
        path = folder / f"{t.recording.id}_{rec.segment.id}.wav"
        soundfile.write(path, audio[a:b], MODEL_RATE, subtype="PCM_16")
        written.append(path)
    return written


def write(t: Transcript, opts: ExportOptions, out: Path) -> Path:
    from audiolab.export import write_text

    if opts.clips_dir:
        cut_clips(t, opts)
    write_text(out, dumps(t, opts, out.parent))
    return out
