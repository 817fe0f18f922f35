"""Progress bars that domain code can report to without knowing about the CLI.

The CLI opens `progress_bars()`; inside it, `track()` shows a rich bar. Outside
(tests, library use) `track()` is a plain pass-through, so domain code can
always call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress

T = TypeVar("T")


class _Bars:
    """The bars of one `progress_bars()` block; the display starts with the first `track()`,
    so a command that fails early (or never loops) prints no empty progress area."""

    def __init__(self) -> None:
        self.progress: Progress | None = None

    def started(self) -> Progress:
        if self.progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=False,
            )
            self.progress.start()
        return self.progress

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


_active: ContextVar[_Bars | None] = ContextVar("omnicast_progress", default=None)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[None]:
    """Show bars for every `track()` call made inside this block."""
    if not enabled:
        yield
        return
    bars = _Bars()
    token = _active.set(bars)
    try:
        yield
    finally:
        bars.stop()
        _active.reset(token)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over `items`, advancing a bar when one is active."""
    active = _active.get()
    if active is None:
        yield from items
        return
    bars = active.started()
    if total is None and isinstance(items, Sequence):
        total = len(items)
    task = bars.add_task(description, total=total)
    for item in items:
        yield item
        bars.advance(task)
    bars.update(task, completed=bars.tasks[task].completed, total=bars.tasks[task].completed)
