"""Build every profile table from validated data and write them as Parquet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from features.profile import activity, affinity, consent, customer, location, product
from features.profile.inputs import OPTIONAL, REQUIRED, connect, read_validated, register

TABLES = (
    "customer_profile",
    "customer_consent",
    "customer_activity",
    "customer_affinity",
    "product_features",
    "location_stock",
    "location_info",
)


@dataclass
class ProfileTables:
    """Where each feature table was written, its row count and the build's as-of time."""

    as_of: pd.Timestamp
    paths: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def default_as_of(tables: dict[str, pd.DataFrame | Path]) -> pd.Timestamp:
    """The midnight after the last transaction or event: the build's "now"."""
    latest = [t["ts"].max() for name in ("transactions", "events")
              if isinstance(t := tables[name], pd.DataFrame) and len(t)]
    last = max(latest) if latest else pd.Timestamp.now(tz="UTC")
    return (pd.Timestamp(last).tz_convert("UTC").floor("D") + pd.Timedelta(days=1))


def load_tables(validated_dir: Path, erased: set[str] | None = None) -> dict[str, pd.DataFrame | Path]:
    """Validated tables needed by the build, without the shoppers in the erasure ledger.

    `erased` holds SHA-256 hashes of erased customer_refs (features.privacy.ledger).
    """
    tables = {name: read_validated(validated_dir, name) for name in REQUIRED + OPTIONAL}
    if erased:
        from features.privacy.ledger import (
            REF_COLUMNS,
            erased_devices_among,
            erased_refs_among,
            without_refs,
        )

        refs: set[str] = set()
        for name, column in REF_COLUMNS.items():
            frame = tables.get(name)
            if isinstance(frame, pd.DataFrame):
                refs |= erased_refs_among(frame[column], erased)
        events = tables["events"]
        assert isinstance(events, pd.DataFrame)
        devices = erased_devices_among(events["device_id"], erased)
        tables = {
            name: without_refs(name, frame, refs, devices) if isinstance(frame, pd.DataFrame) else frame
            for name, frame in tables.items()
        }
    return tables


def build_profile_tables(
    tables: dict[str, pd.DataFrame | Path],
    identity_map: pd.DataFrame,
    out_dir: Path,
    as_of: pd.Timestamp | None = None,
    safety_buffer: int = 1,
    cart_ttl_days: int = 30,
    product_history_days: int | None = None,
) -> ProfileTables:
    """Compute all feature tables (see the package doc for the time convention)."""
    as_of = pd.Timestamp(as_of).tz_convert("UTC") if as_of is not None else default_as_of(tables)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect()
    register(con, tables, identity_map)
    # In order (activity reuses the customer stamps); each table is written and
    # released before the next is built, so only one is in memory at a time.
    builders = {
        "customer_profile": lambda: customer.build_customer_profile(con, as_of),
        "customer_consent": lambda: consent.build_consent(con, as_of),
        "customer_activity": lambda: activity.build_activity(con, cart_ttl_days),
        "customer_affinity": lambda: affinity.build_affinity(con, as_of),
        "product_features": lambda: product.build_product(con, as_of, safety_buffer, product_history_days),
        "location_stock": lambda: location.build_location_stock(con, safety_buffer),
        "location_info": lambda: location.build_location_info(con),
    }
    result = ProfileTables(as_of=as_of)
    try:
        for name, build in builders.items():
            path = out_dir / f"{name}.parquet"
            result.rows[name] = _write(build(), path)
            result.paths[name] = path
    finally:
        con.close()
    return result


def _write(frame: pd.DataFrame, path: Path) -> int:
    """Write a feature table with a UTC microsecond stamp and typed text columns."""
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    # typed even when a column is all null (Feast needs a type per feature)
    text = frame.select_dtypes(include="object").columns
    frame[text] = frame[text].astype("string")
    frame.to_parquet(path, index=False)
    return len(frame)
