"""The demand stage end to end: panel -> backtest -> train -> register -> forecast.

Used by the CLI (`omnicast train|backtest|forecast demand`) and the demo. Each
training or backtest is one MLflow run in the `omnicast-demand` experiment.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.settings import Settings
from training import registry
from training.demand import tracking
from training.demand.backtest import BacktestResult, fold_cutoffs, run_backtest
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


@dataclass(frozen=True)
class DemandInputs:
    """A panel ready for the forecaster: the frame, its column roles, where it came from,
    and the column holding the true expected demand when it is known (synthetic data)."""

    panel: pd.DataFrame
    spec: PanelSpec
    source: str
    truth_col: str | None = None

    def without_truth(self) -> pd.DataFrame:
        """The panel as a model may see it in training (the truth column dropped)."""
        return self.panel.drop(columns=[self.truth_col]) if self.truth_col else self.panel


@dataclass(frozen=True)
class BacktestRun:
    """A backtest and the MLflow run it was logged as (None when not tracked)."""

    result: BacktestResult
    run_id: str | None


@dataclass(frozen=True)
class TrainedDemand:
    """A fitted forecaster, its MLflow run and its registered version (None if not registered)."""

    model: DemandForecaster
    run_id: str
    model_uri: str
    version: str | None

    @property
    def fit_seconds(self) -> float:
        return float(self.model.fit_seconds_)


@dataclass(frozen=True)
class DemandForecast:
    """Batch forecasts written to `path`, with the frame, the model and the panel they came from."""

    path: Path
    forecasts: pd.DataFrame
    model: DemandForecaster
    panel: pd.DataFrame

    @property
    def rows(self) -> int:
        return len(self.forecasts)

    @property
    def series(self) -> int:
        return int(self.forecasts.groupby(list(self.model.spec.id_cols), observed=True).ngroups)


@dataclass(frozen=True)
class DemandStageResult:
    """What the demo's demand stage did: runs, registered and promoted versions, files, headline scores."""

    panel_source: str
    backtest_run: str | None
    train_run: str
    registered_version: str | None
    promoted_champion: str | None
    forecasts: Path
    forecast_plot: Path
    wape: float
    wql: float
    coverage_80: float | None
    truth_wape: float | None
    seconds: float


def retail_inputs(settings: Settings, via_feast: bool = False) -> DemandInputs:
    """The synthetic/contract retailer's panel, with the true expected demand when the generator left it."""
    panel, source = load_panel(settings, via_feast=via_feast)
    truth = load_truth(settings)
    truth_col = None
    if truth is not None:
        panel = panel.merge(truth, on=["location_id", "sku", "date"], how="left")
        truth_col = "expected"
    return DemandInputs(panel, RETAIL_SPEC, source, truth_col)


def panel_inputs(path: Path, spec: PanelSpec, truth_col: str | None = None) -> DemandInputs:
    """A user's long panel file described by `spec` (and optionally a truth column in it)."""
    frame = read_panel_file(path, spec)
    if truth_col and truth_col not in frame.columns:
        raise PanelError(f"truth column {truth_col!r} is not in {path}; it has {list(frame.columns)}")
    return DemandInputs(frame, spec, str(path), truth_col or None)


def make_forecaster(spec: PanelSpec, settings: Settings, **params: Any) -> DemandForecaster:
    return DemandForecaster(spec, threads=settings.threads, seed=settings.seed, **params)


def _params(model: DemandForecaster, source: str, rows: int) -> dict[str, Any]:
    spec = asdict(model.spec)
    params = {k: v for k, v in model.get_params().items() if k != "spec"}
    return {**params, **{f"panel.{k}": v for k, v in spec.items()}, "panel.source": source, "panel.rows": rows}


