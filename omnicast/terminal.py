"""Consoles for the CLI and its logs: wrap for a person, never for a pipe.

Rich wraps at the terminal width (or `COLUMNS`, or 80). A path or an error
message cut in the middle cannot be copied, and output read by a program (a
script, a test runner) must not depend on somebody's terminal. So prose is
printed with soft wrap, and a console that is not a terminal gets a width no
table reaches, so tables are never folded either.
"""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

PIPE_WIDTH = 1000


class CliConsole(Console):
    """A rich console that soft-wraps and is effectively unbounded when piped."""

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, soft_wrap=True)

    @property
    def size(self) -> ConsoleDimensions:
        dims = super().size
        if self.is_terminal:
            return dims
        return ConsoleDimensions(max(dims.width, PIPE_WIDTH), dims.height)


console = CliConsole()
err_console = CliConsole(stderr=True)
