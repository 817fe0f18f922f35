"""Location features: sellable stock per SKU and pickup windows.

Sellable = on hand - reserved - safety buffer (never below zero): what a
"pick up today" promise may count on. Stock rows are stamped at their snapshot
time; location facts (kind, geography, pickup hours) are static and stamped at
the epoch so that any point-in-time join finds them.
"""

from __future__ import annotations

import duckdb
import pandas as pd

STATIC_TIMESTAMP = "1970-01-01 00:00:00+00"


def build_location_stock(con: duckdb.DuckDBPyConnection, safety_buffer: int) -> pd.DataFrame:
    """(location_id, sku, event_timestamp, on_hand, reserved, in_transit, sellable, in_stock)."""
    return con.execute(
        f"""
        SELECT location_id, sku, ts AS event_timestamp,
               CAST(on_hand AS BIGINT) AS on_hand, CAST(reserved AS BIGINT) AS reserved,
               CAST(in_transit AS BIGINT) AS in_transit,
               CAST(greatest(on_hand - reserved - {int(safety_buffer)}, 0) AS BIGINT) AS sellable_units,
               on_hand - reserved - {int(safety_buffer)} > 0 AS in_stock
        FROM inventory ORDER BY location_id, sku, ts
        """
    ).df()


def build_location_info(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One static row per location with its pickup window."""
    return con.execute(
        f"""
        SELECT location_id, TIMESTAMPTZ '{STATIC_TIMESTAMP}' AS event_timestamp,
               kind AS location_kind, region, lat, lon, service_radius_km,
               CAST(pickup_open_hour AS BIGINT) AS pickup_open_hour,
               CAST(pickup_close_hour AS BIGINT) AS pickup_close_hour,
               coalesce(pickup_close_hour > pickup_open_hour, FALSE) AS offers_pickup
        FROM locations ORDER BY location_id
        """
    ).df()
