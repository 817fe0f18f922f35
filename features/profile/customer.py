"""Customer profile: RFM windows, AOV, returns, channel mix, preferences, lifecycle.

Stamps: one row per customer at the end of each day they were active (a
transaction or an event) and one at `as_of` for every known customer, so the
latest row is always "now". Window sums at any stamp are exact: with cumulative
daily sums C(d), the sum over the w days before stamp T is C(T-1) - C(T-1-w),
each read by an ASOF join (no per-row loop, no dense customer x day grid).

Between two stamps a row is not refreshed: `days_since_*` count to the row's
own stamp, and serving adds the days elapsed since its event_timestamp. Money is
net of discounts and returns (a return line counts negative on its own day).
"""

from __future__ import annotations

import duckdb
import pandas as pd

WINDOWS: tuple[int, ...] = (7, 30, 90, 365)
CHANNELS: tuple[str, ...] = ("store", "web", "app", "marketplace")
# Additive daily measures that get a value per window.
WINDOWED = ("orders", "net_sales", "units", "returned_units", "promo_units", "visits")


def _daily_sql() -> str:
    channel_cols = ",\n".join(
        f"count(*) FILTER (WHERE NOT returned AND channel = '{c}') AS lines_{c}" for c in CHANNELS
    )
    return f"""
    CREATE OR REPLACE TEMP TABLE tx_lines AS
    SELECT t.customer_id, t.d, t.order_id, t.channel, t.location_id, t.sku, t.qty, t.returned,
           t.qty * t.unit_price - sign(t.qty) * t.discount AS line_value,
           (t.discount > 0 OR coalesce(p.promo, FALSE)) AS on_promo
    FROM customer_tx t
    LEFT JOIN prices p ON p.sku = t.sku AND p.location_id = t.location_id AND p.date = t.d;

    CREATE OR REPLACE TEMP TABLE cust_daily AS
    WITH tx AS (
        SELECT customer_id, d,
               count(DISTINCT order_id) FILTER (WHERE NOT returned) AS orders,
               sum(line_value) AS net_sales,
               coalesce(sum(qty) FILTER (WHERE NOT returned), 0) AS units,
               coalesce(-sum(qty) FILTER (WHERE returned), 0) AS returned_units,
               coalesce(sum(qty) FILTER (WHERE NOT returned AND on_promo), 0) AS promo_units,
               {channel_cols}
        FROM tx_lines GROUP BY ALL
    ), ev AS (SELECT DISTINCT customer_id, d FROM customer_events)
    SELECT customer_id, d,
           coalesce(orders, 0) AS orders, coalesce(net_sales, 0.0) AS net_sales,
           coalesce(units, 0) AS units, coalesce(returned_units, 0) AS returned_units,
           coalesce(promo_units, 0) AS promo_units,
           {", ".join(f"coalesce(lines_{c}, 0) AS lines_{c}" for c in CHANNELS)},
           1 AS visits
    FROM tx FULL JOIN ev USING (customer_id, d);
    """


def _cumulative_sql() -> str:
    measures = list(WINDOWED) + [f"lines_{c}" for c in CHANNELS]
    cums = ",\n".join(
        f"sum({m}) OVER (PARTITION BY customer_id ORDER BY d ROWS UNBOUNDED PRECEDING) AS c_{m}"
        for m in measures
    )
    return f"""
    CREATE OR REPLACE TEMP TABLE cust_cum AS
    SELECT customer_id, d, {cums},
           max(CASE WHEN orders > 0 THEN d END) OVER w AS last_order_d,
           min(CASE WHEN orders > 0 THEN d END) OVER w AS first_order_d,
           max(d) OVER w AS last_visit_d
    FROM cust_daily
    WINDOW w AS (PARTITION BY customer_id ORDER BY d ROWS UNBOUNDED PRECEDING);
    """


def _stamps_sql(as_of: pd.Timestamp) -> str:
    return f"""
    CREATE OR REPLACE TEMP TABLE cust_stamps AS
    SELECT DISTINCT customer_id, CAST(d AS DATE) AS sd
    FROM (
        SELECT customer_id, d FROM cust_daily WHERE d < DATE '{as_of.date()}'
        UNION ALL
        SELECT DISTINCT customer_id, DATE '{as_of.date()}' - 1 FROM identity_map
    );
    """


def _top_sql(dim: str, source: str, name: str) -> str:
    """Most-bought value of `dim` in the 365 days before each stamp, and its share of units."""
    return f"""
    CREATE OR REPLACE TEMP TABLE top_{name} AS
    WITH daily AS (
        SELECT customer_id, {dim} AS v, d, sum(qty) AS q
        FROM {source} WHERE NOT returned AND {dim} IS NOT NULL GROUP BY ALL
    ), cum AS (
        SELECT customer_id, v, d,
               sum(q) OVER (PARTITION BY customer_id, v ORDER BY d ROWS UNBOUNDED PRECEDING) AS c
        FROM daily
    ), pairs AS (
        SELECT s.customer_id, s.sd, p.v
        FROM cust_stamps s JOIN (SELECT DISTINCT customer_id, v FROM daily) p USING (customer_id)
    ), win AS (
        SELECT a.customer_id, a.sd, a.v, coalesce(a.c, 0) - coalesce(b.c, 0) AS q
        FROM (SELECT p.*, c.c FROM pairs p ASOF LEFT JOIN cum c
              ON p.customer_id = c.customer_id AND p.v = c.v AND p.sd >= c.d) a
        ASOF LEFT JOIN cum b
          ON a.customer_id = b.customer_id AND a.v = b.v AND a.sd - 365 >= b.d
    )
    SELECT customer_id, sd, arg_max(v, q) AS top_{name},
           max(q) / nullif(sum(q), 0) AS top_{name}_share
    FROM win WHERE q > 0 GROUP BY ALL;
    """


