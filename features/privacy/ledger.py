"""The erasure ledger: who has been erased, kept only as hashes.

Erasure must survive rebuilds: a raw file re-imported later may still hold the
person. Every build (identity, profile) drops rows whose customer_ref is in
the ledger. The ledger stores SHA-256 of each erased customer_ref (never the
ref itself), plus an append-only audit log of erasures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import pandas as pd

from omnicast.settings import Settings

# Columns that name a shopper, per validated table (exposures name them as unit_id).
REF_COLUMNS: dict[str, str] = {
    "identities": "customer_ref",
    "consents": "customer_ref",
    "transactions": "customer_ref",
    "events": "customer_ref",
    "exposures": "unit_id",
}


def ref_hash(ref: str) -> str:
    return hashlib.sha256(ref.encode()).hexdigest()


def erased_hashes(settings: Settings) -> set[str]:
    path = settings.paths.erasure_ledger
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def add_to_ledger(settings: Settings, refs: Iterable[str]) -> int:
    """Record refs as erased; returns how many were new."""
    known = erased_hashes(settings)
    new = sorted({ref_hash(r) for r in refs} - known)
    if new:
        path = settings.paths.erasure_ledger
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fh.write("".join(f"{h}\n" for h in new))
    return len(new)


def append_audit(settings: Settings, record: dict) -> None:
    path = settings.paths.audit_log
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(record, sort_keys=True, default=str) + "\n")


DEVICE_PREFIX = "device:"


def device_key(device_id: str) -> str:
    """Ledger entry for a device that only an erased shopper used."""
    return DEVICE_PREFIX + device_id


def erased_devices_among(devices: pd.Series, hashes: set[str]) -> set[str]:
    """Which of these device ids belong to erased shoppers."""
    if not hashes:
        return set()
    unique = pd.Series(devices.dropna().unique())
    return {d for d in unique if ref_hash(device_key(str(d))) in hashes}


def erased_refs_among(refs: pd.Series, hashes: set[str]) -> set[str]:
    """Which of these refs are erased (hashing each distinct ref once)."""
    if not hashes:
        return set()
    unique = pd.Series(refs.dropna().unique())
    return {r for r in unique if ref_hash(str(r)) in hashes}


def without_refs(
    table: str, frame: pd.DataFrame, refs: set[str], devices: set[str] | None = None
) -> pd.DataFrame:
    """The table with erased shoppers removed.

    Transactions are kept as guest lines (customer_ref set to null): the sale
    happened and demand forecasting needs it, but it no longer names anyone.
    Everything else that names an erased shopper is dropped, and so are events
    of a device only they used (anonymous browsing is still theirs).
    """
    column = REF_COLUMNS.get(table)
    if column is None or not (refs or devices) or column not in frame.columns:
        return frame
    hit = frame[column].isin(refs)
    if devices and table == "events":
        hit |= frame["device_id"].isin(devices)
    if table == "transactions":
        frame = frame.copy()
        frame.loc[hit, column] = None
        return frame
    return frame.loc[~hit].reset_index(drop=True)
