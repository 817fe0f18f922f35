"""Link source ids into people by the keys they share, as a graph.

Nodes are customer_refs; two refs are joined when they carry the same value of
a linking key (hashed e-mail, hashed phone, loyalty id, device id). People are
the connected components (scipy's `connected_components`, no Python loop over
rows).

Over-merging guard. One shared value would glue strangers together: a store's
kiosk device, a household tablet, a placeholder e-mail typed by cashiers. A key
value is therefore *not used for linking* when either

- it is carried by more than `max_refs_per_key` refs in total (a person has one
  id per source system, so a key on dozens of refs is not one person's), or
- it is carried by more than `max_refs_per_system` refs of the *same* source
  system (by default for devices and e-mail: two web accounts on one tablet
  are a household, POS ids on one device are a store kiosk, POS ids with one
  address are a cashier's placeholder).

Both limits are per key type and configurable; every dropped value is counted
in the merge statistics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from omnicast.errors import OmnicastError

LINK_KEYS: tuple[str, ...] = ("email_sha256", "phone_sha256", "loyalty_id", "device_id")


class IdentityError(OmnicastError):
    """The identities table or the identity configuration cannot be used."""


@dataclass(frozen=True)
class IdentityConfig:
    """The explicit over-merge rule (see module doc); limits are per key type."""

    max_refs_per_key: dict[str, int] = field(
        default_factory=lambda: {k: 8 for k in LINK_KEYS}
    )
    # Devices and e-mail addresses are what different people share within one system
    # (a household tablet, a store kiosk, a cashier's placeholder address on POS ids).
    # A person's own phone or loyalty card legitimately sits on both of their web
    # accounts, so those keys are limited by max_refs_per_key only.
    max_refs_per_system: dict[str, int] = field(
        default_factory=lambda: {"device_id": 1, "email_sha256": 1}
    )
    keys: tuple[str, ...] = LINK_KEYS

    def __post_init__(self) -> None:
        for key in self.keys:
            if key not in LINK_KEYS:
                raise IdentityError(f"identity key {key!r} is not one of {LINK_KEYS}")
            for name, limits in (
                ("max_refs_per_key", self.max_refs_per_key),
                ("max_refs_per_system", self.max_refs_per_system),
            ):
                if limits.get(key, 1) < 1:
                    raise IdentityError(f"identity {name}[{key}] must be >= 1, got {limits[key]}")


@dataclass
class IdentityResult:
    """The identity map (customer_ref -> customer_id, with source system) and statistics."""

    mapping: pd.DataFrame
    stats: dict


def customer_id_for(ref: str) -> str:
    """Stable id of a person: derived from the smallest customer_ref in their component."""
    return "cus_" + hashlib.sha256(ref.encode()).hexdigest()[:16]


def resolve(identities: pd.DataFrame, config: IdentityConfig | None = None) -> IdentityResult:
    """Resolve identities (contract `identities`) into people.

    Returns one row per customer_ref: customer_ref, source_system, customer_id,
    first_seen (earliest first_seen of the person).
    """
    config = config or IdentityConfig()
    missing = {"customer_ref", "source_system", *config.keys} - set(identities.columns)
    if missing:
        raise IdentityError(f"identities table lacks columns {sorted(missing)}")
    refs = identities.drop_duplicates("customer_ref").reset_index(drop=True)
    n = len(refs)
    node = np.arange(n)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    key_stats: dict[str, dict[str, int]] = {}
    for key in config.keys:
        src, dst, stats = _key_edges(refs, node, key, config)
        rows.append(src)
        cols.append(dst)
        key_stats[key] = stats
    src = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    dst = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    mapping = _label_people(refs, labels)
    return IdentityResult(mapping=mapping, stats=_merge_stats(mapping, key_stats, len(src)))


def _key_edges(
    refs: pd.DataFrame, node: np.ndarray, key: str, config: IdentityConfig
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Star edges (each ref -> first ref with the same value) for the usable values of `key`."""
    frame = pd.DataFrame(
        {"node": node, "value": refs[key].to_numpy(), "system": refs["source_system"].to_numpy()}
    ).dropna(subset=["value"])
    frame = frame[frame["value"].astype(str).str.len() > 0]
    per_value = frame.groupby("value", sort=False)["node"].transform("size")
    per_system = frame.groupby(["value", "system"], sort=False)["node"].transform("size")
    too_many = per_value > config.max_refs_per_key.get(key, 8)
    shared_in_system = per_system > config.max_refs_per_system.get(key, len(frame) + 1)
    bad_values = frame.loc[too_many | shared_in_system, "value"].unique()
    usable = frame[~frame["value"].isin(bad_values)]
    first = usable.groupby("value", sort=False)["node"].transform("first")
    linked = usable["node"] != first
    stats = {
        "values": int(frame["value"].nunique()),
        "refs_with_value": int(len(frame)),
        "dropped_too_many_refs": int(frame.loc[too_many, "value"].nunique()),
        "dropped_shared_within_system": int(frame.loc[shared_in_system & ~too_many, "value"].nunique()),
        "edges": int(linked.sum()),
    }
    return (
        usable.loc[linked, "node"].to_numpy(),
        first[linked].to_numpy(),
        stats,
    )


def _label_people(refs: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_ref": refs["customer_ref"].astype(str).to_numpy(),
            "source_system": refs["source_system"].to_numpy(),
            "component": labels,
        }
    )
    # smallest ref per component, via integer positions in sorted order (a string
    # min would fall back to a Python loop in pandas)
    ordered = np.sort(frame["customer_ref"].to_numpy().astype(str))
    position = pd.Series(np.searchsorted(ordered, frame["customer_ref"].to_numpy().astype(str)))
    anchor = pd.Series(ordered[position.groupby(frame["component"]).transform("min").to_numpy()])
    ids = pd.Series(anchor.unique())
    lookup = dict(zip(ids, ids.map(customer_id_for), strict=True))
    frame["customer_id"] = anchor.map(lookup)
    if "first_seen" in refs.columns:
        frame["first_seen"] = refs["first_seen"].reset_index(drop=True)
        frame["first_seen"] = frame.groupby("customer_id")["first_seen"].transform("min")
    return frame.drop(columns="component").sort_values("customer_ref").reset_index(drop=True)


def _merge_stats(mapping: pd.DataFrame, key_stats: dict, edges: int) -> dict:
    sizes = mapping.groupby("customer_id").size()
    systems = mapping.groupby("customer_id")["source_system"].nunique()
    return {
        "refs": int(len(mapping)),
        "customers": int(len(sizes)),
        "merged_refs": int(len(mapping) - len(sizes)),
        "singletons": int((sizes == 1).sum()),
        "largest_component": int(sizes.max()) if len(sizes) else 0,
        "mean_refs_per_customer": float(sizes.mean()) if len(sizes) else 0.0,
        "customers_by_refs": {str(k): int(v) for k, v in sizes.value_counts().sort_index().items()},
        "customers_spanning_systems": {
            str(k): int(v) for k, v in systems.value_counts().sort_index().items()
        },
        "edges": int(edges),
        "keys": key_stats,
    }
