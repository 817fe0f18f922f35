"""Rolling-origin backtests that cannot leak, and their evaluation at several levels.

Fold k (k = 1..K, newest first) has cutoff c_k = last period - H - (k - 1) * H:
the model is fitted on rows with time <= c_k only, and forecasts (c_k, c_k + H].
Origins step by the horizon, so test windows never overlap. The forecaster gets
the test window's known-future columns (price, promotion, static columns) with
the target, censor flag and past-only columns blanked, so it cannot see what it
is asked to forecast.

Evaluation leaves out censored (stock-out) periods, where sales understate
demand; the count of left-out rows is reported. Every other test row is scored;
a series a model could not forecast (born inside the test window) counts as a
forecast of 0 for every method alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.progress import track
from training.demand import metrics as M
from training.demand.panel import PanelSpec, period_index, regularise

Model = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]


class BacktestError(OmnicastError):
    """The panel is too short for the requested folds and horizon."""


@dataclass
class BacktestResult:
    """Everything a backtest produced: raw forecasts and metric tables."""

    forecasts: pd.DataFrame  # fold, ids, time, h, y, mean, q..., [truth], [censored]
    summary: dict[str, float]
    by_level: pd.DataFrame  # one row per aggregation level
    by_horizon: pd.DataFrame
    by_fold: pd.DataFrame
    fit_seconds: list[float] = field(default_factory=list)


def fold_cutoffs(panel: pd.DataFrame, spec: PanelSpec, horizon: int, folds: int) -> list[int]:
    """Cutoff periods, newest first; raises if the history is too short."""
    if folds < 1:
        raise BacktestError(f"folds must be >= 1, got {folds}")
    t = period_index(panel[spec.time_col], spec.freq)
    first, last = int(t.min()), int(t.max())
    cutoffs = [last - horizon * k for k in range(1, folds + 1)]
    if cutoffs[-1] - first < 2 * horizon:
        raise BacktestError(
            f"{folds} folds of horizon {horizon} need more than {(folds + 2) * horizon} periods of history; "
            f"the panel spans {last - first + 1}"
        )
    return cutoffs


def split_fold(grid: pd.DataFrame, spec: PanelSpec, cutoff: int, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(training rows, blanked future rows for the model, actual test rows)."""
    t = grid["_t"]
    train = grid.loc[t <= cutoff, spec.columns]
    test = grid.loc[(t > cutoff) & (t <= cutoff + horizon)]
    blank = test[[*spec.id_cols, spec.time_col, *spec.static_cols, *spec.future_cols]].copy()
    blank[spec.target_col] = np.nan
    for col in spec.past_cols:
        blank[col] = np.nan
    if spec.censor_col:
        blank[spec.censor_col] = False
    return train, blank[spec.columns], test


def run_backtest(
    fit_predict: Model,
    panel: pd.DataFrame,
    spec: PanelSpec,
    horizon: int,
    folds: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    truth_col: str | None = None,
    levels: dict[str, list[str]] | None = None,
) -> BacktestResult:
    """Backtest `fit_predict(train, future) -> forecasts` over rolling origins."""
    extra = [truth_col] if truth_col else []
    grid = regularise(panel, spec)
    if truth_col:
        truth = panel.assign(_t=period_index(panel[spec.time_col], spec.freq))[[*spec.id_cols, "_t", truth_col]]
        grid = grid.merge(truth, on=[*spec.id_cols, "_t"], how="left")
    parts, fit_seconds = [], []
    for k, cutoff in enumerate(track(fold_cutoffs(panel, spec, horizon, folds), "backtest folds"), start=1):
        train, future, test = split_fold(grid, spec, cutoff, horizon)
        started = time.perf_counter()
        fc = fit_predict(train, future)
        fit_seconds.append(time.perf_counter() - started)
        keep = [*spec.id_cols, spec.time_col, spec.target_col, "_t", *spec.static_cols, *extra]
        keep += [spec.censor_col] if spec.censor_col else []
        fc = fc.drop(columns=[c for c in spec.static_cols if c in fc.columns])
        # every test row is scored: a series the model could not forecast (no history
        # at the cutoff) counts as a forecast of 0, so all methods share the same rows
        joined = test[keep].merge(fc, on=[*spec.id_cols, spec.time_col], how="left")
        joined["unforecast"] = joined["mean"].isna()
        fill = [c for c in fc.columns if c == "mean" or c.startswith("q")]
        joined[fill] = joined[fill].fillna(0.0)
        joined["h"] = (joined["_t"] - cutoff).astype(int)
        joined["fold"] = k
        joined["cutoff"] = cutoff
        parts.append(joined)
    forecasts = pd.concat(parts, ignore_index=True).rename(columns={spec.target_col: "y"})
    if spec.censor_col:
        forecasts = forecasts.rename(columns={spec.censor_col: "censored"})
    scale = _mase_scales(grid, spec, forecasts)
    return evaluate(forecasts, spec, quantiles, scale, truth_col, levels, fit_seconds)


