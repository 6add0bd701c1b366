"""Pre-labeling on a real Ray cluster: a head and a second node on 127.0.0.1, one CPU each.

The cluster is started here with ``ray start --block`` (its own ``--temp-dir``, its own token:
``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN``, given to the nodes and to each driver) in two new
process groups, and stopped at the end of the module, also on failure: SIGTERM to the two
``ray start`` processes (which stop their node's processes), then SIGKILL to whatever of the two
groups is left and to any process still carrying the cluster's token. Each driver
(``audiolab prelabel --ray``) is a subprocess, as a user runs it (Ray reads its authentication
mode once per process). The clips are pre-labeled in-process once, as the reference each cluster
run must equal (same texts, spans and speakers), with ``tiny.en`` and the offline diarizer.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, shared_file

pytestmark = pytest.mark.slow

CLIPS = ["asr_en/jfk.flac", "asr_en/librispeech_1272-128104-0000.wav", "asr_en/ljspeech_LJ001-0001.flac"]
START_TIMEOUT_S = 120


@dataclass
class Cluster:
    address: str
    procs: list[subprocess.Popen]
    temp: Path
    env: dict[str, str]

    @property
    def token(self) -> str:
        return self.env["RAY_AUTH_TOKEN"]


def _ray_cli() -> list[str]:
    return [sys.executable, "-m", "ray.scripts.scripts"]


def _wait_started(log: Path, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if "Ray runtime started" in (log.read_text(errors="replace") if log.exists() else ""):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"the Ray {what} did not start:\n{log.read_text(errors='replace')[-3000:] if log.exists() else ''}")


def _our_pids(token: str, title: bytes = b"") -> list[int]:
    """Processes of this cluster alone (their environment holds its token), whose title starts with ``title``.

    Ray's worker processes lead their own process groups, so the token, not the group, tells ours.
    """
    mark, found = f"RAY_AUTH_TOKEN={token}".encode(), []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if (d / "cmdline").read_bytes().startswith(title) and mark in (d / "environ").read_bytes().split(b"\0"):
                found.append(int(d.name))
        except OSError:
            continue
    return found


def _stop(procs: list[subprocess.Popen], token: str) -> None:
    for p in reversed(procs):  # the worker node first, then the head
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=45)
        except subprocess.TimeoutExpired:
            pass
    for p in procs:  # anything of our two process groups still there
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if p.poll() is None:
            p.wait(timeout=10)
    for pid in _our_pids(token):  # worker processes (their own groups) that outlived their raylet
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Head + one worker node, 1 CPU each, on 127.0.0.1, token-authenticated; always stopped."""
    pytest.importorskip("ray", reason="ray is not installed (pip install -e .)")
    temp = Path(tempfile.mkdtemp(prefix="alray-"))  # short: Ray's socket paths must stay under 108 bytes
    # the drivers and both nodes share a token made for this cluster alone
    env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), RAY_USAGE_STATS_ENABLED="0")
    port = free_port()
    common = ["--num-cpus", "1", "--num-gpus", "0", "--node-ip-address", "127.0.0.1", "--disable-usage-stats",
              "--object-store-memory", str(100 * 1024 * 1024), "--temp-dir", str(temp), "--block"]
    procs: list[subprocess.Popen] = []
    try:
        head_log = temp / "head.log"
        procs.append(subprocess.Popen(
            [*_ray_cli(), "start", "--head", "--port", str(port), "--include-dashboard=false",
             "--ray-client-server-port", str(free_port()), *common],
            stdout=head_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True, cwd=temp, env=env))
        _wait_started(head_log, procs[0], "head")
        worker_log = temp / "worker.log"
        procs.append(subprocess.Popen(
            [*_ray_cli(), "start", "--address", f"127.0.0.1:{port}", *common],
            stdout=worker_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True, cwd=temp, env=env))
        _wait_started(worker_log, procs[1], "worker node")
        yield Cluster(f"127.0.0.1:{port}", procs, temp, env)
    finally:
        _stop(procs, env["RAY_AUTH_TOKEN"])
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def clips() -> list[Path]:
    return [shared_file(c) for c in CLIPS]


def _ingest(db: Path, clips: list[Path]) -> list[str]:
    from audiolab.services import Workbench

    wb = Workbench(db)
    try:
        return [wb.ingest_file(c).recording.id for c in clips]
    finally:
        wb.db.close()


def _stored(db: Path) -> dict[str, list[tuple[str, int, int, str | None]]]:
    """Per recording: the work tier's segments as (text, start, end, speaker label), in time order."""
    from audiolab.services import Workbench

    wb = Workbench(db)
    try:
        out = {}
        for rec in wb.recordings():
            t = wb.transcript(rec.id)
            labels = {s.id: s.label for s in t.speakers}
            out[rec.id] = sorted((s.text, s.span.start_ms, s.span.end_ms, labels.get(s.speaker_id or ""))
                                 for s in t.segments)
        return out
    finally:
        wb.db.close()


def _runs(db: Path) -> dict[str, list]:
    from audiolab.services import Workbench
    from audiolab.storage import repository

    wb = Workbench(db)
    try:
        return {rec.id: repository.get_runs(wb.db, rec.id) for rec in wb.recordings()}
    finally:
        wb.db.close()


