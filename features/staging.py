"""Write a directory next to its destination first, then swap it in at the very end.

Shared by every stage that replaces a whole directory (raw/ from the generator and
the adapters, validated/ and quarantine/ from ingestion).

A failed run therefore leaves validated/ and quarantine/ exactly as they were:
every error is raised while only the staging directories exist, and the swap
itself is two renames per directory on the same filesystem.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(*destinations: Path) -> Iterator[tuple[Path, ...]]:
    """Yield empty staging dirs, one per destination; on success they replace the destinations."""
    stages = tuple(_sibling(d, "staging") for d in destinations)
    for stage in stages:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
    try:
        yield stages
    except BaseException:
        for stage in stages:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    _swap(stages, destinations)


def _swap(stages: tuple[Path, ...], destinations: tuple[Path, ...]) -> None:
    olds = []
    for stage, dest in zip(stages, destinations):
        old = _sibling(dest, "old")
        shutil.rmtree(old, ignore_errors=True)
        if dest.exists():
            os.replace(dest, old)
            olds.append(old)
        os.replace(stage, dest)
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)


def _sibling(path: Path, tag: str) -> Path:
    return path.parent / f".{path.name}.{tag}-{os.getpid()}"
