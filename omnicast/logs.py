"""Standard-library logging set-up shared by the CLI and services."""

from __future__ import annotations

import logging
import sys

from omnicast.terminal import cli_console

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (test runners and redirections swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:  # StreamHandler.__init__ assigns it; the property wins
        pass


def configure_logging(level: str = "INFO") -> None:
    """Route all loggers to stderr, quieting chatty libraries.

    On a terminal through rich (colours, soft-wrapped); into a pipe or a file as plain
    lines, since rich lays a record out to the console's width and a pipe has none.
    """
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(console=cli_console(stderr=True), show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s", datefmt="[%X]"))
    else:
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%H:%M:%S"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("alembic", "urllib3", "git", "numba", "matplotlib", "feast", "mlflow"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
