"""The Ray actor of corpus pre-labeling (:mod:`audiolab.services.batch`): holds the models, computes drafts.

A plain class (``ray.remote`` wraps it in :func:`audiolab.services.ray_cluster.actor_class`), so
importing this module needs no Ray until an actor starts. What it returns pickles (frozen
dataclasses of core and pipeline types).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiolab.errors import AudiolabError
from audiolab.services.prelabel import PrelabelOptions, compute_drafts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    recording_id: str
    path: str
    duration_ms: int
    size_bytes: int
    sha256: str
    driver_node: str


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    pid: int
    host: str
    node: str
    load_s: float
    error: str | None = None

    @property
    def name(self) -> str:
        return f"{self.host}:{self.pid}"


@dataclass(frozen=True, slots=True)
class Result:
    recording_id: str
    worker: WorkerInfo
    computed: Any = None  # prelabel.Computed
    error: str | None = None
    missing: bool = False  # the path does not hold the ingested file on this node: send the bytes
    compute_s: float = 0.0
    peak_rss: int = 0


def peak_rss() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def worker_options(options: PrelabelOptions, cpus: float) -> tuple[PrelabelOptions, Any]:
    """The options an actor computes with, and the ASR options its model is preloaded with.

    An actor keeps to the CPUs it reserved: with fewer than 2, ASR and diarization run one after
    the other instead of in two threads (two actors of 1 CPU on 2 cores would otherwise run four
    busy threads). ASR threads left at 0 ("one per core") would mean the whole machine's cores:
    they become ``cpus``. With ASR and diarization in parallel the ASR step already runs one
    thread (as in-process, see ``prelabel._run_models``): left alone, and preloaded with that one
    thread so the model cache is hit.
    """
    if options.parallel and cpus < 2:
        options = dataclasses.replace(options, parallel=False)
    asr = options.asr
    parallel = options.parallel and options.diarization is not None
    if asr.cpu_threads == 0 and not parallel:
        asr = dataclasses.replace(asr, cpu_threads=max(1, int(cpus)))
        options = dataclasses.replace(options, asr=asr)
    preload = dataclasses.replace(asr, cpu_threads=1) if parallel and asr.cpu_threads == 0 else asr
    return options, preload


class PrelabelWorker:
    """Holds the models (loaded once, in ``__init__``) and computes drafts of one file per call."""

    def __init__(self, options: PrelabelOptions, cpus: float):
        t0 = time.perf_counter()
        os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
        self.options, preload = worker_options(options, cpus)
        self.error: str | None = None
        try:
            from audiolab.pipelines import diarize, whisper

            whisper.load_model(preload)
            if self.options.diarization is not None:
                diarize.load_pipeline(self.options.diarization)
        except AudiolabError as exc:  # reported by ready(); the driver drops this actor
            self.error = str(exc)
        import ray

        self.info = WorkerInfo(pid=os.getpid(), host=socket.gethostname(),
                                node=ray.get_runtime_context().get_node_id(),
                                load_s=round(time.perf_counter() - t0, 3), error=self.error)

    def ready(self) -> WorkerInfo:
        return self.info

    def compute(self, job: Job, data: bytes | None = None) -> Result:
        t0 = time.perf_counter()
        out = dict(recording_id=job.recording_id, worker=self.info)
        try:
            if self.error is not None:
                return Result(**out, error=self.error)
            if data is None:
                path = Path(job.path)
                if not self._same_file(path, job):
                    return Result(**out, missing=True)
                computed = compute_drafts(path, job.duration_ms, self.options)
            else:
                with tempfile.TemporaryDirectory(prefix="audiolab-ray-") as tmp:
                    path = Path(tmp) / ("media" + Path(job.path).suffix)
                    path.write_bytes(data)
                    computed = compute_drafts(path, job.duration_ms, self.options)
        except AudiolabError as exc:
            return Result(**out, error=str(exc), compute_s=time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - a bug on a worker: the file fails, the batch goes on
            tb = traceback.format_exc(limit=6)
            log.error("pre-labeling %s failed on %s:\n%s", job.recording_id, self.info.name, tb)
            return Result(**out, error=f"worker error {type(exc).__name__}: {exc}", compute_s=time.perf_counter() - t0)
        return Result(**out, computed=computed, compute_s=time.perf_counter() - t0, peak_rss=peak_rss())

    def _same_file(self, path: Path, job: Job) -> bool:
        try:
            if path.stat().st_size != job.size_bytes:
                return False
        except OSError:
            return False
        if self.info.node == job.driver_node:
            return True  # the driver verified this very file just now
        from audiolab.media.probe import sha256_file

        return sha256_file(path) == job.sha256
