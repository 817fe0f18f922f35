"""A tiny hand-made retailer in the validated (contract) shape, with known answers.

Used by the profile, Feast and privacy tests (tests/features/...). Every value
below is chosen so that the expected features can be worked out by hand; the
answers are written next to the tests that check them.

People: anna (web:a1, pos:p1, loyalty:LA), bob (web:b1), and two strangers
(web:k1, web:k2) who used the same store kiosk device.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from features.contracts import CONTRACTS

AS_OF = pd.Timestamp("2024-03-01", tz="UTC")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ts(values: list[str]) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True).astype("datetime64[us, UTC]")


def tables() -> dict[str, pd.DataFrame]:
    """Contract-shaped, typed source tables."""
    products = pd.DataFrame(
        {
            "sku": ["S1", "S2", "S3"],
            "name": ["Mug", "Lamp", "Pen"],
            "category": ["A", "B", "A"],
            "brand": ["X", "Y", "Y"],
            "list_price": [10.0, 20.0, 5.0],
            "unit_cost": [6.0, 10.0, 2.0],
            "attributes": [None, None, None],
            "gtin": [None, None, None],
        }
    )
    locations = pd.DataFrame(
        {
            "location_id": ["L1", "L2", "W1"],
            "kind": ["store", "store", "dc"],
            "name": ["Centre", "Mall", "Depot"],
            "lat": [52.0, 52.1, 52.2],
            "lon": [4.0, 4.1, 4.2],
            "region": ["north", "north", "north"],
            "pickup_open_hour": pd.array([9, 10, None], dtype="Int64"),
            "pickup_close_hour": pd.array([21, 18, None], dtype="Int64"),
            "service_radius_km": [10.0, 15.0, 0.0],
        }
    )
    refs = ["web:a1", "pos:p1", "loyalty:LA", "web:b1", "web:k1", "web:k2"]
    identities = pd.DataFrame(
        {
            "customer_ref": refs,
            "source_system": [r.split(":")[0] for r in refs],
            "source_customer_id": [r.split(":")[1] for r in refs],
            "email_sha256": [sha("anna@x"), None, sha("anna@x"), sha("bob@x"), None, None],
            "phone_sha256": [None, None, sha("+3161"), None, None, None],
            "loyalty_id": [None, "LA", "LA", None, None, None],
            "device_id": ["dev-anna", None, None, None, "KIOSK", "KIOSK"],
            "first_seen": _ts(["2023-06-01"] * 6),
        }
    )
    consents = pd.DataFrame(
        {
            "customer_ref": ["loyalty:LA", "web:a1", "web:a1"],
            "purpose": ["personalization", "personalization", "marketing"],
            "granted": [True, False, True],
            "ts": _ts(["2024-01-01", "2024-02-15", "2024-01-01"]),
            "source": ["form", "web", "web"],
        }
    )
    tx = pd.DataFrame(
        [
            ("O1", 1, "pos:p1", "store", "L1", "S1", 2, 10.0, 0.0, "2024-02-28 10:00", "in_store", False),
            ("O1", 2, "pos:p1", "store", "L1", "S2", 1, 20.0, 5.0, "2024-02-28 10:00", "in_store", False),
            ("O2", 1, "web:a1", "web", "W1", "S3", 4, 5.0, 0.0, "2024-02-10 08:00", "ship", False),
            ("O3", 1, "loyalty:LA", "store", "L2", "S2", 1, 20.0, 0.0, "2023-12-01 12:00", "in_store", False),
            ("R1", 1, "pos:p1", "store", "L1", "S1", -1, 10.0, 0.0, "2024-02-29 09:00", "in_store", True),
            ("O4", 1, "web:b1", "store", "L1", "S1", 1, 10.0, 0.0, "2023-01-15 12:00", "in_store", False),
            ("O5", 1, None, "store", "L2", "S3", 3, 5.0, 0.0, "2024-02-29 11:00", "in_store", False),
        ],
        columns=[c.name for c in CONTRACTS["transactions"].columns],
    )
    tx["ts"] = _ts(list(tx["ts"]))
    tx["customer_ref"] = tx["customer_ref"].astype("string")
    ev = pd.DataFrame(
        [
            ("e1", "2024-02-27 10:00", "web:a1", "dev-anna", "web", "view", "S2"),
            ("e2", "2024-02-29 12:00", "web:a1", "dev-anna", "web", "add_to_cart", "S3"),
            ("e3", "2024-02-29 13:00", "web:a1", "dev-anna", "web", "add_to_cart", "S1"),
            ("e4", "2024-02-29 14:00", "web:a1", "dev-anna", "web", "remove_from_cart", "S1"),
            ("e5", "2024-02-29 15:00", "web:a1", "dev-anna", "web", "view", "S1"),
            ("e6", "2024-02-20 15:00", "web:k1", "KIOSK", "store", "view", "S2"),
            ("e7", "2024-02-25 09:00", None, "dev-anna", "web", "view", "S3"),  # anna, logged out
            ("e8", "2024-02-26 09:00", None, "KIOSK", "store", "view", "S3"),  # someone at the kiosk
        ],
        columns=["event_id", "ts", "customer_ref", "device_id", "channel", "type", "sku"],
    )
    ev["ts"] = _ts(list(ev["ts"]))
    ev["customer_ref"] = ev["customer_ref"].astype("string")
    for col in ("query", "device_type", "os", "source"):
        ev[col] = pd.Series([None] * len(ev), dtype="string")
    prices = pd.DataFrame(
        {
            "sku": ["S2", "S1", "S1"],
            "location_id": ["L1", "L1", "L2"],
            "date": pd.to_datetime(["2024-02-28", "2024-03-01", "2024-03-01"]).date,
            "price": [15.0, 9.0, 10.0],
            "promo": [True, True, False],
        }
    )
    inventory = pd.DataFrame(
        {
            "ts": _ts(["2024-02-29 23:59"] * 3),
            "location_id": ["L1", "L2", "L1"],
            "sku": ["S1", "S1", "S2"],
            "on_hand": [5, 1, 0],
            "reserved": [1, 0, 0],
            "in_transit": [0, 0, 4],
        }
    )
    out = {
        "products": products,
        "locations": locations,
        "identities": identities,
        "consents": consents,
        "transactions": tx,
        "events": ev,
        "prices": prices,
        "inventory": inventory,
    }
    return {name: frame[CONTRACTS[name].column_names] for name, frame in out.items()}


TRUTH = pd.DataFrame(
    {
        "customer_ref": ["web:a1", "pos:p1", "loyalty:LA", "web:b1", "web:k1", "web:k2"],
        "person_id": ["anna", "anna", "anna", "bob", "k1", "k2"],
    }
)


def write_validated(validated_dir: Path) -> dict[str, pd.DataFrame]:
    """Write the tables as validated Parquet files; returns them."""
    validated_dir.mkdir(parents=True, exist_ok=True)
    data = tables()
    for name, frame in data.items():
        frame.to_parquet(validated_dir / f"{name}.parquet", index=False)
    return data


def write_raw(raw_dir: Path) -> None:
    """Write the same tables as raw Parquet (what erasure must also clean)."""
    write_validated(raw_dir)
