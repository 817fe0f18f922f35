"""`omnicast forecast ...`: batch forecasts from the champion model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.progress import progress_bars

app = typer.Typer(help="Batch forecasts from the champion models.", no_args_is_help=True)


@app.command("demand")
def demand(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write.")] = Path("forecasts.parquet"),
    panel: Annotated[
        Path | None,
        typer.Option("--panel", help="The panel the champion was trained on (default: the retailer's panel)."),
    ] = None,
) -> None:
    """Forecast every active series for the champion's horizon: mean and quantiles per period."""
    from training.demand.pipeline import forecast_demand, read_panel_file
    from training.demand.tracking import load_champion

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        frame = read_panel_file(panel, load_champion(settings).spec) if panel is not None else None
        result = forecast_demand(settings, frame, out)
    console.print(f"wrote {result['rows']:,} forecasts for {result['series']:,} series to {result['path']}")
