"""Small contract-shaped RAW tables built by code: one clean retailer for ingestion tests to break.

Every table of the contracts, valid, with timestamps as ISO strings as the
synthetic generator writes them; `as_strings()` turns every value into text so a
test can inject any bad value into any column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.ingest import IngestReport, ingest

SHA = "a" * 64


def clean_tables() -> dict[str, pd.DataFrame]:
    """Every contract table, valid, with timestamps as ISO strings like the generator writes."""
    return {
        "locations": pd.DataFrame(
            {
                "location_id": ["S1", "S2", "DC1"],
                "kind": ["store", "store", "dc"],
                "name": ["High St", "Mall", "Depot"],
                "lat": [51.5, 52.0, 53.1],
                "lon": [-0.1, -1.0, -2.2],
                "region": ["south", "mid", "north"],
                "pickup_open_hour": pd.array([9, 10, None], dtype="Int64"),
                "pickup_close_hour": pd.array([18, 20, None], dtype="Int64"),
                "service_radius_km": [10.0, 15.0, 0.0],
            }
        ),
        "products": pd.DataFrame(
            {
                "sku": ["P1", "P2", "P3"],
                "name": ["Mug", "Lamp", "Rug"],
                "category": ["kitchen", "lighting", "home"],
                "brand": ["Acme", None, "Acme"],
                "list_price": [4.5, 30.0, 99.0],
                "unit_cost": [2.0, None, 50.0],
                "attributes": ['{"colour": "red"}', None, "{}"],
                "gtin": ["0001", None, None],
            }
        ),
        "identities": pd.DataFrame(
            {
                "customer_ref": ["web:1", "pos:7", "loyalty:L9"],
                "source_system": ["web", "pos", "loyalty"],
                "source_customer_id": ["1", "7", "L9"],
                "email_sha256": [SHA, None, None],
                "phone_sha256": [None, "b" * 64, None],
                "loyalty_id": [None, None, "L9"],
                "device_id": ["d1", None, None],
                "first_seen": ["2024-01-01T10:00:00Z", "2024-01-02T11:00:00Z", "2024-01-03T12:00:00+00:00"],
            }
        ),
        "consents": pd.DataFrame(
            {
                "customer_ref": ["web:1", "web:1"],
                "purpose": ["marketing", "analytics"],
                "granted": [True, False],
                "ts": ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"],
                "source": ["web", "web"],
            }
        ),
        "offers": pd.DataFrame(
            {
                "offer_id": ["O1", "O2"],
                "kind": ["discount", "free_shipping"],
                "scope": ["sku", "all"],
                "scope_value": ["P1", None],
                "value": [0.1, 0.0],
                "cost": [0.5, 3.0],
                "start": ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"],
                "end": ["2024-01-31T00:00:00Z", "2024-02-28T00:00:00Z"],
                "channels": ["web,app", "web"],
                "eligibility": [None, "vip"],
            }
        ),
        "prices": pd.DataFrame(
            {
                "sku": ["P1", "P1"],
                "location_id": ["S1", "S2"],
                "date": ["2024-01-01", "2024-01-01"],
                "price": [4.5, 4.0],
                "promo": [False, True],
            }
        ),
        "inventory": pd.DataFrame(
            {
                "ts": ["2024-01-01T23:59:59Z", "2024-01-01T23:59:59Z"],
                "location_id": ["S1", "S2"],
                "sku": ["P1", "P2"],
                "on_hand": [5, 0],
                "reserved": [1, 0],
                "in_transit": [0, 3],
            }
        ),
        "transactions": pd.DataFrame(
            {
                "order_id": ["A1", "A1", "A2", "A3"],
                "line": [1, 2, 1, 1],
                "customer_ref": ["web:1", "web:1", None, "pos:7"],
                "channel": ["web", "web", "store", "store"],
                "location_id": ["DC1", "DC1", "S1", "S2"],
                "sku": ["P1", "P2", "P3", "P1"],
                "qty": [2, 1, 1, -1],
                "unit_price": [4.5, 30.0, 99.0, 4.5],
                "discount": [0.0, 3.0, 0.0, 0.0],
                "ts": [
                    "2024-01-05T10:00:00Z",
                    "2024-01-05T10:00:00Z",
                    "2024-01-06T09:30:00Z",
                    "2024-01-07T16:00:00Z",
                ],
                "fulfilment": ["ship", "ship", "in_store", "in_store"],
                "returned": [False, False, False, True],
            }
        ),
        "events": pd.DataFrame(
            {
                "event_id": ["E1", "E2", "E3"],
                "ts": ["2024-01-05T09:58:00Z", "2024-01-05T09:59:00Z", "2024-01-05T10:01:00Z"],
                "customer_ref": ["web:1", None, "web:1"],
                "device_id": ["d1", "d2", None],
                "channel": ["web", "app", "web"],
                "type": ["view", "search", "purchase"],
                "sku": ["P1", None, "P1"],
                "query": [None, "lamp", None],
                "device_type": ["desktop", "mobile", None],
                "os": ["linux", "ios", None],
                "source": ["seo", None, None],
            }
        ),
        "exposures": pd.DataFrame(
            {
                "experiment_id": ["X1", "X1"],
                "unit_id": ["web:1", "pos:7"],
                "variant": ["control", "treatment"],
                "ts": ["2024-01-04T00:00:00Z", "2024-01-04T00:00:00Z"],
                "channel": ["web", None],
            }
        ),
    }


def write_raw(raw_dir: Path, tables: dict[str, pd.DataFrame], fmt: str = "parquet") -> Path:
    """Write tables as raw files (parquet or csv) and return raw_dir."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(raw_dir / f"{name}.csv", index=False)
        else:
            frame.to_parquet(raw_dir / f"{name}.parquet", index=False)
    return raw_dir


def as_strings() -> dict[str, pd.DataFrame]:
    """The clean retailer with every value as a string (nulls kept), so anything can be injected."""

    def text(v: object) -> str | None:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        return str(v).lower() if isinstance(v, bool) else str(v)

    return {name: frame.astype(object).map(text) for name, frame in clean_tables().items()}


def run_ingest(home: dict[str, Path], tables: dict[str, pd.DataFrame], fmt: str = "parquet") -> IngestReport:
    """Write `tables` as the raw files of `home` and ingest them."""
    write_raw(home["raw"], tables, fmt)
    return ingest(home["raw"], home["validated"], home["quarantine"])


def quarantined(home: dict[str, Path], table: str) -> pd.DataFrame:
    return pd.read_parquet(home["quarantine"] / f"{table}.parquet")


def data_home(root: Path) -> dict[str, Path]:
    """raw / validated / quarantine paths below `root`, laid out like a data home."""
    return {
        "raw": root / "raw",
        "validated": root / "offline" / "validated",
        "quarantine": root / "quarantine",
    }
