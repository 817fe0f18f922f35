"""The demand panel (training/demand writes it) as a point-in-time feature table.

The panel `offline_dir/store_sku_daily.parquet` holds one row per location x
SKU x date (units sold, price, promotion, stock-out flag, on hand, calendar).
Here it gets an event timestamp at the midnight closing its date (so units of
day D are visible only from D+1) and rolling unit statistics over the days up
to D. The forecaster computes its own horizon-aware lags; these are for
serving and for other models.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.feature_repo.config import feature_tables_dir
from omnicast.errors import OmnicastError
from omnicast.settings import Settings

UNITS_CANDIDATES = ("units", "units_sold", "sales", "qty", "y")
KEYS = ("location_id", "sku")


class DemandPanelError(OmnicastError):
    """The demand panel does not have the columns the feature view needs."""


def panel_path(settings: Settings) -> Path:
    return Path(settings.offline_dir) / "store_sku_daily.parquet"


def to_feature_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Panel -> feature rows: event_timestamp, feature columns of Feast-typable dtypes, rolling stats."""
    missing = {*KEYS, "date"} - set(panel.columns)
    if missing:
        raise DemandPanelError(f"demand panel lacks columns {sorted(missing)}")
    units = next((c for c in UNITS_CANDIDATES if c in panel.columns), None)
    if units is None:
        raise DemandPanelError(f"demand panel has no units column (one of {UNITS_CANDIDATES})")
    frame = panel.sort_values([*KEYS, "date"]).reset_index(drop=True)
    frame["event_timestamp"] = (
        pd.to_datetime(frame["date"]).dt.tz_localize("UTC") + pd.Timedelta(days=1)
    ).astype("datetime64[us, UTC]")
    grouped = frame.groupby(list(KEYS), sort=False)[units]
    for w in (7, 28):
        frame[f"units_mean_{w}d"] = grouped.rolling(w, min_periods=1).mean().droplevel([0, 1])
    frame["units_std_28d"] = grouped.rolling(28, min_periods=2).std().droplevel([0, 1]).fillna(0.0)
    keep = [*KEYS, "event_timestamp"] + [
        c for c in frame.columns
        if c not in (*KEYS, "event_timestamp", "date")
        and (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
             or pd.api.types.is_string_dtype(frame[c]))
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
    ]
    out = frame[keep].copy()
    text = out.select_dtypes(include="object").columns
    out[text] = out[text].astype("string")
    return out


def build_store_sku_daily(settings: Settings) -> int:
    """Write the store_sku_daily feature table from the demand panel; returns its rows.

    The panel is training/demand's (features.demand_panel); it is built here
    when the demand stage has not written it yet.
    """
    path = panel_path(settings)
    if not path.exists():
        from features.demand_panel import write_demand_panel

        write_demand_panel(settings.validated_dir, settings.offline_dir)
    table = to_feature_table(pd.read_parquet(path))
    out = feature_tables_dir(settings) / "store_sku_daily.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
    return len(table)
