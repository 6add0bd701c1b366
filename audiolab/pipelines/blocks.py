"""Long recordings diarized block by block, in memory that does not grow with their length.

Long recordings in bounded memory (:func:`audiolab.pipelines.diarize.diarize_stream`): pyannote's ``apply`` builds whole-file
arrays at every step (the waveform, every chunk's segmentation, the CAM++ frames and, before
``_block_frames``, a whole-file filterbank of about 2 GB per audio hour, the float64 clustered
segmentations of reconstruction). Here the same steps run block by block, read forward from the
file: segmentation and embeddings per block of ``window_s`` (blocks share the 9 s that the
chunks straddling their boundary need, so the chunk grid is the whole file's, and each block gets
its share of the whole file's CAM++ frames, computed on the file's own 30 s grid from up to 34 s
of context beyond the block), keeping only the small per-chunk results (binary segmentation as
uint8, the 192-d embeddings, clean-frame counts); then **one** clustering over all embeddings;
then speaker counting, reconstruction and binarization per block again, each from the chunks
that cover that block (sliced on a grid where chunk and frame steps coincide, so every frame
sees the chunks it would see in a whole-file run), cropped to the block and joined at block
boundaries. The turns are those of a whole-file run (identical on the shared clips assembled
into 3 and 15 minutes, 60 and 300 s blocks) with one exception: agglomerative clustering, whose
distance matrix grows with the square of the number of embeddings (8 n^2 bytes in scipy: 1.2 GB
for a 3-hour talk), clusters at most ``max_cluster_embeddings`` of them, evenly spread in time,
before pyannote assigns every embedding to the resulting centroids as usual.

The pipeline object comes from :mod:`audiolab.pipelines.diarize` (the only module that imports
``pyannote.audio``); this module calls its steps and uses ``pyannote.core``'s annotation types.
:func:`trim_heap` and :class:`SignalSource` serve the window-by-window ASR too.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span
from audiolab.errors import ModelError
from audiolab.pipelines.types import Cancelled, Turn

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
Piece = tuple[int, int, int]  # start_ms, end_ms, cluster index


class SignalSource(Protocol):
    """A signal read forward (:class:`audiolab.media.probe.SignalReader`)."""

    def read(self, n: int) -> np.ndarray: ...  # the next n samples; fewer at the end

    def at_end(self) -> bool: ...


def trim_heap() -> None:
    """Hand memory the process freed back to the system (glibc ``malloc_trim``; elsewhere a no-op).

    Called between windows and blocks: glibc keeps what a step freed in its thread's own arena, so
    two window loops in two threads (ASR beside diarization) would otherwise each keep the peak of
    their last window resident (160 MB returned after a 5-minute ASR window, measured here).
    """
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC: Any = None


def read_all(source: SignalSource) -> np.ndarray:
    """The rest of ``source`` as one array (for pipelines that cannot be split)."""
    parts = []
    while not source.at_end():
        parts.append(source.read(SAMPLE_RATE * 600))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def block_frames(net: Any, waveform: Any, block_s: float = 30.0, margin_s: float = 2.0) -> Any:
    """:func:`audiolab.pipelines.campplus.file_frames`, with the filterbank computed per block too.

    ``file_frames`` computes the filterbank of the whole signal first (its FFT frames take about
    2 GB per audio hour); a Kaldi filterbank frame depends only on its own 400 samples, so the
    filterbank of each block's samples is the same rows, bit for bit (checked on the shared clips).
    """
    from audiolab.pipelines import campplus

    hop, length = campplus.FRAME_SHIFT_SAMPLES, campplus.FRAME_LENGTH_SAMPLES
    n = int(waveform.shape[-1])
    total = 0 if n < length else 1 + (n - length) // hop
    if total == 0:
        return campplus.file_frames(net, waveform, block_s, margin_s)
    return campplus.frames_by_block(net, total, lambda lo, hi: campplus.fbank_raw(waveform[lo * hop: (hi - 1) * hop + length]),
                                    block_s, margin_s)


_PIECE_FB, _MARGIN_FB = 3000, 200  # file_frames' blocks and margins, in filterbank frames (10 ms)
_HOP, _FRAME_LEN = 160, 400  # a filterbank frame: 400 samples every 160 (campplus.FRAME_*_SAMPLES)
_SAMPLES_PER_FRAME = 320  # CAM++ frames: 50 per second


class SignalBuffer:
    """The stretch of a forward-read signal the current block needs, addressed in file samples."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.buf = np.zeros(0, dtype=np.float32)
        self.start = 0
        self.total: int | None = None  # the file's length, once its end was read

    @property
    def end(self) -> int:
        return self.start + self.buf.size

    def need(self, end: int) -> None:
        """Read on up to file sample ``end`` (or the end of the file)."""
        if self.total is None and end > self.end:
            more = self.source.read(end - self.end)
            self.buf = np.concatenate([self.buf, more]) if self.buf.size else more
            if self.source.at_end():
                self.total = self.end

    def get(self, a: int, b: int) -> np.ndarray:
        return self.buf[max(0, a - self.start): max(0, b - self.start)]

    def forget(self, before: int) -> None:
        k = before - self.start
        if k > 0:
            self.buf = self.buf[k:].copy()  # a copy: a view would keep the old buffer alive
            self.start = before


