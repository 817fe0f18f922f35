"""Shopper affinities for next best offer: what they buy, view and belong to, as of a time.

One row per customer known at `as_of`, from events strictly before it:

- ``category_affinity`` / ``brand_affinity``: share of units bought in the
  365 days before, as ``name:share|name:share`` (largest first, top 12);
- ``purchased_skus``: ``sku:units:days_ago|...`` over the 365 days before,
  most recent first (top 50);
- ``viewed_skus``: ``sku|sku`` viewed in the 30 days before, most recent first (top 20);
- ``loyalty_member`` / ``app_user``: the shopper has a loyalty id / an app account
  (a ``loyalty:`` / ``app:`` ref).

Strings keep the feature view small and typed for Feast; `training.nbo.state`
parses them. The profile build writes the table at its as-of time (what the
online store serves); next-best-offer training calls `build_affinity` at
each of its cut-offs on the same views, so training and serving share one
definition.
"""

from __future__ import annotations

import duckdb
import pandas as pd

TOP_CATEGORIES = 12
TOP_SKUS = 50
TOP_VIEWS = 20
VIEW_DAYS = 30


def build_affinity(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    """Affinity rows at `as_of` for the views registered by `features.profile.inputs.register`."""
    t = f"TIMESTAMPTZ '{pd.Timestamp(as_of).isoformat()}'"
    return con.execute(
        f"""
        WITH bought AS (
            SELECT t.customer_id, t.sku, p.category, p.brand, t.qty, t.ts
            FROM customer_tx t JOIN products p USING (sku)
            WHERE NOT t.returned AND t.qty > 0 AND t.ts < {t} AND t.ts >= {t} - INTERVAL 365 DAY
        ), cat AS (
            SELECT customer_id, category AS v, sum(qty) AS q FROM bought GROUP BY ALL
        ), brand AS (
            SELECT customer_id, brand AS v, sum(qty) AS q FROM bought WHERE brand IS NOT NULL GROUP BY ALL
        ), cat_s AS (
            SELECT customer_id, string_agg(v || ':' || round(share, 4), '|' ORDER BY share DESC, v) AS s
            FROM (SELECT *, q / sum(q) OVER (PARTITION BY customer_id) AS share,
                         row_number() OVER (PARTITION BY customer_id ORDER BY q DESC, v) AS r FROM cat)
            WHERE r <= {TOP_CATEGORIES} GROUP BY customer_id
        ), brand_s AS (
            SELECT customer_id, string_agg(v || ':' || round(share, 4), '|' ORDER BY share DESC, v) AS s
            FROM (SELECT *, q / sum(q) OVER (PARTITION BY customer_id) AS share,
                         row_number() OVER (PARTITION BY customer_id ORDER BY q DESC, v) AS r FROM brand)
            WHERE r <= {TOP_CATEGORIES} GROUP BY customer_id
        ), sku_s AS (
            SELECT customer_id,
                   string_agg(sku || ':' || units || ':' || days_ago, '|' ORDER BY days_ago, sku) AS s
            FROM (SELECT customer_id, sku, CAST(sum(qty) AS BIGINT) AS units,
                         CAST(floor(epoch({t} - max(ts)) / 86400) AS BIGINT) AS days_ago,
                         row_number() OVER (PARTITION BY customer_id ORDER BY max(ts) DESC, sku) AS r
                  FROM bought GROUP BY customer_id, sku)
            WHERE r <= {TOP_SKUS} GROUP BY customer_id
        ), view_s AS (
            SELECT customer_id, string_agg(sku, '|' ORDER BY last DESC, sku) AS s
            FROM (SELECT customer_id, sku, max(ts) AS last,
                         row_number() OVER (PARTITION BY customer_id ORDER BY max(ts) DESC, sku) AS r
                  FROM customer_events
                  WHERE type = 'view' AND sku IS NOT NULL AND ts < {t} AND ts >= {t} - INTERVAL {VIEW_DAYS} DAY
                  GROUP BY customer_id, sku)
            WHERE r <= {TOP_VIEWS} GROUP BY customer_id
        ), members AS (
            SELECT customer_id, bool_or(customer_ref LIKE 'loyalty:%') AS loyalty_member,
                   bool_or(customer_ref LIKE 'app:%') AS app_user
            FROM identity_map GROUP BY customer_id
        )
        SELECT m.customer_id, {t} AS event_timestamp,
               coalesce(cat_s.s, '') AS category_affinity, coalesce(brand_s.s, '') AS brand_affinity,
               coalesce(sku_s.s, '') AS purchased_skus, coalesce(view_s.s, '') AS viewed_skus,
               m.loyalty_member, m.app_user
        FROM members m
        LEFT JOIN cat_s USING (customer_id) LEFT JOIN brand_s USING (customer_id)
        LEFT JOIN sku_s USING (customer_id) LEFT JOIN view_s USING (customer_id)
        ORDER BY m.customer_id
        """
    ).df()
