"""Describe and regularise a long-format demand panel (any retailer's data).

A panel is one row per series x period: id columns, a timestamp, a target, and
optional static, known-future and past-only columns, plus an optional censoring
flag (a stock-out: the observed sales are a lower bound of demand).
`regularise` turns it into a dense grid: every period from a series' first row to
the panel's last period, missing periods zero-filled (no sales record means no
sales) with covariates carried forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from omnicast.errors import OmnicastError

FREQS = {"D": 7, "W": 52, "M": 12}  # frequency -> seasonal period


class PanelError(OmnicastError):
    """The panel does not fit its description (missing column, bad frequency, ...)."""


@dataclass(frozen=True)
class PanelSpec:
    """Which columns of a long panel play which role."""

    id_cols: tuple[str, ...]
    time_col: str
    target_col: str
    freq: str = "D"
    static_cols: tuple[str, ...] = ()
    future_cols: tuple[str, ...] = ()
    past_cols: tuple[str, ...] = ()
    censor_col: str | None = None
    # True: a series runs to the panel's end (a missing row = no sales, e.g. a panel
    # built from transactions). False: the panel lists each series' active days and
    # a series that stops early is discontinued (the store_sku_daily panel).
    fill_to_end: bool = True

    def __post_init__(self) -> None:
        if self.freq not in FREQS:
            raise PanelError(f"freq must be one of {sorted(FREQS)}, got {self.freq!r}")
        if not self.id_cols:
            raise PanelError("at least one id column is needed")

    @property
    def season(self) -> int:
        return FREQS[self.freq]

    @property
    def columns(self) -> list[str]:
        cols = [*self.id_cols, self.time_col, self.target_col, *self.static_cols, *self.future_cols, *self.past_cols]
        return cols + ([self.censor_col] if self.censor_col else [])

    def check(self, panel: pd.DataFrame) -> None:
        """Raise a PanelError naming every missing column and bad value."""
        missing = [c for c in self.columns if c not in panel.columns]
        if missing:
            raise PanelError(f"panel lacks column(s) {missing}; it has {list(panel.columns)}")
        if panel.empty:
            raise PanelError("panel has no rows")
        y = pd.to_numeric(panel[self.target_col], errors="coerce")
        if y.isna().any():
            raise PanelError(f"target {self.target_col!r} has {int(y.isna().sum())} missing or non-numeric values")
        if (y < 0).any():
            raise PanelError(f"target {self.target_col!r} has {int((y < 0).sum())} negative values; demand is >= 0")
        if panel.duplicated([*self.id_cols, self.time_col]).any():
            raise PanelError(f"panel has duplicate rows for ({', '.join(self.id_cols)}, {self.time_col})")


def period_index(times: pd.Series, freq: str) -> np.ndarray:
    """Integer period number of each timestamp; raises if not aligned to the frequency."""
    t = pd.to_datetime(times)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    if freq == "M":
        if (t.dt.day != t.dt.day.iloc[0]).any():
            raise PanelError("monthly panel: every timestamp must fall on the same day of the month")
        return (t.dt.year * 12 + t.dt.month - 1).to_numpy(np.int64)
    days = (t.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days.to_numpy(np.int64)
    if freq == "W":
        if len(days) and (days % 7 != days[0] % 7).any():
            raise PanelError("weekly panel: every timestamp must fall on the same weekday")
        return days // 7
    return days


def period_times(periods: np.ndarray, freq: str, like: pd.Series) -> pd.Series:
    """Inverse of `period_index` (weekly periods keep the panel's weekday)."""
    t = pd.to_datetime(like)
    if freq == "M":
        day = int(t.dt.day.iloc[0])
        ym = pd.Series(periods)
        return pd.to_datetime({"year": ym // 12, "month": ym % 12 + 1, "day": day})
    days = periods * 7 + int(period_index(t.iloc[:1], "D")[0] % 7) if freq == "W" else periods
    return pd.Series(pd.Timestamp("1970-01-01") + pd.to_timedelta(days, unit="D"))


def regularise(panel: pd.DataFrame, spec: PanelSpec, end_period: int | None = None) -> pd.DataFrame:
    """Dense grid per series with `_sid` (series code) and `_t` (period) columns, sorted.

    Each series runs from its first row to `end_period` (default: the panel's last
    period); with `spec.fill_to_end` False, a series that stops before the panel's
    last period ends at its own last row. Missing targets become 0, missing censor flags False, covariates are
    carried forward within the series (then backward for leading gaps).
    """
    spec.check(panel)
    df = panel[spec.columns].copy()
    df["_t"] = period_index(df[spec.time_col], spec.freq)
    end = int(df["_t"].max()) if end_period is None else int(end_period)
    codes = df.groupby(list(spec.id_cols), sort=True, observed=True).ngroup().to_numpy()
    df["_sid"] = codes
    starts = df.groupby("_sid")["_t"].min()
    ends = pd.Series(end, index=starts.index)
    if not spec.fill_to_end:
        last = df.groupby("_sid")["_t"].max()
        ends = ends.where(last >= df["_t"].max(), last)
    lengths = (ends - starts + 1).clip(lower=0)
    sid = np.repeat(starts.index.to_numpy(), lengths.to_numpy())
    offs = np.arange(len(sid)) - np.repeat(np.cumsum(lengths.to_numpy()) - lengths.to_numpy(), lengths.to_numpy())
    grid = pd.DataFrame({"_sid": sid, "_t": np.repeat(starts.to_numpy(), lengths.to_numpy()) + offs})
    out = grid.merge(df.drop(columns=[spec.time_col]), on=["_sid", "_t"], how="left", sort=False)
    out = out.sort_values(["_sid", "_t"], kind="stable").reset_index(drop=True)
    ids = df.drop_duplicates("_sid").set_index("_sid")
    for col in (*spec.id_cols, *spec.static_cols):
        out[col] = ids[col].reindex(out["_sid"]).to_numpy()
    out[spec.target_col] = out[spec.target_col].fillna(0.0).astype(float)
    if spec.censor_col:
        out[spec.censor_col] = out[spec.censor_col].astype("boolean").fillna(False).astype(bool)
    carry = [*spec.future_cols, *spec.past_cols]
    if carry:
        out[carry] = out.groupby("_sid", sort=False)[carry].ffill()
        out[carry] = out.groupby("_sid", sort=False)[carry].bfill()
    times = period_times(out["_t"].to_numpy(), spec.freq, df[spec.time_col])
    tz = getattr(pd.to_datetime(df[spec.time_col]).dt, "tz", None)
    times = times.dt.tz_localize(tz) if tz is not None else times
    out[spec.time_col] = pd.Series(times.array, index=out.index)
    return out