@pytest.fixture(scope="module")
def reference(clips: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """The clips pre-labeled in-process (the path without Ray), the way the CLI does it.

    With the OpenMP thread count Ray gives a 1-CPU actor (``OMP_NUM_THREADS=1``): a borderline
    word can decode differently with another thread count (measured: "concern" with 2 threads,
    "concerned" with 1, on the LJSpeech clip), in-process as on Ray.
    """
    db = tmp_path_factory.mktemp("inprocess") / "a.db"
    _ingest(db, clips)
    proc = _cli(["prelabel", "--all", "--db", str(db)], dict(os.environ, OMP_NUM_THREADS="1"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stored = _stored(db)
    assert all(stored.values()), "every clip has speech"
    return stored


def _cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``audiolab ARGS`` in a new process (the repository's code, this interpreter)."""
    return subprocess.run([sys.executable, "-c", "import sys; from audiolab.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=Path(__file__).resolve().parent.parent)


def _ray_run(db: Path, cluster: Cluster) -> subprocess.CompletedProcess[str]:
    return _cli(["prelabel", "--all", "--db", str(db), "--ray", cluster.address, "--ray-cpus-per-actor", "1"],
                cluster.env)


def test_cluster_run_equals_in_process_and_rerun_skips(cluster: Cluster, clips: list[Path], reference: dict,
                                                       tmp_path: Path) -> None:
    db = tmp_path / "ray.db"
    _ingest(db, clips)
    t0 = time.monotonic()
    proc = _ray_run(db, cluster)
    took = time.monotonic() - t0
    out, err = proc.stdout, proc.stderr
    assert proc.returncode == 0, out + err
    assert _stored(db) == reference
    runs = _runs(db)
    assert all([r.status for r in rs] == ["done"] for rs in runs.values())
    ray_stats = [rs[0].stats["ray"] for rs in runs.values()]
    assert all(s["attempts"] == 1 for s in ray_stats)  # (the first actor ready may take every file: work goes to the free)
    assert "x real time overall" in err and "on 2 actors" in err, err
    print(f"cluster run: {took:.1f} s; {err.strip().splitlines()[-1]}", file=sys.stderr)

    # re-running skips every finished file (and needs no cluster for it)
    proc = _ray_run(db, cluster)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert out.count("skipped") == len(clips), out
    assert {rid: len(rs) for rid, rs in _runs(db).items()} == {rid: 1 for rid in runs}


def test_worker_killed_mid_file_is_retried_without_duplicates(cluster: Cluster, clips: list[Path], reference: dict,
                                                               tmp_path: Path) -> None:
    from audiolab.services import Workbench

    db = tmp_path / "ray.db"
    _ingest(db, clips)
    killed: list[int] = []
    stop = threading.Event()

    def killer() -> None:  # SIGKILL the first actor seen computing a file, once, while it still computes
        title = b"ray::PrelabelWorker.compute"
        while not stop.is_set() and not killed:
            for pid in _our_pids(cluster.token, title):
                time.sleep(0.2)  # into the file
                try:
                    if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(title):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        break
                except (OSError, ProcessLookupError):
                    continue
            time.sleep(0.05)

    th = threading.Thread(target=killer, daemon=True)
    th.start()
    try:
        proc = _ray_run(db, cluster)
    finally:
        stop.set()
        th.join(5)
    out, err = proc.stdout, proc.stderr
    print(err, file=sys.stderr)
    assert killed, "no worker was seen computing"
    assert proc.returncode == 0, out + err
    assert "died mid-file" in err and "retrying" in err, err
    assert _stored(db) == reference  # the retried file is stored once: no duplicate segments
    runs = _runs(db)
    assert all([r.status for r in rs] == ["done"] for rs in runs.values()), runs
    attempts = sorted(rs[0].stats["ray"]["attempts"] for rs in runs.values())
    assert attempts == [1, 1, 2], attempts
    retried = next(rs[0] for rs in runs.values() if rs[0].stats["ray"]["attempts"] == 2)
    assert not retried.stats["ray"]["worker"].endswith(f":{killed[0]}")
    wb = Workbench(db)
    try:  # one pre-label batch in the history per recording
        for rid in runs:
            assert len({e.batch_id for e in wb.history(rid)}) == 1
        assert wb.db.integrity_ok()
    finally:
        wb.db.close()


def test_unreachable_address_fails_in_one_line(clips: list[Path], tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="ray is not installed (pip install -e .)")
    db = tmp_path / "a.db"
    _ingest(db, clips[:1])
    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    proc = _cli(["prelabel", "--all", "--db", str(db), "--ray", f"127.0.0.1:{port}"], timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Ray cluster" in lines[0], proc.stderr
    assert took < 10, f"took {took:.1f} s"
    runs = _runs(db)
    assert all(rs == [] for rs in runs.values())  # nothing was begun


def test_ctrl_c_marks_the_runs_in_flight_cancelled(cluster: Cluster, clips: list[Path], tmp_path: Path) -> None:
    from audiolab.services import Workbench

    db = tmp_path / "ray.db"
    _ingest(db, clips)
    cmd = [sys.executable, "-c", "import sys; from audiolab.cli import main; sys.exit(main())",
           "prelabel", "--all", "--db", str(db), "--ray", cluster.address, "--ray-cpus-per-actor", "1"]
    driver = subprocess.Popen(cmd, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _our_pids(cluster.token, b"ray::PrelabelWorker.compute") and driver.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("no worker was seen computing")
            time.sleep(0.05)
        driver.send_signal(signal.SIGINT)
        out, err = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert driver.returncode == 130, out + err
    assert "interrupted" in err, err
    runs = _runs(db)
    statuses = [r.status for rs in runs.values() for r in rs]
    assert "running" not in statuses and "cancelled" in statuses, statuses
    stored = _stored(db)
    wb = Workbench(db)
    try:
        for rid, rs in runs.items():
            if not any(r.status == "done" for r in rs):
                assert stored[rid] == [] and wb.transcript(rid).speakers == ()  # nothing half-written
        assert wb.db.integrity_ok()
    finally:
        wb.db.close()
