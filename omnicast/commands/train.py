"""`omnicast train ...`: fit models on the whole history, tracked and registered in MLflow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.progress import progress_bars

app = typer.Typer(help="Train LightGBM models, tracked in MLflow.", no_args_is_help=True)

# Options shared by train / backtest / forecast demand: describe a user's long panel.
PanelFile = Annotated[
    Path | None,
    typer.Option("--panel", help="Long-format panel (.parquet/.csv); default: the retailer's store x SKU panel."),
]
Ids = Annotated[str | None, typer.Option("--id", help="Comma-separated id columns, e.g. store_id,sku.")]
TimeCol = Annotated[str, typer.Option("--time", help="Timestamp column.")]
Target = Annotated[str, typer.Option("--target", help="Target (units) column.")]
Freq = Annotated[str, typer.Option("--freq", help="D (daily), W (weekly) or M (monthly).")]
Static = Annotated[str | None, typer.Option("--static", help="Comma-separated static columns (category, ...).")]
Future = Annotated[str | None, typer.Option("--future", help="Known-future columns (price, promo, events).")]
Past = Annotated[str | None, typer.Option("--past", help="Past-only columns (e.g. on_hand).")]
Censor = Annotated[str | None, typer.Option("--censor", help="Boolean stock-out column: sales are censored.")]
Horizon = Annotated[int | None, typer.Option("--horizon", help="Periods ahead (default 28).")]
ViaFeast = Annotated[
    bool, typer.Option("--feast/--no-feast", help="Read the retailer panel through Feast's offline store (slow).")
]


def model_params(horizon: int | None, objective: str | None = None, strategy: str | None = None) -> dict:
    given = {"horizon": horizon, "objective": objective, "strategy": strategy}
    return {k: v for k, v in given.items() if v is not None}


@app.command("demand")
def demand(
    ctx: typer.Context,
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
    objective: Annotated[str | None, typer.Option(help="tweedie (default), poisson or l2.")] = None,
    strategy: Annotated[str | None, typer.Option(help="direct (default) or lagH.")] = None,
    register: Annotated[bool, typer.Option(help="Register the model as omnicast-demand.")] = True,
) -> None:
    """Fit the global demand forecaster on the whole panel; log and register it in MLflow."""
    from training.demand.pipeline import resolve_inputs, train_demand

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        frame, spec, source, truth = resolve_inputs(
            settings, panel, ids, time_col, target, freq, static, future, past, censor, via_feast=feast
        )
        if truth:
            frame = frame.drop(columns=[truth])
        out = train_demand(settings, frame, spec, source, register=register, **model_params(horizon, objective, strategy))
    model = out["model"]
    console.print(
        f"trained on {model.n_train_rows_:,} rows of {model.n_series_:,} series from {source} "
        f"in {out['fit_seconds']:.1f}s; MLflow run {out['run_id']}"
    )
    if out["version"]:
        console.print(
            f"registered omnicast-demand version {out['version']}; promote it with "
            f"`omnicast models promote omnicast-demand {out['version']}`"
        )
