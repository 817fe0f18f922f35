"""`omnicast privacy erase`: remove a person everywhere, keep an audit, never bring them back.

Order: ledger first (so an interrupted erase still blocks every later build),
then raw, quarantine and validated tables, offline feature tables and identity
map, then the online store, then the audit record.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Set as AbstractSet
from pathlib import Path

import pandas as pd

from features.privacy.ledger import add_to_ledger, append_audit, device_key
from features.privacy.stores import CUSTOMER_VIEWS, locations, rewrite_without
from features.privacy.subject import find_subject
from omnicast.settings import Settings


def erase_customer(settings: Settings, customer: str, actor: str | None = None) -> dict:
    """Erase `customer` (customer_id or customer_ref); returns the audit record."""
    subject = find_subject(settings, customer)
    refs = set(subject.refs)
    add_to_ledger(settings, refs | {device_key(d) for d in subject.devices})
    counts: dict[str, int] = {}
    wanted: dict[str, AbstractSet[str | None]] = {"ref": refs, "customer": {subject.customer_id}, "device": set(subject.devices)}
    for label, path, column, kind in locations(settings):
        values = wanted[kind]
        anonymize = label in ("raw/transactions", "validated/transactions")
        removed = rewrite_without(path, column, {v for v in values if v}, anonymize=anonymize)
        if removed:
            counts[label + (" (anonymized)" if anonymize else "")] = removed
    counts["online_rows"] = _erase_online(settings, subject.customer_id)
    record = {
        "action": "erase",
        "who": actor or getpass.getuser(),
        "when": pd.Timestamp.now(tz="UTC").isoformat(),
        # the audit names the subject only by hash: it must not re-identify them
        "subject_sha256": hashlib.sha256((subject.customer_id or customer).encode()).hexdigest(),
        "refs": len(refs),
        "devices": len(subject.devices),
        "what": counts,
    }
    append_audit(settings, record)
    return record


def _erase_online(settings: Settings, customer_id: str | None) -> int:
    if customer_id is None or not (Path(settings.paths.feast) / "registry.db").exists():
        return 0
    from features.feature_repo.store import delete_entities, open_store

    store = open_store(settings)
    views = [v for v in CUSTOMER_VIEWS if v in {fv.name for fv in store.list_feature_views()}]
    return delete_entities(store, views, "customer_id", [customer_id])
