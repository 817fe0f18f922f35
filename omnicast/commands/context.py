"""What every command needs: the settings, console, and turning errors into exit codes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from omnicast.errors import OmnicastError
from omnicast.settings import Settings, load_settings

console = Console(stderr=False)
err_console = Console(stderr=True)
log = logging.getLogger("omnicast")


def get_settings(ctx: typer.Context) -> Settings:
    """Settings built once by the root callback and stored on the Click context."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = load_settings()
    return root.obj


@contextmanager
def user_errors() -> Iterator[None]:
    """Report expected failures in one line and exit non-zero, without a traceback."""
    try:
        yield
    except (OmnicastError, FileNotFoundError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
