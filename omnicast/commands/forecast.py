"""`omnicast forecast ...`: batch forecasts from the champion model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.commands.options import OptionError
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
    from training.demand.pipeline import check_forecast_output, forecast_demand, read_panel_file
    from training.demand.retail import RETAIL_SPEC
    from training.demand.tracking import load_champion

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        check_forecast_output(out)
        model = load_champion(settings)
        if panel is None and model.spec != RETAIL_SPEC:
            raise OptionError(
                f"the champion was trained on your own panel (ids {', '.join(model.spec.id_cols)}): pass it with --panel"
            )
        frame = read_panel_file(panel, model.spec) if panel is not None else None
        result = forecast_demand(settings, frame, out, model=model)
    console.print(f"wrote {result.rows:,} forecasts for {result.series:,} series to {result.path}")
