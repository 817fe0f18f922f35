"""The demand panel (training/demand writes it) as a point-in-time feature table.

The panel `offline_dir/store_sku_daily.parquet` holds one row per location x
SKU x date (units sold, price, promotion, stock-out flag, on hand, calendar).
Here it gets an event timestamp at the midnight closing its date (so units of
day D are visible only from D+1) and rolling unit statistics over the days up
to D. The forecaster computes its own horizon-aware lags; these are for
serving and for other models.
"""

from __future__ import annotations

import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.settings import Settings

UNITS_CANDIDATES = ("units", "units_sold", "sales", "qty", "y")
KEYS = ("location_id", "sku")


class DemandPanelError(OmnicastError):
    """The demand panel does not have the columns the feature view needs."""


FEAST_TYPES = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "VARCHAR")


def _feature_sql(con, source: str) -> str:
    """SELECT producing the feature rows from relation `source` (see module doc).

    Keeps the keys, the stamp, every column Feast can type (numbers, booleans,
    text) and adds rolling unit statistics as window functions; the panel has
    every day of a series' life (zero-filled), so row frames are day frames.
    """
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    names = [c[0] for c in columns]
    missing = {*KEYS, "date"} - set(names)
    if missing:
        raise DemandPanelError(f"demand panel lacks columns {sorted(missing)}")
    units = next((c for c in UNITS_CANDIDATES if c in names), None)
    if units is None:
        raise DemandPanelError(f"demand panel has no units column (one of {UNITS_CANDIDATES})")
    features = [f'"{n}"' for n, kind, *_ in columns
                if n not in (*KEYS, "date", "event_timestamp") and kind in FEAST_TYPES]
    rolling = f'"{units}") OVER (PARTITION BY {", ".join(KEYS)} ORDER BY date ROWS BETWEEN'
    return f"""
        SELECT {", ".join(KEYS)}, CAST(CAST(date AS DATE) + 1 AS TIMESTAMPTZ) AS event_timestamp,
               {", ".join(features)},
               avg({rolling} 6 PRECEDING AND CURRENT ROW) AS units_mean_7d,
               avg({rolling} 27 PRECEDING AND CURRENT ROW) AS units_mean_28d,
               coalesce(stddev_samp({rolling} 27 PRECEDING AND CURRENT ROW), 0.0) AS units_std_28d
        FROM {source}
    """


def to_feature_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Panel -> feature rows, in memory (for inspection and tests)."""
    from features.profile.inputs import connect

    con = connect()
    con.register("panel", panel)
    try:
        return con.execute(_feature_sql(con, "panel")).df()
    finally:
        con.close()


def build_store_sku_daily(settings: Settings) -> int:
    """Write the store_sku_daily feature table from the demand panel; returns its rows.

    The panel is training/demand's (features.demand_panel); it is built here
    when the demand stage has not written it yet. DuckDB reads and writes the
    Parquet files directly: millions of rows never pass through pandas.
    """
    from features.profile.inputs import connect

    path = settings.paths.demand_panel
    if not path.exists():
        from features.demand_panel import write_demand_panel

        write_demand_panel(settings.paths.validated, path)
    out = settings.paths.feature_table("store_sku_daily")
    out.parent.mkdir(parents=True, exist_ok=True)
    con = connect()
    try:
        source = "read_parquet('{}')".format(str(path.resolve()).replace("'", "''"))
        target = str(out.resolve()).replace("'", "''")
        con.execute(f"COPY ({_feature_sql(con, source)}) TO '{target}' (FORMAT parquet)")
        row = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()
