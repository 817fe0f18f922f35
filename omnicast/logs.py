"""Standard-library logging set-up shared by the CLI and services."""

from __future__ import annotations

import logging

from omnicast.terminal import cli_console


def configure_logging(level: str = "INFO") -> None:
    """Route all loggers through one rich handler on stderr; quiet chatty libraries."""
    from rich.logging import RichHandler

    logging.basicConfig(
        level=level,
        format="%(name)s: %(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=cli_console(stderr=True), show_path=False, rich_tracebacks=False)],
        force=True,
    )
    for noisy in ("alembic", "urllib3", "git", "numba", "matplotlib", "feast", "mlflow"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
