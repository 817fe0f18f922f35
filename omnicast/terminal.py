"""Consoles for the CLI and its logs: wrap for a person, never for a pipe.

Rich wraps at the terminal width (or `COLUMNS`, or 80). A path or an error
message cut in the middle cannot be copied, and output read by a program (a
script, a test runner) must not depend on somebody's terminal. So prose is
printed with soft wrap, and a console that is not a terminal gets a width no
table reaches, so tables are never folded either.

`console` and `err_console` are built on first use: importing this module (as
every command module does) does not import rich, so `omnicast --help` stays fast.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

PIPE_WIDTH = 1000


@cache
def _console_type() -> type[Console]:
    from rich.console import Console, ConsoleDimensions

    class CliConsole(Console):
        """Terminal width on a terminal; `PIPE_WIDTH` at least when piped."""

        @property
        def size(self) -> ConsoleDimensions:
            dims: ConsoleDimensions = Console.size.fget(self)  # type: ignore[attr-defined]
            if self.is_terminal:
                return dims
            return ConsoleDimensions(max(dims.width, PIPE_WIDTH), dims.height)

        @size.setter
        def size(self, new_size: tuple[int, int]) -> None:
            Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    return CliConsole


def cli_console(*, stderr: bool = False) -> Console:
    """A rich console that soft-wraps and is effectively unbounded when piped."""
    return _console_type()(stderr=stderr, soft_wrap=True)


class LazyConsole:
    """Stands for a `cli_console()`, created when first used."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def real(self) -> Console:
        if self._console is None:
            self._console = cli_console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


console = LazyConsole()
err_console = LazyConsole(stderr=True)
