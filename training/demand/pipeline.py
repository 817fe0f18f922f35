"""The demand stage end to end: panel -> backtest -> train -> register -> forecast.

Used by the CLI (`omnicast train|backtest|forecast demand`) and the demo. Each
training or backtest is one MLflow run in the `omnicast-demand` experiment.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.settings import Settings
from training.demand import plots, tracking
from training.demand.backtest import BacktestResult, run_backtest
from training.demand.forecaster import DemandForecaster
from training.demand.panel import PanelError, PanelSpec, period_index
from training.demand.retail import RETAIL_SPEC, load_panel, load_truth

log = logging.getLogger(__name__)


class ForecastOutputError(OmnicastError):
    """Where forecasts should go is not a Parquet file we can write."""


def read_panel_file(path: Path, spec: PanelSpec) -> pd.DataFrame:
    """A user's panel from Parquet or CSV, with the time column parsed."""
    path = Path(path)
    if not path.exists():
        raise PanelError(f"panel file {path} does not exist")
    if path.is_dir():
        raise PanelError(f"panel file {path} is a directory; give a .parquet or .csv file")
    if path.suffix not in (".parquet", ".csv", ".gz"):
        raise PanelError(f"panel file {path} must be .parquet or .csv")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # incl. UnicodeDecodeError, ArrowInvalid
        raise PanelError(f"panel file {path} cannot be read as {path.suffix[1:]} ({exc})") from None
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise PanelError(f"{path} lacks column(s) {missing}; it has {list(frame.columns)}")
    try:
        frame[spec.time_col] = pd.to_datetime(frame[spec.time_col])
    except (ValueError, TypeError) as exc:
        raise PanelError(f"{path}: column {spec.time_col!r} does not parse as dates ({exc})") from None
    return frame


def retail_inputs(settings: Settings, via_feast: bool = False) -> tuple[pd.DataFrame, PanelSpec, str, str | None]:
    """(panel, spec, source, truth column) for the synthetic/contract retailer."""
    panel, source = load_panel(settings, via_feast=via_feast)
    truth = load_truth(settings)
    truth_col = None
    if truth is not None:
        panel = panel.merge(truth, on=["location_id", "sku", "date"], how="left")
        truth_col = "expected"
    return panel, RETAIL_SPEC, source, truth_col


def make_forecaster(spec: PanelSpec, settings: Settings, **params: Any) -> DemandForecaster:
    return DemandForecaster(spec, threads=settings.threads, seed=settings.seed, **params)


def _params(model: DemandForecaster, source: str, rows: int) -> dict[str, Any]:
    spec = asdict(model.spec)
    params = {k: v for k, v in model.get_params().items() if k != "spec"}
    return {**params, **{f"panel.{k}": v for k, v in spec.items()}, "panel.source": source, "panel.rows": rows}


