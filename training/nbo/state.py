"""One shopper's features in hand: the profile vector, affinities, history, consent.

The service builds a `ShopperState` from its online reads (`from_online`, the
Feast `nbo_customer` service: customer_profile, customer_consent,
customer_activity, customer_affinity) and training builds the same object
point in time at each cut-off, so candidates and features come from one code
path in both. An anonymous shopper (or one without personalization consent)
has an empty state and is ranked on context only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from serving.rules import Consent
from training.nbo.items import ItemIndex

# customer_profile columns the models read, in this order (days_since_* relative to now)
PROFILE_FEATURES: tuple[str, ...] = (
    "frequency_30d", "frequency_90d", "frequency_365d", "monetary_90d", "monetary_365d", "aov_365d",
    "units_365d", "visit_days_30d", "days_since_last_purchase", "days_since_last_visit", "promo_share_365d",
    "return_rate_365d", "channel_share_store", "channel_share_web", "channel_share_app", "top_category_share",
)
STALE_DAYS = ("days_since_last_purchase", "days_since_last_visit")
EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ShopperState:
    """Everything the scorer knows about one shopper (item indices refer to an `ItemIndex`)."""

    customer_id: str | None
    consent: Consent
    profile: np.ndarray  # float64 (len PROFILE_FEATURES), NaN unknown
    category_share: np.ndarray  # (n_categories,) share of units, 365 days
    brand_share: np.ndarray  # (n_brands,)
    bought: np.ndarray = field(default_factory=lambda: EMPTY)  # item index, most recent first
    bought_units: np.ndarray = field(default_factory=lambda: EMPTY)
    bought_days_ago: np.ndarray = field(default_factory=lambda: np.zeros(0))
    viewed: np.ndarray = field(default_factory=lambda: EMPTY)  # item index, most recent first
    carted: np.ndarray = field(default_factory=lambda: EMPTY)
    home_location: str | None = None  # preferred store
    loyalty_member: bool = False
    app_user: bool = False
    tags: frozenset[str] = frozenset()
    shown: Mapping[str, int] = field(default_factory=dict)  # offer_id -> times shown in the cap window
    experiment_offers: frozenset[str] = frozenset()

    @property
    def personalized(self) -> bool:
        return self.customer_id is not None and self.consent.personalization

    @classmethod
    def anonymous(cls, items: ItemIndex, viewed: tuple[str, ...] = (), carted: tuple[str, ...] = ()) -> ShopperState:
        """A shopper we cannot (or may not) profile: session views and cart only."""
        return cls(
            customer_id=None, consent=Consent(), profile=np.full(len(PROFILE_FEATURES), np.nan),
            category_share=np.zeros(len(items.categories)), brand_share=np.zeros(len(items.brands)),
            viewed=_known(items.positions(list(viewed))), carted=_known(items.positions(list(carted))),
        )

    def without_profile(self, items: ItemIndex) -> ShopperState:
        """The same shopper for context-only ranking: no profile, history or affinity is used."""
        return ShopperState.anonymous(items)

    @classmethod
    def from_online(cls, features: Mapping[str, Any], items: ItemIndex, elapsed_days: float = 0.0,
                    shown: Mapping[str, int] | None = None,
                    experiment_offers: frozenset[str] = frozenset()) -> ShopperState:
        """From one online read of the `nbo_customer` feature service (a {feature: value} dict).

        `elapsed_days` is the time since the profile row was stamped: it is added
        to the days_since_* features so they are relative to now.
        """
        profile = np.array([_num(features.get(f)) for f in PROFILE_FEATURES], dtype=float)
        for name in STALE_DAYS:
            profile[PROFILE_FEATURES.index(name)] += elapsed_days
        bought, units, days = parse_purchases(str(features.get("purchased_skus") or ""), items)
        member = bool(features.get("loyalty_member") or False)
        lifecycle = features.get("lifecycle_segment")
        tags = frozenset({"loyalty_members"} if member else set()) | (
            frozenset({f"lifecycle:{lifecycle}"}) if lifecycle else frozenset())
        return cls(
            customer_id=str(features.get("customer_id")) if features.get("customer_id") is not None else None,
            consent=Consent(personalization=bool(features.get("consent_personalization") or False),
                            marketing=bool(features.get("consent_marketing") or False)),
            profile=profile,
            category_share=parse_shares(str(features.get("category_affinity") or ""), items.categories),
            brand_share=parse_shares(str(features.get("brand_affinity") or ""), items.brands),
            bought=bought, bought_units=units, bought_days_ago=days + elapsed_days,
            viewed=_known(items.positions(_split(features.get("viewed_skus")))),
            carted=_known(items.positions(_split(features.get("cart_skus"), ","))),
            home_location=features.get("preferred_store"), loyalty_member=member,
            app_user=bool(features.get("app_user") or False), tags=tags,
            shown=dict(shown or {}), experiment_offers=experiment_offers,
        )


def _num(value: Any) -> float:
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def _split(value: Any, sep: str = "|") -> list[str]:
    return [s for s in str(value or "").split(sep) if s]


def _known(pos: np.ndarray) -> np.ndarray:
    return pos[pos >= 0]


def parse_shares(text: str, vocabulary: np.ndarray) -> np.ndarray:
    """'name:share|...' -> dense share vector over `vocabulary` (unknown names ignored)."""
    out = np.zeros(len(vocabulary))
    if not text:
        return out
    index = {str(v): i for i, v in enumerate(vocabulary)}
    for part in text.split("|"):
        name, _, share = part.rpartition(":")
        i = index.get(name)
        if i is not None:
            out[i] = float(share)
    return out


def parse_purchases(text: str, items: ItemIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """'sku:units:days_ago|...' -> (item index, units, days ago) for known SKUs."""
    if not text:
        return EMPTY, EMPTY, np.zeros(0)
    parts = [p.rsplit(":", 2) for p in text.split("|")]
    pos = items.positions([p[0] for p in parts])
    units = np.array([int(p[1]) for p in parts], dtype=np.int64)
    days = np.array([float(p[2]) for p in parts])
    keep = pos >= 0
    return pos[keep], units[keep], days[keep]
