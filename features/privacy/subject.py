"""Who a privacy request is about: a customer_id or any of their customer_refs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.settings import Settings


class PrivacyError(OmnicastError):
    """A privacy request that cannot be carried out as asked."""


@dataclass(frozen=True)
class Subject:
    customer_id: str | None
    refs: tuple[str, ...]
    devices: tuple[str, ...] = ()


def private_devices(settings: Settings, refs: tuple[str, ...]) -> tuple[str, ...]:
    """Device ids on the person's refs and on nobody else's (a shared kiosk is not theirs)."""
    path = settings.paths.validated_table("identities")
    if not path.exists():
        return ()
    ids = pd.read_parquet(path, columns=["customer_ref", "device_id"]).dropna()
    mine = set(ids.loc[ids["customer_ref"].isin(refs), "device_id"])
    others = set(ids.loc[~ids["customer_ref"].isin(refs) & ids["device_id"].isin(mine), "device_id"])
    return tuple(sorted(mine - others))


def find_subject(settings: Settings, customer: str) -> Subject:
    """Resolve `customer` (customer_id or customer_ref) to the person's id and every ref.

    Uses the identity map of the last build; a ref absent from it is still a
    valid subject on its own (it may only exist in raw data).
    """
    path = settings.paths.identity_map
    mapping = pd.read_parquet(path) if Path(path).exists() else pd.DataFrame(
        columns=["customer_ref", "customer_id"]
    )
    if customer.startswith("cus_"):
        found = mapping.loc[mapping["customer_id"] == customer, "customer_ref"]
        if found.empty:
            raise PrivacyError(f"customer {customer} is not in the identity map ({path})")
        refs = tuple(sorted(found))
        return Subject(customer, refs, private_devices(settings, refs))
    if ":" not in customer:
        raise PrivacyError(
            f"{customer!r} is neither a customer_id (cus_...) nor a customer_ref (<system>:<id>)"
        )
    hit = mapping.loc[mapping["customer_ref"] == customer, "customer_id"]
    if hit.empty:
        return Subject(None, (customer,), private_devices(settings, (customer,)))
    customer_id = hit.iloc[0]
    refs = tuple(sorted(mapping.loc[mapping["customer_id"] == customer_id, "customer_ref"]))
    return Subject(customer_id, refs, private_devices(settings, refs))
