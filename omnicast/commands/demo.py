"""`omnicast demo`: the main job, every stage that exists, on the embedded default."""

from __future__ import annotations

from typing import Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.progress import progress_bars


def demo(
    ctx: typer.Context,
    size: Annotated[str, typer.Option(help="Synthetic retailer preset (demo, small, ...).")] = "demo",
    bad_row_rate: Annotated[float, typer.Option(help="Share of injected faulty rows.")] = 0.01,
) -> None:
    """Run the main job end to end on a synthetic retailer and say where everything is."""
    settings = get_settings(ctx)
    from omnicast.pipeline import DemoOptions, run_demo

    with user_errors(), progress_bars():
        summary = run_demo(settings, DemoOptions(size=size, bad_row_rate=bad_row_rate))
    from rich.markup import escape
    from rich.panel import Panel

    lines = [f"[bold]{escape(line.what)}[/]: {escape(line.text)}" for line in summary.lines]
    console.print(Panel("\n".join(lines), title="omnicast demo: done", expand=False))
