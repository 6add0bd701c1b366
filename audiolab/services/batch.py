"""Pre-labeling a corpus on Ray: the models live in actors, files are scheduled across them, the
driver stores every result through the same step as in-process pre-labeling.

``audiolab prelabel --all --ray [ADDRESS]`` comes here; connecting is
:mod:`audiolab.services.ray_cluster` and the actor :mod:`audiolab.services.ray_actor` (``ray`` is
imported lazily, only by them and :func:`run_batch`). Each actor loads the models once, when it starts (:func:`whisper.load_model`,
:func:`diarize.load_pipeline`), and then runs :func:`~audiolab.services.prelabel.compute_drafts` (the per-file step the
in-process :func:`~audiolab.services.prelabel.prelabel` runs too) on one file at a time; what it
returns (:class:`~audiolab.services.prelabel.Computed`: frozen dataclasses of core and pipeline types) is pickled back.

**The driver writes, through the edit API** (:func:`~audiolab.services.prelabel.begin_run` when a file is sent to an actor,
:func:`~audiolab.services.prelabel.store_drafts` when its result comes back), not the workers:

- it works alike for SQLite and PostgreSQL: a SQLite file is reachable only from the driver's
  machine (and must not be shared over a network file system), and workers need no database
  credentials nor a route to the database server;
- one writer: no lock contention between workers, and the history, author and the re-run rule
  (human-edited segments are never replaced) are applied in one place, as in-process;
- **exactly once per file**: a worker killed mid-file (``RayActorError``) only loses a compute;
  the file goes back to the front of the queue and is taken by the next free actor (usually
  another one; the killed one is restarted by Ray, reloads its models and rejoins the pool), and
  the driver stores the one result that arrives, in one transaction, under the run begun for the
  file. A retried compute therefore cannot duplicate segments. A file whose worker dies
  ``max_attempts`` times (e.g. out of memory) is reported failed; the rest go on.

A file that fails (a model error, a changed media file, a bug) is reported and marks its run
``failed``; the others go on. Ctrl-C marks the runs still in flight ``cancelled`` (an error that
stops the whole batch marks them ``failed``) and kills the actors; nothing half-written is left,
as each store is one transaction. A driver killed outright leaves its runs ``running`` with its
host and pid, and the next pre-labeling on that host marks them failed
(:func:`~audiolab.services.prelabel.mark_stale_runs`). Files with a finished run are skipped
unless ``force``.

Media: a worker reads the recording's path when that path holds the same file on its node (a
shared mount; checked by size, and by SHA-256 on a node other than the driver's); otherwise the
driver sends the file's bytes through Ray's object store once and the worker decodes a temporary
copy. Workers need audiolab and its models installed (same version as the driver).

Resources: an actor reserves ``cpus_per_actor`` CPUs (default 2: ASR and diarization run in two
threads with one core each, as in-process; with fewer they run one after the other, see
:func:`~audiolab.services.ray_actor.worker_options`) and ``gpus_per_actor`` GPUs (default 0; the adapters decode on CPU today,
so a GPU reservation only steers actors onto GPU nodes). Ray runs an actor with
``OMP_NUM_THREADS`` set to its CPUs; a borderline word may then decode differently than in a
process using every core (as with any other thread count), never differently than in-process
with the same threads (``tests/test_ray_batch.py``). Without ``actors``, as many actors
start as the cluster's CPUs (and GPUs) allow, at most one per file, spread over the nodes
(``SPREAD``). Joining a cluster that uses token authentication (Ray's default for local runtimes
since 2.59) needs ``RAY_AUTH_MODE=token`` and the cluster's token in the driver's environment.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from audiolab.core.model import PipelineRun, Recording
from audiolab.errors import AudiolabError
from audiolab.pipelines.types import Cancelled
from audiolab.services.prelabel import (
    PrelabelOptions,
    begin_run,
    check_models,
    finished_run,
    mark_stale_runs,
    store_drafts,
)
from audiolab.services.ray_actor import Job, Result, WorkerInfo
from audiolab.services.ray_cluster import (
    ClusterError,
    RayOptions,
    actor_class,
    connect,
    first_line,
    fitting_actors,
)
from audiolab.storage import repository

__all__ = ["BatchSummary", "ClusterError", "FileOutcome", "RayOptions", "run_batch"]

_MAX_PINGS = 150  # about 30 s of a restarting actor being unavailable before it is given up
_NO_ACTOR_WARNING_S = 120.0

log = logging.getLogger(__name__)


Status = Literal["done", "skipped", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What became of one recording of the batch."""

    recording_id: str
    status: Status
    run: PipelineRun | None = None
    error: str | None = None
    attempts: int = 0
    worker: str | None = None  # "host:pid" of the actor whose result was stored


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """The whole batch: outcomes in the order they came, timings and the cluster it ran on."""

    outcomes: tuple[FileOutcome, ...]
    audio_s: float  # of the files computed and stored now
    wall_s: float  # connect to shutdown
    startup_s: float  # connect + first actor ready (models loaded)
    actors: int
    model_load_s: tuple[float, ...]  # per actor start (restarts included)
    address: str
    retries: int = 0

    @property
    def realtime_factor(self) -> float:
        """Seconds of audio pre-labeled per second of the whole batch (start-up included)."""
        return round(self.audio_s / max(self.wall_s, 1e-6), 2)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)



