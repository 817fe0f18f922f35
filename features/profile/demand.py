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
    frame = _rolling_units(panel, units)
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


def _rolling_units(panel: pd.DataFrame, units: str) -> pd.DataFrame:
    """event_timestamp and rolling unit statistics, as DuckDB window functions.

    The panel has every day of a series' life (zero-filled), so row frames are day frames.
    """
    from features.profile.inputs import connect

    con = connect()
    con.register("panel", panel)
    frame = con.execute(
        f"""
        SELECT *, CAST(CAST(date AS DATE) + 1 AS TIMESTAMPTZ) AS event_timestamp,
               avg("{units}") OVER (w ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS units_mean_7d,
               avg("{units}") OVER (w ROWS BETWEEN 27 PRECEDING AND CURRENT ROW) AS units_mean_28d,
               coalesce(stddev_samp("{units}") OVER (w ROWS BETWEEN 27 PRECEDING AND CURRENT ROW), 0.0)
                   AS units_std_28d
        FROM panel
        WINDOW w AS (PARTITION BY {", ".join(KEYS)} ORDER BY date)
        """
    ).df()
    con.close()
    frame["event_timestamp"] = frame["event_timestamp"].astype("datetime64[us, UTC]")
    return frame


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
