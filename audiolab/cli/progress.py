"""Progress bars for long CLI work (rich, on stderr, only when stderr is a terminal)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """Yield a ``(done, total, current_item)`` callback that drives a rich progress bar."""
    if not sys.stderr.isatty():
        yield lambda done, total, item: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[item]}"),
                  console=Console(stderr=True), transient=True) as prog:
        task = prog.add_task(label, total=None, item="")

        def update(done: int, total: int, item: str) -> None:
            prog.update(task, completed=done, total=total, item=item[-60:])

        yield update
