"""`omnicast train ...`: fit models on the whole history, tracked and registered in MLflow."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.commands.options import OptionError, csv_list
from omnicast.progress import progress_bars

if TYPE_CHECKING:
    from omnicast.settings import Settings
    from training.demand.pipeline import DemandInputs

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


def model_params(horizon: int | None, objective: str | None = None, strategy: str | None = None) -> dict[str, Any]:
    given = {"horizon": horizon, "objective": objective, "strategy": strategy}
    return {k: v for k, v in given.items() if v is not None}


def demand_inputs(
    settings: Settings,
    panel: Path | None,
    ids: str | None,
    time_col: str,
    target: str,
    freq: str,
    static: str | None,
    future: str | None,
    past: str | None,
    censor: str | None,
    truth: str | None = None,
    via_feast: bool = False,
) -> DemandInputs:
    """The panel the options describe: a user's file (--panel with --id ...) or the retailer's."""
    from training.demand.panel import PanelSpec
    from training.demand.pipeline import panel_inputs, retail_inputs

    if panel is None:
        return retail_inputs(settings, via_feast)
    if not csv_list(ids):
        raise OptionError("--id is required with --panel (e.g. --id store_id,sku)")
    spec = PanelSpec(
        id_cols=csv_list(ids),
        time_col=time_col,
        target_col=target,
        freq=freq,
        static_cols=csv_list(static),
        future_cols=csv_list(future),
        past_cols=csv_list(past),
        censor_col=censor or None,
    )
    return panel_inputs(panel, spec, truth)


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
    from training.demand.pipeline import train_demand

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        inputs = demand_inputs(settings, panel, ids, time_col, target, freq, static, future, past, censor, via_feast=feast)
        out = train_demand(
            settings, inputs.without_truth(), inputs.spec, inputs.source, register=register,
            **model_params(horizon, objective, strategy),
        )
    console.print(
        f"trained on {out.model.n_train_rows_:,} rows of {out.model.n_series_:,} series from {inputs.source} "
        f"in {out.fit_seconds:.1f}s; MLflow run {out.run_id}"
    )
    if out.version:
        console.print(
            f"registered omnicast-demand version {out.version}; promote it with "
            f"`omnicast models promote omnicast-demand {out.version}`"
        )
