"""Connecting to Ray for corpus pre-labeling (:mod:`audiolab.services.batch`): a local runtime or a cluster.

The only place ``ray`` is imported from the driver's side (lazily: ``audiolab --help`` and every
other command start without it). An address that does not answer fails within
:data:`CONNECT_TIMEOUT_S` with one line, as do a cluster that uses token authentication when
this process has no token, and a cluster with no node big enough for one actor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from audiolab.errors import AudiolabError
from audiolab.services.ray_actor import PrelabelWorker

LOCAL = "local"  # the address meaning: start a Ray runtime in this process, stopped at the end
DEFAULT_CPUS_PER_ACTOR = 2.0
DEFAULT_GPUS_PER_ACTOR = 0.0
DEFAULT_MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_S = 5.0

log = logging.getLogger(__name__)


class ClusterError(AudiolabError):
    """The Ray cluster cannot be reached or used (no ray installed, bad address, no room for an actor)."""



@dataclass(frozen=True, slots=True)
class RayOptions:
    """Where and how wide to run.

    Attributes:
        address: ``"local"`` starts a Ray runtime here (stopped at the end); ``"auto"`` joins the
            cluster started on this machine with ``ray start``; ``HOST:PORT`` joins that head.
        actors: how many model-holding actors; None: as many as the cluster's resources allow,
            at most one per file.
        cpus_per_actor: CPUs each actor reserves (2: one ASR thread and one diarization thread).
        gpus_per_actor: GPUs each actor reserves (0; see the module docstring).
        max_attempts: a file whose worker dies this many times is reported failed.
        local_cpus: CPUs of a local runtime (None: all of this machine's).
        connect_timeout_s: how long a HOST:PORT may take to answer before it counts unreachable.
    """

    address: str = LOCAL
    actors: int | None = None
    cpus_per_actor: float = DEFAULT_CPUS_PER_ACTOR
    gpus_per_actor: float = DEFAULT_GPUS_PER_ACTOR
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    local_cpus: int | None = None
    connect_timeout_s: float = CONNECT_TIMEOUT_S

    def __post_init__(self) -> None:
        from audiolab.errors import ValidationError

        if self.actors is not None and self.actors < 1:
            raise ValidationError(f"--ray-actors must be at least 1, got {self.actors}")
        if not self.cpus_per_actor > 0:
            raise ValidationError(f"--ray-cpus-per-actor must be above 0, got {self.cpus_per_actor}")
        if self.gpus_per_actor < 0:
            raise ValidationError(f"--ray-gpus-per-actor cannot be negative, got {self.gpus_per_actor}")
        if self.max_attempts < 1:
            raise ValidationError(f"max attempts must be at least 1, got {self.max_attempts}")



def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ClusterError("Ray is not installed: pip install 'ray==2.60.0' (or reinstall audiolab)") from exc
    return ray


def _host_port(address: str) -> tuple[str, int]:
    rest = address.split("://", 1)[-1]
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ClusterError(f"Ray address must be 'auto' or HOST:PORT (e.g. 10.0.0.5:6379), got {address!r}")
    return host.strip("[]"), int(port)


def connect(options: RayOptions) -> Any:
    """Start a local Ray runtime or join a cluster; the ``ray`` module, connected.

    A HOST:PORT that does not answer within ``connect_timeout_s`` fails at once (``ray.init``
    itself would retry for a minute and more).

    Raises:
        ClusterError: Ray missing, the address malformed or unreachable, no cluster for ``auto``.
    """
    ray = import_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never phone home
    quiet = dict(logging_level=logging.ERROR, log_to_driver=False, include_dashboard=False)
    address = options.address
    if address == LOCAL:
        try:
            ray.init(address=LOCAL, num_cpus=options.local_cpus, **quiet)
        except Exception as exc:
            raise ClusterError(f"cannot start a local Ray runtime: {exc}") from exc
        return ray
    if address != "auto":
        host, port = _host_port(address)
        try:
            socket.create_connection((host, port), timeout=options.connect_timeout_s).close()
        except OSError as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            raise ClusterError(f"cannot reach the Ray cluster at {address} ({reason}); start its head with "
                               f"`ray start --head --port {port}`, or use --ray without an address for a local "
                               "Ray") from None
    with _stderr_captured() as captured:  # Ray's core logs each failed attempt to connect: keep one line
        try:
            ray.init(address=address, **{k: v for k, v in quiet.items() if k != "include_dashboard"})
        except ConnectionError as exc:
            error = exc
        else:
            error = None
    if error is None:
        return ray
    said = f"{error} {error.__cause__ or ''} {captured()}"
    if "Could not find any running Ray instance" in said:
        raise ClusterError("no Ray cluster is running on this machine for --ray auto: start one with "
                           "`ray start --head`, or give --ray HOST:PORT") from None
    if "InvalidAuthToken" in said or "Unauthenticated" in said:
        raise ClusterError(f"the Ray cluster at {address} refused this process's token: it uses token "
                           "authentication; set RAY_AUTH_MODE=token and the cluster's token (RAY_AUTH_TOKEN, or "
                           "the file ~/.ray/auth_token) here as on its nodes") from None
    raise ClusterError(f"cannot join the Ray cluster at {address}: {first_line(error)}") from None


@contextlib.contextmanager
def _stderr_captured() -> Iterator[Callable[[], str]]:
    """File descriptor 2 (where Ray's C++ core logs) goes to a temporary file while inside."""
    text = ""
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no real stderr (embedded, closed): nothing to capture
            yield lambda: ""
            return
        os.dup2(tmp.fileno(), 2)
        try:
            yield lambda: text
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", "replace")
            log.debug("ray.init said: %s", text)


def fitting_actors(ray: Any, options: RayOptions) -> int:
    """How many actors the live nodes hold; ClusterError when not even one fits a node."""
    total = 0
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        res = node.get("Resources", {})
        by_cpu = int(res.get("CPU", 0) // options.cpus_per_actor)
        by_gpu = int(res.get("GPU", 0) // options.gpus_per_actor) if options.gpus_per_actor else by_cpu
        total += min(by_cpu, by_gpu)
    if total == 0:
        gpus = f" and {options.gpus_per_actor:g} GPUs" if options.gpus_per_actor else ""
        raise ClusterError(f"no node of the Ray cluster has {options.cpus_per_actor:g} CPUs{gpus} for an actor "
                           "(lower --ray-cpus-per-actor / --ray-gpus-per-actor, or add nodes)")
    return total


def actor_class(ray: Any, options: RayOptions) -> Any:
    # max_task_retries=0: the driver retries a lost file itself, on whichever actor is free next;
    # max_restarts: a killed actor comes back (reloading its models) and rejoins the pool
    return ray.remote(PrelabelWorker).options(
        num_cpus=options.cpus_per_actor, num_gpus=options.gpus_per_actor,
        max_restarts=max(1, options.max_attempts), max_task_retries=0, scheduling_strategy="SPREAD")

def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), or its type's name."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
