"""Multi-resolution waveform peaks: min/max pairs at a few zoom levels, in a compact binary file.

The browser never decodes audio to draw a waveform: it fetches the level that suits its zoom.
The finest level has one (min, max) int8 pair per 10 ms (1 hour = 720 kB); each coarser level
merges 4 bins of the one below, so coarse levels are exact reductions of the finest.

File layout (little-endian): ``b"ALPK"``, u16 version, u32 sample rate, u16 number of levels,
then per level ``u32 samples_per_bin, u32 bins``, then each level's ``bins * 2`` int8 values
(min, max interleaved), finest first.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiolab.errors import AudiolabError

MAGIC = b"ALPK"
VERSION = 1
BIN_SAMPLES = 160  # 10 ms at 16 kHz
LEVELS = 5  # 10 ms, 40 ms, 160 ms, 640 ms, 2.56 s per bin
FACTOR = 4


@dataclass(frozen=True, slots=True)
class PeakLevel:
    samples_per_bin: int
    data: np.ndarray  # int8, shape (bins, 2): min, max

    @property
    def ms_per_bin(self) -> float:
        return self.samples_per_bin * 1000 / 16_000


class PeakBuilder:
    """Accumulates decoded 16 kHz chunks and reduces them to the finest peak level on the fly."""

    def __init__(self, bin_samples: int = BIN_SAMPLES):
        self.bin_samples = bin_samples
        self._tail = np.zeros(0, dtype=np.float32)
        self._mins: list[np.ndarray] = []
        self._maxs: list[np.ndarray] = []

    def __call__(self, chunk: np.ndarray) -> None:
        buf = np.concatenate((self._tail, chunk)) if self._tail.size else chunk
        n = (buf.size // self.bin_samples) * self.bin_samples
        if n:
            blocks = buf[:n].reshape(-1, self.bin_samples)
            self._mins.append(blocks.min(axis=1))
            self._maxs.append(blocks.max(axis=1))
        self._tail = buf[n:].copy()

    def finish(self, sample_rate: int = 16_000) -> list[PeakLevel]:
        mins, maxs = list(self._mins), list(self._maxs)
        if self._tail.size:
            mins.append(np.array([self._tail.min()], dtype=np.float32))
            maxs.append(np.array([self._tail.max()], dtype=np.float32))
        lo = np.concatenate(mins) if mins else np.zeros(1, np.float32)
        hi = np.concatenate(maxs) if maxs else np.zeros(1, np.float32)
        levels = []
        spb = self.bin_samples
        for _ in range(LEVELS):
            q = np.stack((_quantize(lo), _quantize(hi)), axis=1)
            levels.append(PeakLevel(spb, q))
            pad = (-lo.size) % FACTOR
            if pad:
                lo = np.concatenate((lo, np.full(pad, lo[-1], np.float32)))
                hi = np.concatenate((hi, np.full(pad, hi[-1], np.float32)))
            lo = lo.reshape(-1, FACTOR).min(axis=1)
            hi = hi.reshape(-1, FACTOR).max(axis=1)
            spb *= FACTOR
        return levels


def _quantize(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 127.0), -127, 127).astype(np.int8)


def write_peaks(path: str | os.PathLike[str], levels: list[PeakLevel], sample_rate: int = 16_000) -> int:
    """Write atomically (temp file, then rename). Returns the file size."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    header = MAGIC + struct.pack("<HIH", VERSION, sample_rate, len(levels))
    header += b"".join(struct.pack("<II", lv.samples_per_bin, lv.data.shape[0]) for lv in levels)
    tmp = p.with_suffix(p.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(header)
        for lv in levels:
            f.write(np.ascontiguousarray(lv.data, dtype=np.int8).tobytes())
    os.replace(tmp, p)
    return p.stat().st_size


def read_peaks(path: str | os.PathLike[str]) -> list[PeakLevel]:
    p = Path(path)
    raw = p.read_bytes()
    if raw[:4] != MAGIC:
        raise AudiolabError(f"{p}: not a peaks file")
    version, _rate, n = struct.unpack_from("<HIH", raw, 4)
    if version != VERSION:
        raise AudiolabError(f"{p}: peaks file version {version} is not supported")
    off = 12
    dims = []
    for _ in range(n):
        dims.append(struct.unpack_from("<II", raw, off))
        off += 8
    levels = []
    for spb, bins in dims:
        data = np.frombuffer(raw, dtype=np.int8, count=bins * 2, offset=off).reshape(bins, 2)
        off += bins * 2
        levels.append(PeakLevel(spb, data))
    return levels