def _mase_scales(grid: pd.DataFrame, spec: PanelSpec, forecasts: pd.DataFrame) -> pd.DataFrame:
    """MASE denominators per fold and series, from the history before each cutoff."""
    season = spec.season if spec.freq == "D" else 1
    out = []
    cutoffs = forecasts.groupby("fold")["cutoff"].first()
    for k, cutoff in zip(cutoffs.index.to_numpy(int), cutoffs.to_numpy(int)):
        hist = grid.loc[grid["_t"] <= cutoff]
        s = M.mase_scale(hist, spec.id_cols, "_t", spec.target_col, season).reset_index()
        out.append(s.assign(fold=int(k)))
    return pd.concat(out, ignore_index=True)


def default_levels(spec: PanelSpec) -> dict[str, list[str]]:
    """total, each id column alone, each static column, and the series itself."""
    levels: dict[str, list[str]] = {"total": []}
    if len(spec.id_cols) > 1:
        levels.update({c: [c] for c in spec.id_cols[:-1]})
    levels.update({c: [c] for c in spec.static_cols})
    levels["series"] = list(spec.id_cols)
    return levels


def evaluate(
    forecasts: pd.DataFrame,
    spec: PanelSpec,
    quantiles: Sequence[float],
    mase_scales: pd.DataFrame,
    truth_col: str | None = None,
    levels: dict[str, list[str]] | None = None,
    fit_seconds: list[float] | None = None,
) -> BacktestResult:
    """Metric tables from backtest forecasts (columns y, mean, q..., fold, h)."""
    fc = forecasts
    if "censored" in fc:
        fc = fc.loc[~fc["censored"].astype(bool)]
    if fc.empty:
        raise BacktestError("no uncensored test rows to evaluate")
    summary = {**M.point_metrics(fc["y"], fc["mean"]), **M.quantile_metrics(fc, quantiles)}
    if "q0.5" in fc:  # WAPE is minimised by the median, RMSE by the mean: report both
        summary["wape_median"] = M.wape(fc["y"], fc["q0.5"])
    mase = M.mase(fc, [*spec.id_cols, "fold"], mase_scales)
    summary["mase_mean"], summary["mase_median"] = float(mase.mean()), float(mase.median())
    summary["rows"] = float(len(fc))
    if "unforecast" in fc:
        summary["rows_without_forecast"] = float(fc["unforecast"].sum())
    summary["censored_rows_left_out"] = float(len(forecasts) - len(fc))
    if truth_col:
        known = fc.loc[fc[truth_col].notna()]
        summary["truth_wape"] = M.wape(known["y"], known[truth_col])
        summary["truth_rmse"] = M.rmse(known["y"], known[truth_col])
        summary["wape_on_truth_rows"] = M.wape(known["y"], known["mean"])
        summary["wape_vs_truth"] = M.wape(known[truth_col], known["mean"])
        summary["gap_to_truth_wape"] = summary["wape_on_truth_rows"] - summary["truth_wape"]
    rows = []
    for name, cols in (levels or default_levels(spec)).items():
        agg = fc.groupby([*cols, spec.time_col, "fold"], observed=True)[["y", "mean"]].sum()
        rows.append({"level": name, "groups": int(agg.groupby(level=list(range(len(cols)))).ngroups) if cols else 1, **M.point_metrics(agg["y"], agg["mean"])})
    by_level = pd.DataFrame(rows)
    by_horizon = pd.DataFrame(
        [{"h": h, **M.point_metrics(g["y"], g["mean"]), **M.quantile_metrics(g, quantiles)} for h, g in fc.groupby("h")]
    )
    by_fold = pd.DataFrame(
        [{"fold": k, **M.point_metrics(g["y"], g["mean"]), **M.quantile_metrics(g, quantiles)} for k, g in fc.groupby("fold")]
    )
    return BacktestResult(forecasts, summary, by_level, by_horizon, by_fold, list(fit_seconds or []))
