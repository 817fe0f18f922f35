"""The store x SKU daily demand panel, built from the validated tables in DuckDB.

One row per location x SKU x day of the series' active life, with:
- units: units sold that day (return lines excluded: a return is not negative
  demand on the day it comes back). Sales are attributed to the transaction's
  location: the store for in-store, BOPIS and curbside sales, the shipping DC
  for web/app/marketplace orders shipped from a DC.
- price, promo: the price calendar's row for the day; a missing day carries the
  last known price forward (then the catalogue list price), and is not a promo.
- on_hand, reserved, in_transit: the latest end-of-day inventory snapshot at or
  before the day (carried forward between snapshots; null without any).
- stockout: the day ended with nothing sellable (on_hand - reserved <= 0), i.e.
  the shelf was empty or sold out, so that day's sales are a lower bound of its
  demand (censored). Null inventory means not known to be out of stock.
- calendar: dow (0 = Monday), month, week_of_year; static: category, location_kind.

Active life: from the first day with a price, a sale or stock on hand to the
last such day; every day in between is present, zero-filled (a day without a
sale sold 0). Days are UTC dates of the transaction timestamps.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from omnicast.errors import OmnicastError

REQUIRED = ("transactions", "prices", "inventory", "products", "locations")


class DemandPanelError(OmnicastError):
    """A validated table the demand panel needs is missing."""


PANEL_SQL = """
WITH sales AS (
    SELECT location_id, sku, CAST(ts AS DATE) AS date, SUM(qty) AS units
    FROM transactions WHERE NOT returned AND qty > 0
    GROUP BY ALL
),
stock AS (  -- the last snapshot of each day
    SELECT location_id, sku, CAST(ts AS DATE) AS date,
           arg_max(on_hand, ts) AS on_hand, arg_max(reserved, ts) AS reserved,
           arg_max(in_transit, ts) AS in_transit
    FROM inventory GROUP BY ALL
),
alive AS (
    SELECT location_id, sku, date FROM sales
    UNION ALL SELECT location_id, sku, date FROM prices
    UNION ALL SELECT location_id, sku, date FROM stock WHERE on_hand > 0
),
life AS (
    SELECT location_id, sku, MIN(date) AS first_day, MAX(date) AS last_day FROM alive GROUP BY ALL
),
grid AS (
    SELECT location_id, sku,
           CAST(UNNEST(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS date
    FROM life
),
priced AS (
    SELECT g.location_id, g.sku, g.date, COALESCE(s.units, 0) AS units, p.price AS day_price,
           COALESCE(p.promo, FALSE) AS promo
    FROM grid g
    LEFT JOIN sales s USING (location_id, sku, date)
    LEFT JOIN prices p USING (location_id, sku, date)
)
SELECT q.location_id, q.sku, q.date, CAST(q.units AS BIGINT) AS units,
       COALESCE(q.day_price,
                last_value(q.day_price IGNORE NULLS) OVER (
                    PARTITION BY q.location_id, q.sku ORDER BY q.date
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                pr.list_price) AS price,
       q.promo,
       COALESCE(st.on_hand - st.reserved <= 0, FALSE) AS stockout,
       st.on_hand, st.reserved, st.in_transit,
       CAST(isodow(q.date) - 1 AS BIGINT) AS dow,
       CAST(month(q.date) AS BIGINT) AS month,
       CAST(weekofyear(q.date) AS BIGINT) AS week_of_year,
       pr.category, loc.kind AS location_kind
FROM priced q
ASOF LEFT JOIN stock st
    ON q.location_id = st.location_id AND q.sku = st.sku AND q.date >= st.date
LEFT JOIN products pr ON pr.sku = q.sku
LEFT JOIN locations loc ON loc.location_id = q.location_id
ORDER BY q.location_id, q.sku, q.date
"""


def build_demand_panel(validated_dir: Path) -> pd.DataFrame:
    """The daily location x SKU panel (see module docstring) from validated Parquet tables."""
    validated_dir = Path(validated_dir)
    missing = [t for t in REQUIRED if not (validated_dir / f"{t}.parquet").exists()]
    if missing:
        raise DemandPanelError(
            f"validated table(s) {missing} missing under {validated_dir}: run `omnicast data ingest` first"
        )
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        for table in REQUIRED:
            path = str(validated_dir / f"{table}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
        panel = con.execute(PANEL_SQL).df()
    finally:
        con.close()
    panel["date"] = pd.to_datetime(panel["date"]).dt.date
    for col in ("on_hand", "reserved", "in_transit"):
        panel[col] = panel[col].astype("Int64")
    return panel


def write_demand_panel(validated_dir: Path, out: Path) -> Path:
    """Build the panel and write it to `out` (atomically: a reader sees the old or the new file)."""
    panel = build_demand_panel(validated_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".parquet.tmp")
    panel.to_parquet(tmp, index=False)
    tmp.replace(out)
    return out
