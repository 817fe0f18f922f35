"""Forecast accuracy metrics the field knows, on plain arrays and on long frames.

Conventions (documented in docs/DEMAND.md):
- WAPE = sum|y - f| / sum|y|: scale free across series, robust to zeros.
- bias = sum(f - y) / sum|y|: positive means over-forecasting.
- MASE = MAE / MAE of the in-sample seasonal naive, per series; reported as mean and
  median over series (the mean is dominated by near-constant series).
- pinball(q) = mean(max(q (y - f), (q - 1)(y - f))); the weighted quantile loss
  (WQL, as in GluonTS / M5 uncertainty) = 2 sum_q sum pinball_q / (n_q sum|y|).
- coverage = share of y with lo <= y <= hi (inclusive: counts are discrete).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def _arrays(y: object, f: object) -> tuple[np.ndarray, np.ndarray]:
    ya, fa = np.asarray(y, dtype=float), np.asarray(f, dtype=float)
    if ya.shape != fa.shape:
        raise ValueError(f"actuals {ya.shape} and forecasts {fa.shape} differ in shape")
    return ya, fa


def wape(y: object, f: object) -> float:
    """Weighted absolute percentage error; NaN when every actual is zero."""
    ya, fa = _arrays(y, f)
    denom = np.abs(ya).sum()
    return float(np.abs(ya - fa).sum() / denom) if denom > 0 else float("nan")


def rmse(y: object, f: object) -> float:
    ya, fa = _arrays(y, f)
    return float(np.sqrt(np.mean((ya - fa) ** 2))) if ya.size else float("nan")


def bias(y: object, f: object) -> float:
    """Signed error relative to the actual volume (over-forecast > 0)."""
    ya, fa = _arrays(y, f)
    denom = np.abs(ya).sum()
    return float((fa - ya).sum() / denom) if denom > 0 else float("nan")


def pinball(y: object, f: object, q: float) -> float:
    """Mean pinball (quantile) loss of forecasts `f` of quantile `q`."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {q}")
    ya, fa = _arrays(y, f)
    diff = ya - fa
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff))) if ya.size else float("nan")


def weighted_quantile_loss(y: object, quantile_forecasts: Mapping[float, object]) -> float:
    """Mean over quantiles of 2 * sum pinball / sum|y| (GluonTS' mean_wQuantileLoss)."""
    ya = np.asarray(y, dtype=float)
    denom = np.abs(ya).sum()
    if denom <= 0 or not quantile_forecasts:
        return float("nan")
    losses = [2.0 * pinball(ya, f, q) * ya.size / denom for q, f in quantile_forecasts.items()]
    return float(np.mean(losses))


def coverage(y: object, lo: object, hi: object) -> float:
    """Share of actuals inside [lo, hi] (bounds included)."""
    ya, la = _arrays(y, lo)
    _, ha = _arrays(y, hi)
    return float(np.mean((ya >= la) & (ya <= ha))) if ya.size else float("nan")


def mase_scale(history: pd.DataFrame, id_cols: Sequence[str], time_col: str, target: str, season: int) -> pd.Series:
    """Per-series MAE of the in-sample seasonal naive (lag `season`), indexed by id columns.

    `history` must be a regular grid per series (zero-filled); series with fewer than
    season + 1 points get NaN and drop out of MASE.
    """
    h = history.sort_values([*id_cols, time_col])
    lagged = h.groupby(list(id_cols), sort=False, observed=True)[target].shift(season)
    err = (h[target] - lagged).abs()
    return err.groupby([h[c] for c in id_cols], observed=True).mean().rename("mase_scale")


def mase(frame: pd.DataFrame, keys: Sequence[str], scales: pd.DataFrame, actual: str = "y", forecast: str = "mean") -> pd.Series:
    """Per-series MASE: MAE over the evaluation window / the series' naive MAE.

    `scales` holds the `keys` and a `mase_scale` column (see `mase_scale`); series
    with a zero or unknown scale are left out.
    """
    err = (frame[actual] - frame[forecast]).abs()
    mae = err.groupby([frame[c] for c in keys], observed=True).mean().rename("mae").reset_index()
    joined = mae.merge(scales, on=list(keys), how="inner")
    joined = joined.loc[joined["mase_scale"] > 0]
    return (joined["mae"] / joined["mase_scale"]).rename("mase")


def point_metrics(y: object, f: object) -> dict[str, float]:
    return {"wape": wape(y, f), "rmse": rmse(y, f), "bias": bias(y, f)}


def quantile_metrics(frame: pd.DataFrame, quantiles: Sequence[float], actual: str = "y") -> dict[str, float]:
    """Pinball per quantile, WQL and the central interval's coverage, from columns q0.1 ..."""
    qs = sorted(quantiles)
    out: dict[str, float] = {}
    preds = {q: frame[quantile_column(q)].to_numpy() for q in qs}
    for q in qs:
        out[f"pinball_{quantile_column(q)}"] = pinball(frame[actual], preds[q], q)
    out["wql"] = weighted_quantile_loss(frame[actual], preds)
    if len(qs) >= 2:
        lo, hi = qs[0], qs[-1]
        out[f"coverage_{round((hi - lo) * 100)}"] = coverage(frame[actual], preds[lo], preds[hi])
    return out


def quantile_column(q: float) -> str:
    """Column name of quantile `q` in forecast frames: 0.1 -> 'q0.1'."""
    return f"q{q:g}"