@dataclass
class _Slot:
    actor: Any
    info: WorkerInfo | None = None
    rec: Recording | None = None
    pings: int = 0  # ready() calls that found it unavailable (restarting) in a row


@dataclass
class _State:
    queue: deque[Recording]
    runs: dict[str, PipelineRun] = field(default_factory=dict)  # begun, not yet finished
    attempts: dict[str, int] = field(default_factory=dict)
    ship: set[str] = field(default_factory=set)
    outcomes: list[FileOutcome] = field(default_factory=list)
    audio_ms: int = 0
    retries: int = 0
    load_s: list[float] = field(default_factory=list)
    first_ready: float | None = None


def run_batch(wb: Any, recordings: Sequence[Recording], options: PrelabelOptions | None = None,
              ray_options: RayOptions | None = None, force: bool = False, author: str = "audiolab-prelabel",
              progress: Callable[[int, int, str], None] | None = None,
              report: Callable[[FileOutcome], None] | None = None,
              notice: Callable[[str], None] | None = None) -> BatchSummary:
    """Pre-label ``recordings`` on Ray, storing each result as in-process pre-labeling does.

    Args:
        wb: the :class:`~audiolab.services.Workbench` (the driver's database).
        recordings: what to pre-label (those with a finished run are skipped unless ``force``).
        options: models and settings (the same for every file).
        ray_options: cluster address and actor resources.
        force: run even where a finished run exists.
        author: the history's author of the written drafts.
        progress: ``(files done, files, text)``; the text carries the overall real-time factor.
        report: called with each file's outcome as it is known.
        notice: one-line messages about the cluster (a worker lost, a retry, a worker dropped).

    Returns:
        The summary; each file's stored run carries ``stats["ray"]`` (worker, attempts, times).

    Raises:
        ClusterError: the cluster cannot be reached or holds no actor.
        KeyboardInterrupt: after the runs in flight were marked cancelled.
    """
    options = options or PrelabelOptions()
    ray_options = ray_options or RayOptions()
    progress = progress or (lambda done, total, text: None)
    report = report or (lambda outcome: None)
    notice = notice or (lambda text: None)
    mark_stale_runs(wb)
    st = _State(queue=deque())
    total = len(recordings)
    for rec in recordings:
        if not force and (done := finished_run(wb, rec.id)) is not None:
            _outcome(st, report, FileOutcome(rec.id, "skipped", run=done))
        else:
            st.queue.append(rec)
    if not st.queue:
        return BatchSummary(tuple(st.outcomes), 0.0, 0.0, 0.0, 0, (), ray_options.address)
    check_models(options)  # a missing model: one error before any cluster starts
    t0 = time.perf_counter()
    ray = connect(ray_options)
    slots: list[_Slot] = []
    try:
        fitting = fitting_actors(ray, ray_options)
        n = ray_options.actors or min(fitting, len(st.queue))
        if n > fitting:
            notice(f"{n} actors asked for, the cluster has room for {fitting}: the others wait for resources")
        cls = actor_class(ray, ray_options)
        driver_node = ray.get_runtime_context().get_node_id()
        slots = [_Slot(cls.remote(options, ray_options.cpus_per_actor)) for _ in range(n)]
        _loop(ray, wb, st, slots, options, ray_options, driver_node, author, total, t0, progress, report, notice)
    except BaseException as exc:
        status = "cancelled" if isinstance(exc, (KeyboardInterrupt, Cancelled)) else "failed"
        _abandon(wb, st, status, "interrupted" if status == "cancelled" else f"batch stopped: {exc}", report)
        raise
    finally:
        for s in slots:
            try:
                ray.kill(s.actor, no_restart=True)
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
        ray.shutdown()
    wall = time.perf_counter() - t0
    startup = (st.first_ready - t0) if st.first_ready is not None else wall
    return BatchSummary(tuple(st.outcomes), st.audio_ms / 1000, round(wall, 3), round(startup, 3), len(slots),
                        tuple(st.load_s), ray_options.address, st.retries)


