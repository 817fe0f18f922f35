"""Product features: popularity windows, today's price, margin, promotion, sellable stock.

One row per SKU and day on a dense calendar, stamped at the midnight that
opens day D+1: popularity and stock summarise day D and before (events before
the stamp), while price and promotion are those *planned* for day D+1 (a
calendar known in advance, so using it at the stamp is not leakage).
"""

from __future__ import annotations

import duckdb
import pandas as pd

POPULARITY_WINDOWS = (7, 30, 90)


def build_product(
    con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp, safety_buffer: int, history_days: int | None = None
) -> pd.DataFrame:
    """Product rows for every day from the first activity (or `history_days` back) to as_of."""
    end = f"DATE '{as_of.date()}' - 1"
    start = (
        f"{end} - {int(history_days) - 1}"
        if history_days
        else f"(SELECT coalesce(min(CAST(ts AS DATE)), {end}) FROM transactions)"
    )
    windows = []
    for w in POPULARITY_WINDOWS:
        frame = f"OVER (PARTITION BY sku ORDER BY d ROWS BETWEEN {w - 1} PRECEDING AND CURRENT ROW)"
        windows += [
            f"CAST(sum(units) {frame} AS BIGINT) AS units_sold_{w}d",
            f"sum(sales) {frame} AS sales_{w}d",
            f"CAST(sum(views) {frame} AS BIGINT) AS views_{w}d",
            f"CAST(sum(carts) {frame} AS BIGINT) AS carts_{w}d",
        ]
    return con.execute(
        f"""
        WITH days AS (
            SELECT CAST(range AS DATE) AS d FROM range({start}, {end} + 1, INTERVAL 1 DAY)
        ), grid AS (SELECT p.sku, days.d FROM products p CROSS JOIN days),
        sold AS (
            SELECT sku, CAST(ts AS DATE) AS d, sum(qty) FILTER (WHERE NOT returned) AS units,
                   sum(qty * unit_price - sign(qty) * discount) AS sales
            FROM transactions GROUP BY ALL
        ), seen AS (
            SELECT sku, CAST(ts AS DATE) AS d, count(*) FILTER (WHERE type = 'view') AS views,
                   count(*) FILTER (WHERE type = 'add_to_cart') AS carts
            FROM events WHERE sku IS NOT NULL GROUP BY ALL
        ), daily AS (
            SELECT g.sku, g.d, coalesce(s.units, 0) AS units, coalesce(s.sales, 0.0) AS sales,
                   coalesce(v.views, 0) AS views, coalesce(v.carts, 0) AS carts
            FROM grid g LEFT JOIN sold s USING (sku, d) LEFT JOIN seen v USING (sku, d)
        ), price_day AS (
            SELECT sku, date AS d, avg(price) AS price, min(price) AS min_price,
                   avg(CAST(promo AS DOUBLE)) AS promo_share
            FROM prices GROUP BY ALL
        ), stock_day AS (
            SELECT sku, CAST(ts AS DATE) AS d,
                   sum(greatest(on_hand - reserved - {int(safety_buffer)}, 0)) AS sellable_units,
                   count(*) FILTER (WHERE on_hand - reserved - {int(safety_buffer)} > 0)
                       AS locations_in_stock
            FROM inventory GROUP BY ALL
        ), rolled AS (
            SELECT sku, d, {", ".join(windows)} FROM daily
        )
        SELECT r.sku, CAST(r.d + 1 AS TIMESTAMPTZ) AS event_timestamp,
               r.* EXCLUDE (sku, d),
               p.list_price,
               coalesce(pd.price, p.list_price) AS current_price,
               coalesce(pd.min_price, p.list_price) AS min_price,
               CASE WHEN p.unit_cost IS NULL OR coalesce(pd.price, p.list_price) <= 0 THEN NULL
                    ELSE (coalesce(pd.price, p.list_price) - p.unit_cost)
                         / coalesce(pd.price, p.list_price) END AS margin_rate,
               coalesce(pd.promo_share, 0.0) AS promo_share,
               coalesce(pd.promo_share, 0.0) > 0 AS on_promo,
               CAST(coalesce(st.sellable_units, 0) AS BIGINT) AS sellable_units,
               CAST(coalesce(st.locations_in_stock, 0) AS BIGINT) AS locations_in_stock,
               p.category, p.brand
        FROM rolled r
        JOIN products p USING (sku)
        LEFT JOIN price_day pd ON pd.sku = r.sku AND pd.d = r.d + 1
        ASOF LEFT JOIN stock_day st ON st.sku = r.sku AND r.d >= st.d
        ORDER BY r.sku, r.d
        """
    ).df()
