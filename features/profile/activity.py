"""Shopper activity: open cart and last viewed / carted SKU.

The batch table gives the state at the profile's stamps (events before each
stamp); the storefront keeps it fresh in the online store through the Feast
push source (`features.feature_repo.push`), updating the state with
`apply_event` one event at a time.

Cart rule: a SKU is in the cart when it was added after the shopper's last
purchase, within `cart_ttl_days`, and not removed since. Its value is the
product's list price (events carry no price).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd

ACTIVITY_COLUMNS = ("cart_items", "cart_value", "cart_skus", "last_viewed_sku", "last_carted_sku")


def build_activity(con: duckdb.DuckDBPyConnection, cart_ttl_days: int = 30) -> pd.DataFrame:
    """Activity rows at the customer profile stamps (`cust_stamps` must exist)."""
    return con.execute(
        f"""
        WITH stamps AS (
            SELECT customer_id, CAST(sd + 1 AS TIMESTAMPTZ) AS ts FROM cust_stamps
        ), purchases AS (
            SELECT customer_id, ts FROM customer_events WHERE type = 'purchase'
            UNION ALL SELECT customer_id, ts FROM customer_tx WHERE NOT returned
        ), adds AS (
            SELECT customer_id, sku, ts FROM customer_events WHERE type = 'add_to_cart'
        ), removes AS (
            SELECT customer_id, sku, ts FROM customer_events WHERE type = 'remove_from_cart'
        ), views AS (
            SELECT customer_id, sku, ts FROM customer_events WHERE type = 'view' AND sku IS NOT NULL
        ), lp AS (
            SELECT s.customer_id, s.ts, p.ts AS last_purchase
            FROM stamps s ASOF LEFT JOIN purchases p ON s.customer_id = p.customer_id AND s.ts > p.ts
        ), cand AS (
            SELECT s.customer_id, s.ts, a.sku, max(a.ts) AS last_add
            FROM lp s JOIN adds a ON a.customer_id = s.customer_id AND a.ts < s.ts
             AND a.ts > s.ts - INTERVAL {int(cart_ttl_days)} DAY
             AND (s.last_purchase IS NULL OR a.ts > s.last_purchase)
            GROUP BY ALL
        ), open_items AS (
            SELECT c.* FROM cand c
            WHERE NOT EXISTS (
                SELECT 1 FROM removes r WHERE r.customer_id = c.customer_id AND r.sku = c.sku
                  AND r.ts >= c.last_add AND r.ts < c.ts)
        ), cart AS (
            SELECT o.customer_id, o.ts, count(*) AS cart_items,
                   sum(p.list_price) AS cart_value,
                   string_agg(o.sku, ',' ORDER BY o.last_add DESC, o.sku) AS cart_skus
            FROM open_items o JOIN products p USING (sku) GROUP BY ALL
        )
        SELECT s.customer_id, s.ts AS event_timestamp,
               CAST(coalesce(cart.cart_items, 0) AS BIGINT) AS cart_items,
               CAST(coalesce(cart.cart_value, 0.0) AS DOUBLE) AS cart_value,
               coalesce(cart.cart_skus, '') AS cart_skus,
               v.sku AS last_viewed_sku, a.sku AS last_carted_sku
        FROM stamps s
        LEFT JOIN cart USING (customer_id, ts)
        ASOF LEFT JOIN views v ON s.customer_id = v.customer_id AND s.ts > v.ts
        ASOF LEFT JOIN adds a ON s.customer_id = a.customer_id AND s.ts > a.ts
        ORDER BY s.customer_id, s.ts
        """
    ).df()


def apply_event(state: Mapping[str, Any] | None, event: Mapping[str, Any], price: float) -> dict:
    """Next activity state after one event (type, sku, ts); `price` is the SKU's list price.

    Used by the push path so the online profile changes the moment an event arrives.
    """
    state = dict(state or {})
    skus = [s for s in str(state.get("cart_skus") or "").split(",") if s]
    value = float(state.get("cart_value") or 0.0)
    kind, sku = event["type"], event.get("sku")
    if kind == "add_to_cart" and sku:
        if sku not in skus:
            skus.insert(0, sku)
            value += price
        state["last_carted_sku"] = sku
    elif kind == "remove_from_cart" and sku in skus:
        skus.remove(sku)
        value -= price
    elif kind == "purchase":
        skus, value = [], 0.0
    elif kind == "view" and sku:
        state["last_viewed_sku"] = sku
    state.update(
        cart_items=len(skus),
        cart_value=round(max(value, 0.0), 6),
        cart_skus=",".join(skus),
        event_timestamp=pd.Timestamp(event["ts"]),
    )
    state.setdefault("last_viewed_sku", None)
    state.setdefault("last_carted_sku", None)
    return state