def frames_range(cam0: int, cam_len: int) -> tuple[int, int]:
    """The file samples ``[lo, hi)`` that CAM++ frames ``[cam0, cam0 + cam_len)`` are computed from."""
    per_piece = _PIECE_FB // 2
    p_lo, p_hi = cam0 // per_piece, (cam0 + cam_len - 1) // per_piece
    lo = max(0, _PIECE_FB * p_lo - _MARGIN_FB) * _HOP
    hi = (_PIECE_FB * (p_hi + 1) + _MARGIN_FB - 1) * _HOP + _FRAME_LEN
    return lo, hi


def window_frames(net: Any, ahead: SignalBuffer, cam0: int, cam_len: int) -> Any:
    """CAM++ frames ``[cam0, cam0 + cam_len)`` of the whole file, as :func:`block_frames` of it gives them.

    ``block_frames`` works in 30 s pieces with 2 s of context on each side, on a grid from the
    start of the file; computing the pieces that cover a block, on that same grid and from the
    same samples, gives the same frames bit for bit. ``ahead`` must hold the samples
    :func:`frames_range` names.
    """
    import torch

    from audiolab.pipelines import campplus

    hop, length = _HOP, _FRAME_LEN
    total = math.inf if ahead.total is None else (0 if ahead.total < length else 1 + (ahead.total - length) // hop)
    per_piece = _PIECE_FB // 2
    p = first = cam0 // per_piece
    outs = []
    while p * per_piece < cam0 + cam_len and _PIECE_FB * p < total:
        start = _PIECE_FB * p
        lo, hi = max(0, start - _MARGIN_FB), int(min(total, start + _PIECE_FB + _MARGIN_FB))
        x = campplus.fbank_raw(torch.from_numpy(ahead.get(lo * hop, (hi - 1) * hop + length)))
        x = x - x.mean(dim=0, keepdim=True)
        y = net.frames(x[None])[0]
        a = (start - lo + 1) // 2
        b = a + (int(min(start + _PIECE_FB, total)) - start + 1) // 2
        outs.append(y[:, a:b])
        p += 1
    frames = torch.cat(outs, dim=1)
    return frames[:, cam0 - first * per_piece: cam0 - first * per_piece + cam_len]


def alignment(step_n: int, frame_step_s: float) -> int:
    """The smallest number of chunk steps that is a whole number of segmentation frames (1 if none small)."""
    frame_n = frame_step_s * SAMPLE_RATE
    if abs(frame_n - round(frame_n)) > 1e-6 or round(frame_n) <= 0:
        return 1
    period = math.lcm(step_n, int(round(frame_n))) // step_n
    return period if period <= 100 else 1


def cluster(pipe: Any, embeddings: np.ndarray, clean: np.ndarray, segs: list[np.ndarray], num_frames: int,
            bounds: tuple[int | None, int, float], cap: int, own_steps: bool) -> tuple[np.ndarray, dict[str, int]]:
    """pyannote's clustering step over every block's embeddings, from the per-chunk counts kept.

    For clusterings that use pyannote's base ``__call__`` (``own_steps``: agglomerative), its steps are run
    with the clean-frame counts kept per block (what ``filter_embeddings`` computes from the whole
    segmentation) and at most ``cap`` training embeddings; others get the whole (uint8)
    segmentation, as in ``apply``.
    """
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    num_speakers, min_speakers, max_speakers = bounds
    cl = pipe.clustering
    if not own_steps:
        seg = SlidingWindowFeature(np.concatenate(segs).astype(np.float32),
                                   SlidingWindow(start=0.0, duration=pipe._segmentation.duration,
                                                 step=pipe._segmentation.step))
        hard, _, _ = cl(embeddings=embeddings, segmentations=seg, num_clusters=num_speakers,
                        min_clusters=min_speakers, max_clusters=max_speakers, file={"uri": "audio"},
                        frames=pipe._segmentation.model.receptive_field)
        return hard, {"embeddings": int(np.sum(~np.any(np.isnan(embeddings), axis=2)))}
    active = clean >= 0.2 * num_frames  # filter_embeddings' min_active_ratio
    valid = ~np.any(np.isnan(embeddings), axis=2)
    chunk_idx, speaker_idx = np.where(active & valid)
    n = len(chunk_idx)
    if n > cap:
        pick = np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))
        chunk_idx, speaker_idx = chunk_idx[pick], speaker_idx[pick]
    train = embeddings[chunk_idx, speaker_idx]
    num_clusters, min_clusters, max_clusters = cl.set_num_clusters(
        len(train), num_clusters=num_speakers, min_clusters=min_speakers, max_clusters=max_speakers)
    if max_clusters < 2:
        hard = np.zeros(embeddings.shape[:2], dtype=np.int8)
    else:
        train_clusters = cl.cluster(train, min_clusters=min_clusters, max_clusters=max_clusters,
                                    num_clusters=num_clusters)
        hard, _, _ = cl.assign_embeddings(embeddings, chunk_idx, speaker_idx, train_clusters,
                                          constrained=cl.constrained_assignment)
    return hard, {"embeddings": n, "clustered_embeddings": len(train)}