def _profile_sql() -> str:
    now = "s.sd + 1"  # the stamp's date: the features describe everything before it
    joins = ["ASOF LEFT JOIN cust_cum c0 ON s.customer_id = c0.customer_id AND s.sd >= c0.d"]
    cols = []
    for w in WINDOWS:
        joins.append(
            f"ASOF LEFT JOIN cust_cum c{w} ON s.customer_id = c{w}.customer_id AND s.sd - {w} >= c{w}.d"
        )
        for m in WINDOWED:
            cols.append(f"coalesce(c0.c_{m}, 0) - coalesce(c{w}.c_{m}, 0) AS {m}_{w}d")
    for c in CHANNELS:  # channel mix over the last 365 days
        cols.append(f"coalesce(c0.c_lines_{c}, 0) - coalesce(c365.c_lines_{c}, 0) AS _lines_{c}")
    channel_total = " + ".join(f"_lines_{c}" for c in CHANNELS)
    shares = ",\n".join(
        f"CASE WHEN ({channel_total}) > 0 THEN _lines_{c} / ({channel_total}) ELSE 0.0 END AS channel_share_{c}"
        for c in CHANNELS
    )
    return f"""
    CREATE OR REPLACE TEMP TABLE cust_profile AS
    WITH base AS (
        SELECT s.customer_id, s.sd,
               {", ".join(cols)},
               coalesce(c0.c_orders, 0) AS orders_total,
               CAST({now} - c0.last_order_d AS BIGINT) AS days_since_last_purchase,
               CAST({now} - c0.first_order_d AS BIGINT) AS days_since_first_purchase,
               CAST({now} - c0.last_visit_d AS BIGINT) AS days_since_last_visit
        FROM cust_stamps s
        {" ".join(joins)}
    )
    SELECT b.customer_id,
           CAST(b.sd + 1 AS TIMESTAMPTZ) AS event_timestamp,
           {", ".join(f"CAST(orders_{w}d AS BIGINT) AS frequency_{w}d" for w in WINDOWS)},
           {", ".join(f"CAST(net_sales_{w}d AS DOUBLE) AS monetary_{w}d" for w in WINDOWS)},
           {", ".join(f"CAST(units_{w}d AS BIGINT) AS units_{w}d" for w in WINDOWS)},
           {", ".join(f"CAST(visits_{w}d AS BIGINT) AS visit_days_{w}d" for w in WINDOWS)},
           CASE WHEN orders_365d > 0 THEN net_sales_365d / orders_365d ELSE 0.0 END AS aov_365d,
           CASE WHEN units_365d > 0 THEN returned_units_365d / units_365d ELSE 0.0 END AS return_rate_365d,
           CASE WHEN units_365d > 0 THEN promo_units_365d / units_365d ELSE 0.0 END AS promo_share_365d,
           b.days_since_last_purchase, b.days_since_last_visit,
           {shares},
           ts.top_location AS preferred_store,
           tc.top_category, tc.top_category_share, tb.top_brand, tb.top_brand_share,
           CASE
             WHEN b.orders_total = 0 THEN 'prospect'
             WHEN b.days_since_first_purchase <= 30 THEN 'new'
             WHEN b.days_since_last_purchase <= 90 THEN 'active'
             WHEN b.days_since_last_purchase <= 365 THEN 'lapsing'
             ELSE 'lapsed'
           END AS lifecycle_segment
    FROM base b
    LEFT JOIN top_location ts USING (customer_id, sd)
    LEFT JOIN top_category tc USING (customer_id, sd)
    LEFT JOIN top_brand tb USING (customer_id, sd)
    """


def build_customer_profile(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    """Customer feature rows (see module doc) for the views registered on `con`."""
    con.execute(_daily_sql())
    con.execute(_cumulative_sql())
    con.execute(_stamps_sql(as_of))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW tx_products AS "
        "SELECT l.*, p.category, p.brand FROM tx_lines l JOIN products p USING (sku)"
    )
    con.execute(_top_sql("location_id", "(SELECT * FROM tx_lines WHERE channel = 'store')", "location"))
    con.execute(_top_sql("category", "tx_products", "category"))
    con.execute(_top_sql("brand", "tx_products", "brand"))
    con.execute(_profile_sql())
    frame = con.execute("SELECT * FROM cust_profile ORDER BY customer_id, event_timestamp").df()
    return frame
