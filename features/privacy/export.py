"""`omnicast privacy export`: everything Omnicast holds on a person, as JSON."""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from pathlib import Path

import pandas as pd

from features.privacy.stores import locations, read
from features.privacy.subject import PrivacyError, find_subject
from omnicast.settings import Settings


def export_customer(settings: Settings, customer: str, out: Path | None = None) -> dict:
    """Collect raw, validated, quarantined, profile and online data and identity links.

    Returns the document; writes it as JSON to `out` when given.
    """
    if out is not None and Path(out).is_dir():
        raise PrivacyError(f"--out {out} is a directory; give a file name, e.g. {Path(out) / 'person.json'}")
    subject = find_subject(settings, customer)
    doc: dict = {
        "customer_id": subject.customer_id,
        "customer_refs": list(subject.refs),
        "devices": list(subject.devices),
        "exported_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "note": "e-mail addresses and phone numbers are held only as SHA-256 hashes",
        "data": {},
    }
    for label, path, column, kind in locations(settings):
        choices: dict[str, AbstractSet[str | None]] = {"ref": set(subject.refs), "customer": {subject.customer_id},
                                                       "device": set(subject.devices)}
        wanted = choices[kind]
        frame = read(path)
        if column not in frame.columns:
            continue
        rows = frame[frame[column].astype("string").isin(wanted)]
        if kind == "device":  # only the anonymous ones; the rest are exported by ref
            rows = rows[rows["customer_ref"].isna()]
        if len(rows):
            doc["data"][label] = json.loads(rows.to_json(orient="records", date_format="iso"))
    if subject.customer_id is None and not doc["data"]:  # most often a mistyped id
        raise PrivacyError(
            f"nothing is held on {customer} under {settings.home}: it is not in the identity map and no "
            "raw, validated or quarantined row names it (check the system prefix and the id)"
        )
    doc["data"]["online_features"] = _online(settings, subject.customer_id)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(doc, indent=2, default=str))
    return doc


def _online(settings: Settings, customer_id: str | None) -> dict | None:
    """The person's features in the online store (None when nothing is stored or no repo)."""
    if customer_id is None or not (Path(settings.paths.feast) / "registry.db").exists():
        return None
    from features.feature_repo.store import OnlineReader, open_store

    row = OnlineReader(open_store(settings), "nbo_customer").read(customer_id)
    values = {k: v for k, v in row.items() if k != "customer_id"}
    return row if any(v is not None for v in values.values()) else None