def backtest_demand(
    settings: Settings,
    panel: pd.DataFrame,
    spec: PanelSpec,
    source: str,
    folds: int = 3,
    truth_col: str | None = None,
    track_run: bool = True,
    **params: Any,
) -> tuple[BacktestResult, str | None]:
    """Rolling-origin backtest, logged as an MLflow run (metrics, tables, plots)."""
    template = make_forecaster(spec, settings, **params)

    def fit_predict(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        model = make_forecaster(spec, settings, **params).fit(train)
        return model.predict(pd.concat([train, future], ignore_index=True))

    result = run_backtest(fit_predict, panel, spec, template.horizon, folds, template.quantiles, truth_col)
    if not track_run:
        return result, None
    tracking.configure(settings)
    import mlflow

    with mlflow.start_run(run_name=f"backtest-{folds}folds") as run:
        mlflow.set_tag("kind", "backtest")
        mlflow.log_params({**_params(template, source, len(panel)), "folds": folds})
        mlflow.log_metrics({k: v for k, v in result.summary.items() if pd.notna(v)})
        for _, row in result.by_level.iterrows():
            mlflow.log_metrics({f"{row['level']}.wape": row["wape"], f"{row['level']}.rmse": row["rmse"]})
        mlflow.log_metric("fit_predict_seconds_mean", sum(result.fit_seconds) / len(result.fit_seconds))
        tracking.log_frames({"by_level": result.by_level, "by_horizon": result.by_horizon, "by_fold": result.by_fold})
        newest = result.forecasts.loc[result.forecasts["fold"] == 1]
        history = panel.loc[period_index(panel[spec.time_col], spec.freq) <= newest["cutoff"].iloc[0]]
        tracking.log_figures(
            {
                "forecast_vs_actual": plots.forecast_figure(
                    history, newest, spec, plots.sample_series(newest, spec), actual_col="y"
                ),
                "error_by_horizon": plots.horizon_figure(result.by_horizon),
            }
        )
        return result, run.info.run_id


def train_demand(
    settings: Settings,
    panel: pd.DataFrame,
    spec: PanelSpec,
    source: str,
    register: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """Fit on the whole panel and log the run and the registered pyfunc model."""
    import mlflow

    model = make_forecaster(spec, settings, **params).fit(panel)
    tracking.configure(settings)
    with mlflow.start_run(run_name="train") as run:
        mlflow.set_tag("kind", "train")
        mlflow.log_params(_params(model, source, len(panel)))
        mlflow.log_metrics(
            {"fit_seconds": model.fit_seconds_, "train_rows": model.n_train_rows_, "series": model.n_series_}
        )
        importance = model.feature_importance()
        tracking.log_frames({"feature_importance": importance.rename("gain").rename_axis("feature").reset_index()})
        forecast = model.predict()
        tracking.log_figures(
            {
                "feature_importance": plots.importance_figure(importance),
                "forecast": plots.forecast_figure(model.history_, forecast, spec, plots.sample_series(forecast, spec)),
            }
        )
        version = tracking.log_model(model, _signature_sample(model.history_, spec), register=register)
    return {"run_id": run.info.run_id, "version": version, "model": model, "fit_seconds": model.fit_seconds_}


def _signature_sample(history: pd.DataFrame, spec: PanelSpec, n_series: int = 3) -> pd.DataFrame:
    keys = history[list(spec.id_cols)].drop_duplicates().head(n_series)
    return history.merge(keys, on=list(spec.id_cols)).reset_index(drop=True)


def forecast_demand(settings: Settings, panel: pd.DataFrame | None, out: Path) -> dict[str, Any]:
    """Batch forecasts from the champion to Parquet; reads the retailer panel by default."""
    out = Path(out)
    if out.is_dir() or out.suffix != ".parquet":
        raise ForecastOutputError(f"--out {out} must be a .parquet file name (e.g. forecasts.parquet)")
    model = tracking.load_champion(settings)
    if panel is None:
        if model.spec != RETAIL_SPEC:
            raise OmnicastError("the champion was trained on your own panel: pass it with --panel")
        panel, _ = load_panel(settings)
    forecasts = model.predict(panel[model.spec.columns])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    forecasts.to_parquet(out, index=False)
    return {"path": out, "rows": len(forecasts), "series": int(forecasts.groupby(list(model.spec.id_cols)).ngroups),
            "forecasts": forecasts, "model": model, "panel": panel}


def run_demand_stage(settings: Settings, folds: int = 2) -> dict[str, Any]:
    """Demo stage: panel -> backtest -> train -> register (+champion if none) -> forecast + plot."""
    started = time.perf_counter()
    panel, spec, source, truth_col = retail_inputs(settings)
    fast = {"n_estimators": 80, "quantile_estimators": 30}  # demo budget: well under a minute
    result, backtest_run = backtest_demand(settings, panel, spec, source, folds, truth_col, **fast)
    trained = train_demand(settings, panel.drop(columns=[truth_col] if truth_col else []), spec, source, **fast)
    promoted = None
    from mlflow import MlflowClient

    if tracking.champion_version(MlflowClient()) is None and trained["version"]:
        promoted = tracking.promote(settings, trained["version"])["version"]
    reports = settings.paths.reports
    reports.mkdir(parents=True, exist_ok=True)
    fc = forecast_demand(settings, None, settings.paths.demand_forecasts)
    figure = plots.forecast_figure(fc["panel"], fc["forecasts"], spec, plots.sample_series(fc["forecasts"], spec))
    plot_path = reports / "demand_forecast.png"
    figure.savefig(plot_path, dpi=110)
    s = result.summary
    return {
        "panel": source,
        "backtest_run": backtest_run,
        "train_run": trained["run_id"],
        "registered_version": trained["version"],
        "promoted_champion": promoted,
        "forecasts": str(fc["path"]),
        "forecast_plot": str(plot_path),
        "wape": s["wape"],
        "wql": s["wql"],
        "coverage_80": s.get("coverage_80"),
        "truth_wape": s.get("truth_wape"),
        "seconds": time.perf_counter() - started,
    }


def csv_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def resolve_inputs(
    settings: Settings,
    panel_file: Path | None,
    ids: str | None = None,
    time_col: str = "date",
    target: str = "units",
    freq: str = "D",
    static: str | None = None,
    future: str | None = None,
    past: str | None = None,
    censor: str | None = None,
    truth: str | None = None,
    via_feast: bool = False,
) -> tuple[pd.DataFrame, PanelSpec, str, str | None]:
    """(panel, spec, source, truth column): a user's panel file, or the retailer's panel."""
    if panel_file is None:
        return retail_inputs(settings, via_feast)
    if not ids:
        raise PanelError("--id is required with --panel (e.g. --id store_id,sku)")
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
    frame = read_panel_file(panel_file, spec)
    if truth and truth not in frame.columns:
        raise PanelError(f"truth column {truth!r} is not in {panel_file}")
    return frame, spec, str(panel_file), truth or None
