"""Horizon-aware features for a direct multi-horizon model, fully vectorised.

Every training or forecast row is a (target period d, horizon h) pair whose
*origin* is o = d - h: the last period whose target may be used. Every feature
that looks at the target (levels, lags, seasonal lags, intermittency, stock-outs)
is computed from periods <= o only, so the same code serves training (h sampled
at random per row) and forecasting (o = the forecast cutoff) and cannot leak.

Censored periods (stock-outs) are treated as missing in the target history: a
day with no stock is not a day with no demand.

The grid must be `panel.regularise` output: sorted by series then period, one
row per period; feature lookups are index arithmetic on flat numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.demand.panel import PanelSpec

# frequency -> (level windows, seasonal-lag count, yearly lag); windows in periods
WINDOWS = {"D": (7, 28, 91), "W": (4, 13, 26), "M": (3, 6, 12)}
SEASONAL_LAGS = {"D": 4, "W": 0, "M": 0}
YEARLY_LAG = {"D": 364, "W": 52, "M": 12}


@dataclass
class GridArrays:
    """Flat arrays of a regularised grid that feature lookups index into."""

    start: np.ndarray  # index of each row's series' first row
    y: np.ndarray  # target history with censored / unknown periods as NaN
    csum: np.ndarray  # per-series sums of the periods before each row (see series_prefix)
    csq: np.ndarray
    ccnt: np.ndarray
    czero: np.ndarray
    ccens: np.ndarray
    last_sale: np.ndarray  # index of the latest period with y > 0 (or -1)

    @classmethod
    def build(cls, sid: np.ndarray, y_known: np.ndarray, censored: np.ndarray) -> GridArrays:
        n = len(sid)
        idx = np.arange(n)
        first = np.r_[True, sid[1:] != sid[:-1]] if n else np.zeros(0, bool)
        start = np.maximum.accumulate(np.where(first, idx, 0)) if n else idx
        known = ~np.isnan(y_known)
        y0 = np.where(known, y_known, 0.0)
        last = np.maximum.accumulate(np.where(known & (y0 > 0), idx, -1)) if n else idx

        def cum(a: np.ndarray) -> np.ndarray:
            return series_prefix(sid, a)

        return cls(
            start=start,
            y=y_known,
            csum=cum(y0),
            csq=cum(y0 * y0),
            ccnt=cum(known),
            czero=cum(known & (y0 == 0)),
            ccens=cum(censored),
            last_sale=last,
        )

    def window(
        self, origin: np.ndarray, start: np.ndarray, w: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sums over the `w` periods ending at `origin`, clipped at the series `start`.

        Needs origin < the target row of the same series (h >= 1), so that
        origin + 1 is still inside the series.
        """
        hi = np.maximum(origin + 1, start)
        lo = np.maximum(start, origin - w + 1)
        lo = np.minimum(lo, hi)
        cnt = self.ccnt[hi] - self.ccnt[lo]
        return (
            self.csum[hi] - self.csum[lo],
            self.csq[hi] - self.csq[lo],
            cnt,
            self.czero[hi] - self.czero[lo],
            (self.ccens[hi] - self.ccens[lo]) / np.maximum(hi - lo, 1),
        )

    def at(self, rows: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """y at rows - offset, NaN before the series start."""
        j = rows - offset
        ok = j >= self.start[rows]
        return np.where(ok, self.y[np.clip(j, 0, None)], np.nan)


def series_prefix(sid: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Sum of `a` over the earlier rows of the same series (0 on a series' first row).

    Sums restart per series, so a value can only ever reach later rows of its own
    series: perturbing one series' future cannot move anything else, not even by
    rounding.
    """
    inclusive = pd.Series(np.asarray(a, dtype=float)).groupby(sid, sort=False).cumsum()
    return inclusive.groupby(sid, sort=False).shift(1, fill_value=0.0).to_numpy()


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def calendar(times: np.ndarray, freq: str, annual: bool = True) -> dict[str, np.ndarray]:
    """Calendar of the target periods; `annual` adds month and week of year, which
    only help once the history holds each month at least once before it is forecast."""
    t = pd.Series(pd.to_datetime(times))
    out: dict[str, np.ndarray] = {}
    if freq == "D":
        out = {"dow": t.dt.dayofweek.to_numpy(), "dom": t.dt.day.to_numpy()}
    if annual:
        out["month"] = t.dt.month.to_numpy()
        if freq != "M":
            out["woy"] = t.dt.isocalendar().week.to_numpy(np.int64)
    return out


def build_features(
    grid: pd.DataFrame,
    spec: PanelSpec,
    arrays: GridArrays,
    rows: np.ndarray,
    h: np.ndarray,
    scale_floor: float,
    annual: bool = True,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features of target rows `rows` at horizons `h`, and each row's scale.

    The scale is the mean known target over the longest window at the origin
    (floored at `scale_floor`); level features are divided by it so that one
    model serves fast and slow series alike.
    """
    freq = spec.freq
    windows = WINDOWS[freq]
    origin = rows - h
    start = arrays.start[rows]
    feats: dict[str, np.ndarray] = {"h": h.astype(float)}

    s_sum, _, s_cnt, s_zero, s_cens = arrays.window(origin, start, windows[-1])
    raw_scale = _div(s_sum, s_cnt)
    scale = np.where(np.isnan(raw_scale), scale_floor, np.maximum(raw_scale, scale_floor))
    feats["log_scale"] = np.log(scale)
    feats["zero_share"] = _div(s_zero, s_cnt)
    feats["stockout_share"] = s_cens
    for w in windows[:-1]:
        w_sum, w_sq, w_cnt, _, _ = arrays.window(origin, start, w)
        mean = _div(w_sum, w_cnt)
        feats[f"mean_{w}"] = mean / scale
        if w == windows[1]:
            var = np.maximum(_div(w_sq, w_cnt) - mean**2, 0.0)
            feats[f"std_{w}"] = np.sqrt(var) / scale
    feats["last"] = arrays.at(rows, h) / scale
    age = origin - arrays.start[rows] + 1
    feats["age"] = np.minimum(age, 4 * YEARLY_LAG[freq]).astype(float)
    since = np.where(arrays.last_sale[np.clip(origin, 0, None)] >= arrays.start[rows], origin - arrays.last_sale[np.clip(origin, 0, None)], age)
    feats["since_sale"] = since.astype(float)

    n_seasonal = SEASONAL_LAGS[freq]
    if n_seasonal:
        season = spec.season
        first = season * np.ceil(h / season).astype(np.int64)
        lags = [arrays.at(rows, first + season * j) for j in range(n_seasonal)]
        feats["slag_1"] = lags[0] / scale
        stacked = np.vstack(lags)
        seen = (~np.isnan(stacked)).sum(axis=0)
        feats["slag_mean"] = _div(np.nansum(stacked, axis=0), seen) / scale
    yearly = YEARLY_LAG[freq]
    feats["ylag"] = np.where(h <= yearly, arrays.at(rows, np.full_like(h, yearly)), np.nan) / scale

    for name, values in calendar(grid[spec.time_col].to_numpy()[rows], freq, annual).items():
        feats[name] = np.asarray(values, dtype=float)
    for col in spec.future_cols:
        v = grid[col].to_numpy(dtype=float, na_value=np.nan)
        feats[f"fut_{col}"] = v[rows]
        sid = grid["_sid"].to_numpy()
        cs, cc = series_prefix(sid, np.nan_to_num(v)), series_prefix(sid, ~np.isnan(v))
        lo = np.minimum(np.maximum(arrays.start[rows], origin - windows[1] + 1), origin + 1)
        hi = np.maximum(origin + 1, lo)
        feats[f"fut_{col}_rel"] = _div(v[rows], _div(cs[hi] - cs[lo], cc[hi] - cc[lo]))
    for col in spec.past_cols:
        v = grid[col].to_numpy(dtype=float, na_value=np.nan)
        ok = origin >= arrays.start[rows]
        feats[f"past_{col}"] = np.where(ok, v[np.clip(origin, 0, None)], np.nan)
    frame = pd.DataFrame(feats)
    for col in spec.static_cols:
        frame[col] = grid[col].to_numpy()[rows]
    return frame, scale
