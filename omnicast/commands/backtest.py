"""`omnicast backtest ...`: rolling-origin evaluation, logged to MLflow."""

from __future__ import annotations

from typing import Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.commands.train import (
    Censor,
    Freq,
    Future,
    Horizon,
    Ids,
    PanelFile,
    Past,
    Static,
    Target,
    TimeCol,
    ViaFeast,
    demand_inputs,
    model_params,
)
from omnicast.progress import progress_bars

app = typer.Typer(help="Rolling-origin backtests of models.", no_args_is_help=True)


@app.command("demand")
def demand(
    ctx: typer.Context,
    folds: Annotated[int, typer.Option("--folds", help="Number of rolling origins (newest first).")] = 3,
    panel: PanelFile = None,
    ids: Ids = None,
    time_col: TimeCol = "date",
    target: Target = "units",
    freq: Freq = "D",
    static: Static = None,
    future: Future = None,
    past: Past = None,
    censor: Censor = None,
    horizon: Horizon = None,
    feast: ViaFeast = False,
    truth: Annotated[str | None, typer.Option(help="Column with the true expected demand, if known.")] = None,
    objective: Annotated[str | None, typer.Option(help="tweedie (default), poisson or l2.")] = None,
    strategy: Annotated[str | None, typer.Option(help="direct (default) or lagH.")] = None,
) -> None:
    """Backtest the demand forecaster: WAPE, RMSE, MASE, bias, pinball/WQL, coverage by level."""
    from training.demand.pipeline import backtest_demand

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        inputs = demand_inputs(settings, panel, ids, time_col, target, freq, static, future, past, censor, truth, feast)
        run = backtest_demand(settings, inputs, folds, **model_params(horizon, objective, strategy))
    result = run.result
    from rich.table import Table

    summary = Table(title=f"backtest, {folds} folds", caption=f"panel: {inputs.source}")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    for key, value in result.summary.items():
        is_count = key in ("rows", "rows_without_forecast", "censored_rows_left_out")
        summary.add_row(key, f"{value:,.0f}" if is_count else f"{value:.4f}")
    console.print(summary)
    levels = Table(title="by aggregation level")
    for col in result.by_level.columns:
        levels.add_column(col, justify="left" if col == "level" else "right")
    for row in result.by_level.itertuples(index=False):
        levels.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row])
    console.print(levels)
    console.print(f"MLflow run {run.run_id}")
