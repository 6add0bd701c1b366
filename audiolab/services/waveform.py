"""The editor's waveform: which peak levels a recording has, and one chunk of one level at a time.

Peaks are written once at ingest (:mod:`audiolab.media.peaks`); the editor draws the whole file
from a coarse level and fetches finer chunks as the user zooms in. A chunk is a fixed number of
bins so the browser can ask for exactly the ones a view needs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from audiolab.errors import NotFoundError, ValidationError
from audiolab.media import peaks as peaks_mod
from audiolab.services import Workbench

PEAK_CHUNK_BINS = 16384  # bins per peaks chunk sent to the browser (32 kB of int8 pairs)


@dataclass(frozen=True, slots=True)
class PeakLevelInfo:
    """One peak level as the editor plans its requests: bin width, length, chunk size.

    >>> PeakLevelInfo(ms_per_bin=10.0, bins=500, chunk_bins=PEAK_CHUNK_BINS).bins
    500
    """

    ms_per_bin: float
    bins: int
    chunk_bins: int


@dataclass(frozen=True, slots=True)
class PeakChunk:
    """``bins`` (min, max) pairs of one level from bin ``start_bin`` on, as int8 bytes."""

    level: int
    chunk: int
    start_bin: int
    bins: int
    data: bytes


@functools.lru_cache(maxsize=16)
def _read_peaks(path: str, mtime: float) -> list[peaks_mod.PeakLevel]:
    return peaks_mod.read_peaks(path)


def _levels(path: Path) -> list[peaks_mod.PeakLevel]:
    if not path.exists():
        raise NotFoundError(f"no waveform peaks for this recording ({path.name}); ingest it again")
    return _read_peaks(str(path), path.stat().st_mtime)


def peak_levels(wb: Workbench, recording_id: str) -> tuple[PeakLevelInfo, ...]:
    """The peak levels of a recording, finest first; none when its peaks file is missing."""
    try:
        levels = _levels(wb.peaks_path(recording_id))
    except NotFoundError:
        return ()
    return tuple(PeakLevelInfo(lv.ms_per_bin, int(lv.data.shape[0]), PEAK_CHUNK_BINS) for lv in levels)


def peaks_chunk(wb: Workbench, recording_id: str, level: int, chunk: int) -> PeakChunk:
    """Chunk ``chunk`` of peak level ``level`` of a recording.

    Raises:
        NotFoundError: the recording or its peaks file does not exist.
        ValidationError: there is no such level or chunk.
    """
    levels = _levels(wb.peaks_path(wb.recording(recording_id).id))
    if not 0 <= level < len(levels):
        raise ValidationError(f"no peak level {level}")
    data = levels[level].data
    start = int(chunk) * PEAK_CHUNK_BINS
    if start < 0 or start >= data.shape[0]:
        raise ValidationError(f"no peak chunk {chunk} at level {level}")
    part = data[start:start + PEAK_CHUNK_BINS]
    return PeakChunk(level, int(chunk), start, int(part.shape[0]), part.tobytes())
