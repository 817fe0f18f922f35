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
_active: ContextVar[Progress | None] = ContextVar("omnicast_progress", default=None)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[None]:
    """Show bars for every `track()` call made inside this block."""
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bars = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    token = _active.set(bars)
    try:
        with bars:
            yield
    finally:
        _active.reset(token)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over `items`, advancing a bar when one is active."""
    bars = _active.get()
    if bars is None:
        yield from items
        return
    if total is None and isinstance(items, Sequence):
        total = len(items)
    task = bars.add_task(description, total=total)
    for item in items:
        yield item
        bars.advance(task)
    bars.update(task, completed=bars.tasks[task].completed, total=bars.tasks[task].completed)
