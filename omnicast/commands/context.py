"""What every command needs: the settings, console, and turning errors into exit codes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from omnicast.errors import OmnicastError
from omnicast.terminal import console, err_console

if TYPE_CHECKING:
    from omnicast.settings import Settings

__all__ = ["console", "err_console", "get_settings", "user_errors"]
log = logging.getLogger("omnicast")


@dataclass(frozen=True)
class SettingsOverrides:
    """Global CLI options that override settings (None = not given)."""

    home: Path | None = None
    log_level: str | None = None


def get_settings(ctx: typer.Context) -> Settings:
    """Load settings once per invocation (with the global options) and set up logging.

    A bad setting ends the command with exit code 2 and one message naming it.
    Settings (pydantic) and logging load here, not at import, so `--help` needs neither.
    """
    from omnicast.logs import configure_logging
    from omnicast.settings import Settings, load_settings

    root = ctx.find_root()
    if isinstance(root.obj, Settings):
        return root.obj
    given = root.obj if isinstance(root.obj, SettingsOverrides) else SettingsOverrides()
    overrides = {k: v for k, v in vars(given).items() if v is not None}
    with user_errors():
        settings = load_settings(**overrides)
    configure_logging(settings.log_level)
    root.obj = settings
    return settings


@contextmanager
def user_errors() -> Iterator[None]:
    """Report expected failures in one line and exit non-zero, without a traceback."""
    try:
        yield
    except OmnicastError as exc:
        from rich.markup import escape

        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(code=2) from None