def backtest_demand(
    settings: Settings,
    inputs: DemandInputs,
    folds: int = 3,
    track_run: bool = True,
    **params: Any,
) -> BacktestRun:
    """Rolling-origin backtest, logged as an MLflow run (metrics, tables, plots).

    The model options and the fold layout are checked before any fold is fitted.
    """
    panel, spec = inputs.panel, inputs.spec
    template = make_forecaster(spec, settings, **params)
    template.check_params()
    spec.check(panel)
    fold_cutoffs(panel, spec, template.horizon, folds)

    def fit_predict(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        model = make_forecaster(spec, settings, **params).fit(train)
        return model.predict(pd.concat([train, future], ignore_index=True))

    result = run_backtest(fit_predict, panel, spec, template.horizon, folds, template.quantiles, inputs.truth_col)
    if not track_run:
        return BacktestRun(result, None)
    import mlflow

    from training.demand import plots

    tracking.configure(settings)
    with mlflow.start_run(run_name=f"backtest-{folds}folds") as run:
        mlflow.set_tag("kind", "backtest")
        mlflow.log_params({**_params(template, inputs.source, len(panel)), "folds": folds})
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
        return BacktestRun(result, run.info.run_id)


def train_demand(
    settings: Settings,
    panel: pd.DataFrame,
    spec: PanelSpec,
    source: str,
    register: bool = True,
    **params: Any,
) -> TrainedDemand:
    """Fit on the whole panel and log the run and the (registered) portable pyfunc model."""
    import mlflow

    from training.demand import plots

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
        logged = tracking.log_model(model, _signature_sample(model.history_, spec), register=register)
    return TrainedDemand(model=model, run_id=run.info.run_id, model_uri=logged.model_uri, version=logged.version)


def _signature_sample(history: pd.DataFrame, spec: PanelSpec, n_series: int = 3) -> pd.DataFrame:
    """A few series of the panel, with exactly the columns the model reads: its input schema."""
    keys = history[list(spec.id_cols)].drop_duplicates().head(n_series)
    return history[spec.columns].merge(keys, on=list(spec.id_cols)).reset_index(drop=True)


def check_forecast_output(out: Path) -> Path:
    """Forecasts are written as one Parquet file: refuse a folder or another extension up front."""
    out = Path(out)
    if out.is_dir() or out.suffix != ".parquet":
        raise ForecastOutputError(f"forecasts are written as Parquet: {out} must be a .parquet file name (e.g. forecasts.parquet)")
    return out


def forecast_demand(
    settings: Settings, panel: pd.DataFrame | None, out: Path, model: DemandForecaster | None = None
) -> DemandForecast:
    """Batch forecasts to Parquet from `model` (default: the champion); reads the retailer panel by default."""
    out = check_forecast_output(out)
    model = model or tracking.load_champion(settings)
    if panel is None:
        if model.spec != RETAIL_SPEC:
            raise PanelError(
                f"the champion was trained on another panel (ids {', '.join(model.spec.id_cols)}, "
                f"time {model.spec.time_col!r}), not the retailer's store x SKU panel: forecasting needs that panel"
            )
        panel, _ = load_panel(settings)
    forecasts = model.predict(panel[model.spec.columns])
    out.parent.mkdir(parents=True, exist_ok=True)
    forecasts.to_parquet(out, index=False)
    return DemandForecast(path=out, forecasts=forecasts, model=model, panel=panel)


def run_demand_stage(settings: Settings, folds: int = 2) -> DemandStageResult:
    """Demo stage: panel -> backtest -> train -> register (+champion if none) -> forecast + plot."""
    from training.demand import plots

    started = time.perf_counter()
    inputs = retail_inputs(settings)
    fast: dict[str, Any] = {"n_estimators": 80, "quantile_estimators": 30}  # demo budget: well under a minute
    backtest = backtest_demand(settings, inputs, folds, **fast)
    trained = train_demand(settings, inputs.without_truth(), inputs.spec, inputs.source, **fast)
    promoted = None
    if registry.alias_version(settings, tracking.MODEL_NAME) is None and trained.version:
        promoted = registry.promote(settings, tracking.MODEL_NAME, trained.version).version
    fc = forecast_demand(settings, None, settings.paths.demand_forecasts)
    figure = plots.forecast_figure(fc.panel, fc.forecasts, inputs.spec, plots.sample_series(fc.forecasts, inputs.spec))
    plot_path = settings.paths.demand_forecast_plot
    plot_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(plot_path, dpi=110)
    summary = backtest.result.summary
    return DemandStageResult(
        panel_source=inputs.source,
        backtest_run=backtest.run_id,
        train_run=trained.run_id,
        registered_version=trained.version,
        promoted_champion=promoted,
        forecasts=fc.path,
        forecast_plot=plot_path,
        wape=summary["wape"],
        wql=summary["wql"],
        coverage_80=summary.get("coverage_80"),
        truth_wape=summary.get("truth_wape"),
        seconds=time.perf_counter() - started,
    )