def _outcome(st: _State, report: Callable[[FileOutcome], None], outcome: FileOutcome) -> None:
    st.outcomes.append(outcome)
    report(outcome)


def _fail(wb: Any, st: _State, rid: str, error: str, report: Callable[[FileOutcome], None],
          status: Status = "failed", worker: str | None = None) -> None:
    run = st.runs.pop(rid, None)
    if run is not None:
        with wb.db.transaction():
            repository.finish_run(wb.db, run.id, status, error=error, stats=run.stats)
    _outcome(st, report, FileOutcome(rid, status, run=run, error=error, attempts=st.attempts.get(rid, 0), worker=worker))


def _abandon(wb: Any, st: _State, status: Status, error: str, report: Callable[[FileOutcome], None]) -> None:
    """Mark every run begun and not finished (``cancelled`` on Ctrl-C); the queue is left undone."""
    for rid in list(st.runs):
        try:
            _fail(wb, st, rid, error, report, status=status)
        except Exception:
            log.exception("could not mark the run of %s %s", rid, status)


def _loop(ray: Any, wb: Any, st: _State, slots: list[_Slot], options: PrelabelOptions, ray_options: RayOptions,
          driver_node: str, author: str, total: int, t0: float, progress: Callable[[int, int, str], None],
          report: Callable[[FileOutcome], None], notice: Callable[[str], None]) -> None:
    from ray.exceptions import ActorUnavailableError, RayActorError

    pending: dict[Any, tuple[str, _Slot]] = {s.actor.ready.remote(): ("ready", s) for s in slots}
    idle: deque[_Slot] = deque()
    alive = set(range(len(slots)))

    def tick() -> None:
        elapsed = time.perf_counter() - t0
        busy = sum(1 for kind, _ in pending.values() if kind == "compute")
        rtf = st.audio_ms / 1000 / max(elapsed, 1e-6)
        progress(len(st.outcomes), total, f"{busy}/{len(alive)} actors busy, {rtf:.1f}x real time")

    def drop(slot: _Slot, why: str) -> None:
        alive.discard(slots.index(slot))
        notice(f"worker {slot.info.name if slot.info else '(starting)'} dropped: {why}")
        try:
            ray.kill(slot.actor, no_restart=True)
        except Exception:  # noqa: BLE001, S110 - already gone
            pass

    waited_warning = False
    while True:
        if st.first_ready is None and not waited_warning and time.perf_counter() - t0 > _NO_ACTOR_WARNING_S:
            waited_warning = True
            notice(f"no actor has started after {_NO_ACTOR_WARNING_S:.0f} s: the cluster may have no free "
                   f"{ray_options.cpus_per_actor:g} CPUs on a node (see `ray status`); waiting")
        while idle and st.queue:
            slot, rec = idle.popleft(), st.queue.popleft()
            if rec.id not in st.runs:
                try:
                    st.runs[rec.id] = begin_run(wb, rec, options)
                except AudiolabError as exc:
                    idle.appendleft(slot)
                    _fail(wb, st, rec.id, str(exc), report)
                    continue
            job = Job(rec.id, rec.path, rec.duration_ms, rec.size_bytes, rec.sha256, driver_node)
            data = ray.put(Path(rec.path).read_bytes()) if rec.id in st.ship else None
            slot.rec = rec
            pending[slot.actor.compute.remote(job, data)] = ("compute", slot)
        if not pending:
            break
        tick()
        done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
        for ref in done:
            kind, slot = pending.pop(ref)
            if kind == "ready":
                try:
                    info = ray.get(ref)
                except ActorUnavailableError as exc:  # restarting: ask again, a while
                    slot.pings += 1
                    if slot.pings > _MAX_PINGS:
                        drop(slot, first_line(exc))
                    else:
                        time.sleep(0.2)
                        pending[slot.actor.ready.remote()] = ("ready", slot)
                    continue
                except RayActorError as exc:
                    drop(slot, first_line(exc))
                    continue
                slot.info, slot.pings = info, 0
                st.load_s.append(info.load_s)
                if info.error is not None:
                    drop(slot, f"cannot load the models: {info.error}")
                    continue
                if st.first_ready is None:
                    st.first_ready = time.perf_counter()
                idle.append(slot)
                continue
            rec, slot.rec = slot.rec, None
            if rec is None:  # cannot happen: every compute is sent with its recording
                raise RuntimeError("a result came back for no recording")
            try:
                res: Result = ray.get(ref)
            except RayActorError as exc:  # the worker died mid-file: retry on the next free actor
                st.attempts[rec.id] = st.attempts.get(rec.id, 0) + 1
                who = slot.info.name if slot.info else "a worker"
                if st.attempts[rec.id] < ray_options.max_attempts:
                    st.retries += 1
                    st.queue.appendleft(rec)
                    notice(f"{rec.id}  worker {who} died mid-file ({type(exc).__name__}); retrying on the next free "
                           f"worker (attempt {st.attempts[rec.id] + 1} of {ray_options.max_attempts})")
                else:
                    _fail(wb, st, rec.id, f"its worker died {st.attempts[rec.id]} times (last: {who}); out of memory?",
                          report, worker=who)
                pending[slot.actor.ready.remote()] = ("ready", slot)  # back once Ray restarted it
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be unpickled here
                idle.append(slot)
                _fail(wb, st, rec.id, f"cluster error: {first_line(exc)}", report)
                continue
            idle.append(slot)
            if res.missing:
                st.ship.add(rec.id)
                st.queue.appendleft(rec)
                continue
            if res.error is not None:
                _fail(wb, st, rec.id, res.error, report, worker=res.worker.name)
                continue
            _store(wb, st, rec, res, author, report)
        if not alive and (st.queue or st.runs):
            for rec in list(st.queue):
                st.queue.remove(rec)
                _fail(wb, st, rec.id, "no Ray worker left (every actor failed to start or died)", report)
            for rid in list(st.runs):
                _fail(wb, st, rid, "no Ray worker left (every actor failed to start or died)", report)
            break
    tick()


def _store(wb: Any, st: _State, rec: Recording, res: Result, author: str,
           report: Callable[[FileOutcome], None]) -> None:
    """The one write of a file's result (the run begun for it; never twice)."""
    run = st.runs.get(rec.id)
    if run is None:  # already finished: a result cannot be stored twice
        return
    computed = res.computed
    ray_stats = {"worker": res.worker.name, "node": res.worker.node[:16], "attempts": st.attempts.get(rec.id, 0) + 1,
                 "compute_s": round(res.compute_s, 3), "model_load_s": res.worker.load_s, "peak_rss": res.peak_rss}
    computed = dataclasses.replace(computed, stats={**computed.stats, "ray": ray_stats})
    try:
        stored = store_drafts(wb, rec, run, computed, author)
    except AudiolabError as exc:
        _fail(wb, st, rec.id, str(exc), report, worker=res.worker.name)
        return
    st.runs.pop(rec.id, None)
    st.audio_ms += rec.duration_ms
    _outcome(st, report, FileOutcome(rec.id, "done", run=stored, attempts=ray_stats["attempts"], worker=res.worker.name))