def block_samples(pipe: Any, window_s: float) -> int:
    """The samples one block's segmentation chunks cover (its ``window_s`` of steps, plus one window)."""
    inference = pipe._segmentation
    step_s = float(inference.step)
    block_chunks = max(1, int(round(window_s / step_s)))
    return (block_chunks - 1) * int(round(step_s * SAMPLE_RATE)) + int(round(float(inference.duration) * SAMPLE_RATE))


def diarize_blocks(pipe: Any, ahead: SignalBuffer, total_ms: int, window_s: float, cap: int,
                   bounds: tuple[int | None, int, float], own_steps: bool, progress: Progress | None = None,
                   cancel: Cancel | None = None) -> tuple[list[Piece], list[Piece], dict[str, Any]]:
    """The block-by-block diarization of the module docstring, on a pyannote ``SpeakerDiarization``.

    Args:
        pipe: the pipeline (powerset segmentation); its steps are called one block at a time.
        ahead: the signal, with (at least) its first block read.
        total_ms: the recording's length (scales progress).
        window_s: the block length.
        cap: at most this many embeddings are clustered (see :func:`cluster`).
        bounds: ``(num_speakers, min_speakers, max_speakers)`` as pyannote's ``set_num_speakers``.
        own_steps: the clustering is pyannote's base one, run step by step here.
        progress: ``(done, total, step)`` in segmentation chunks over the whole file.
        cancel: polled between pipeline steps and batches.

    Returns:
        The pieces of ``(start_ms, end_ms, cluster)`` of the turns and of the exclusive turns, per
        block (:func:`joined` makes turns of them), and statistics.
    """
    import torch
    from pyannote.core import Segment, SlidingWindow, SlidingWindowFeature

    inference = pipe._segmentation
    chunk_s, step_s = float(inference.duration), float(inference.step)
    step_n = int(round(step_s * SAMPLE_RATE))
    block_chunks = max(1, int(round(window_s / step_s)))
    need = block_samples(pipe, window_s)
    frames = inference.model.receptive_field
    share_frames = bool(getattr(pipe, "shares_frames", False)) and step_n % _SAMPLES_PER_FRAME == 0
    per_chunk_frames = int(round(chunk_s * 50))
    est_chunks = max(1, int(total_ms / 1000 / step_s))
    base = 0

    def hook(step: str, artifact: Any, file: Any = None, total: int | None = None,
             completed: int | None = None) -> None:
        if cancel is not None and cancel():
            raise Cancelled("diarization cancelled")
        if progress is not None and total:
            done = base + int(block_chunks * int(completed or 0) / int(total))
            progress(min(done, est_chunks), est_chunks, step)

    segs: list[np.ndarray] = []  # per block: (chunks, frames, local speakers) uint8
    embs: list[np.ndarray] = []  # per block: (chunks, local speakers, dim)
    clean: list[np.ndarray] = []  # per block: (chunks, local speakers) single-speaker frame counts
    any_speech = False
    largest = 0
    t1 = time.perf_counter()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy on empty clusters (no speech)
        # pass 1: segmentation and embeddings, block by block
        while True:
            lo = base * step_n
            ahead.need(lo + need)
            last = ahead.total is not None and ahead.total <= lo + need
            audio = ahead.get(lo, lo + need)
            file: dict[str, Any] = {"waveform": torch.from_numpy(audio).reshape(1, -1),
                                    "sample_rate": SAMPLE_RATE, "uri": "audio"}
            seg = pipe.get_segmentations(file, hook=hook)
            n_chunks = seg.data.shape[0]
            if not last and n_chunks != block_chunks:  # pragma: no cover - pyannote's slide changed
                raise ModelError(f"block segmentation gave {n_chunks} chunks, expected {block_chunks}")
            count = pipe.speaker_count(seg, frames, warm_up=(0.0, 0.0))
            any_speech = any_speech or bool(np.nanmax(count.data) > 0)
            trim_heap()  # what segmentation's batches freed, before the CAM++ pieces allocate theirs
            if share_frames:  # this block's share of the whole file's CAM++ frames
                cam0 = lo // _SAMPLES_PER_FRAME
                cam_len = int(round((n_chunks - 1) * step_s * 50)) + per_chunk_frames
                ahead.need(frames_range(cam0, cam_len)[1])
                file["campplus_frames"] = window_frames(pipe._embedding.model_.net, ahead, cam0, cam_len)
            largest = max(largest, ahead.buf.size)
            emb = pipe.get_embeddings(file, seg, exclude_overlap=pipe.embedding_exclude_overlap, hook=hook)
            data = np.nan_to_num(seg.data, nan=0.0)
            single = np.sum(data, axis=2, keepdims=True) == 1
            clean.append(np.sum(data * single, axis=1))
            segs.append((data > 0.5).astype(np.uint8))
            embs.append(np.asarray(emb, dtype=np.float32))
            del file, audio, seg, count, emb, data, single
            base += n_chunks
            if last:
                break
            keep = base * step_n
            if share_frames:
                keep = min(keep, frames_range(keep // _SAMPLES_PER_FRAME, 1)[0])
            ahead.forget(keep)
            trim_heap()
        ahead.forget(ahead.end)  # the audio is no longer needed
        blocks = len(segs)
        num_frames = segs[0].shape[1]
        if not any_speech:
            return [], [], {"diarize_s": round(time.perf_counter() - t1, 3), "blocks": blocks}
        embeddings = np.concatenate(embs)
        del embs
        hook("clustering", None)
        hard, cstats = cluster(pipe, embeddings, np.concatenate(clean), segs, num_frames, bounds, cap, own_steps)
        del embeddings
        # pass 2: count, reconstruct, binarize each block from the chunks that cover it
        starts = np.cumsum([0] + [len(x) for x in segs])
        num_chunks = int(starts[-1])
        period = alignment(step_n, frames.step)
        reach = int(math.ceil(chunk_s / step_s)) - 1  # earlier chunks that still cover a block's start
        max_speakers = bounds[2]
        full: list[Piece] = []
        excl: list[Piece] = []
        for b in range(blocks):
            if cancel is not None and cancel():
                raise Cancelled("diarization cancelled")
            c_lo = max(0, int(starts[b]) - reach) // period * period
            c_hi = int(starts[b + 1])
            first = int(np.searchsorted(starts, c_lo, side="right")) - 1
            data = np.concatenate([x for x in segs[first:b + 1]])[c_lo - int(starts[first]):]
            data = data[: c_hi - c_lo].astype(np.float32)
            swf = SlidingWindowFeature(data, SlidingWindow(start=c_lo * step_s, duration=chunk_s, step=step_s))
            clusters = np.array(hard[c_lo:c_hi], copy=True)
            clusters[np.sum(data, axis=1) == 0] = -2  # inactive speakers go to a throw-away cluster
            if np.max(clusters) < 0:
                continue
            region = Segment(int(starts[b]) * step_s, c_hi * step_s if b < blocks - 1 else math.inf)
            count = pipe.speaker_count(swf, frames, warm_up=(0.0, 0.0))
            count.data = np.minimum(count.data, max_speakers).astype(np.int8)
            for out, limit in ((full, None), (excl, 1)):
                if limit is not None:
                    count.data = np.minimum(count.data, limit).astype(np.int8)
                ann = pipe.to_annotation(pipe.reconstruct(swf, clusters, count), min_duration_on=0.0,
                                         min_duration_off=pipe.segmentation.min_duration_off)
                for segment, _, label in ann.crop(region, mode="intersection").itertracks(yield_label=True):
                    out.append((int(round(segment.start * 1000)), int(round(segment.end * 1000)), int(label)))
            del swf, count, ann
            trim_heap()
            if progress is not None:
                progress(min(c_hi, est_chunks), est_chunks, "reconstruction")
    stats = {"diarize_s": round(time.perf_counter() - t1, 3), "blocks": blocks, "chunks": num_chunks,
             "largest_block_s": round(largest / SAMPLE_RATE, 1), **cstats}
    return full, excl, stats


def joined(pieces: list[Piece]) -> tuple[Turn, ...]:
    """Turns from per-block pieces: a speaker's pieces that touch at a block boundary become one."""
    out: list[Turn] = []
    last: dict[int, int] = {}  # label -> index in out of its latest turn
    for start, end, label in sorted(pieces):
        if end <= start:
            continue
        i = last.get(label)
        if i is not None and out[i].span.end_ms >= start:
            out[i] = Turn(Span(out[i].span.start_ms, max(end, out[i].span.end_ms)), out[i].speaker)
            continue
        last[label] = len(out)
        out.append(Turn(Span(start, end), f"SPEAKER_{label:02d}"))
    return tuple(sorted(out, key=lambda t: (t.span, t.speaker)))
