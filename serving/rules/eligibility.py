"""Offer eligibility: which (SKU, offer) pairs may be shown to this shopper, here, now.

Rules, each with a code that travels with the recommendation as its reason:

- ``consent``: personalization needs the shopper's `personalization` consent;
  without it the caller ranks on context only (`Consent.mode`) and says so.
  Outbound channels (e-mail, push) also need `marketing` consent.
- ``channel``: the offer lists the request's channel.
- ``window``: start <= now < end.
- ``audience``: the offer's eligibility rule (none = everyone, `loyalty_members`,
  or a tag the caller attaches to the shopper, e.g. `lifecycle:active`).
  Campaign offers (`experiment:<id>`) only reach units the experiment assigned.
- ``frequency``: shown fewer than `max_per_offer` times in the cap window.
- ``margin``: margin after the offer's cost stays at or above the floor.

Arrays in, arrays out: `OfferCatalog` holds the live offers as parallel arrays,
`applicable` expands candidates x offers by scope, and `check` returns a mask
with the first failing rule per pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from omnicast.errors import OmnicastError

RULES = ("channel", "window", "audience", "frequency", "margin")
PASSED = -1
OUTBOUND_CHANNELS = frozenset({"email", "push", "sms"})


class OfferCatalogError(OmnicastError):
    """The offers table cannot be read as an offer catalogue."""


@dataclass(frozen=True)
class RuleConfig:
    """What merchandising configures."""

    margin_floor: float = 0.05  # margin after the offer's cost, as a share of price
    max_per_offer: int = 3  # frequency cap per shopper x offer ...
    cap_window_days: int = 7  # ... in this many days
    outbound_channels: frozenset[str] = OUTBOUND_CHANNELS


@dataclass(frozen=True)
class Consent:
    """The purposes in force for this shopper (unknown shopper: all False)."""

    personalization: bool = False
    marketing: bool = False

    def mode(self, channel: str, rules: RuleConfig | None = None) -> Literal["personalized", "context_only", "none"]:
        """How the request may be answered: with the profile, on context only, or not at all."""
        rules = rules or RuleConfig()
        if channel in rules.outbound_channels and not self.marketing:
            return "none"
        return "personalized" if self.personalization else "context_only"

    def reason(self, channel: str, rules: RuleConfig | None = None) -> str:
        mode = self.mode(channel, rules)
        if mode == "none":
            return f"consent: no marketing consent for the outbound channel {channel!r}: nothing is sent"
        if mode == "context_only":
            return "consent: no personalization consent: ranked on context only (location, season, page), not the profile"
        return "consent: personalization granted"


@dataclass(frozen=True)
class OfferCatalog:
    """Live offers as arrays; start/end are epoch seconds, channels a set per offer."""

    offer_id: np.ndarray  # object
    kind: np.ndarray  # object: discount / bundle / free_shipping / points / content
    scope: np.ndarray  # object: sku / category / all
    scope_value: np.ndarray  # object (None for all)
    value: np.ndarray
    cost: np.ndarray  # expected cost per redemption (currency); discounts: value x price
    start: np.ndarray
    end: np.ndarray
    channels: tuple[frozenset[str], ...]
    eligibility: np.ndarray  # object (None = everyone)
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {str(o): i for i, o in enumerate(self.offer_id)})

    @property
    def n(self) -> int:
        return len(self.offer_id)

    @classmethod
    def empty(cls) -> OfferCatalog:
        o = np.zeros(0, dtype=object)
        f = np.zeros(0)
        return cls(o, o, o, o, f, f, f, f, (), o)

    @classmethod
    def from_frame(cls, frame: Any) -> OfferCatalog:
        """From a table shaped like the `offers` contract (start/end timestamps or epoch seconds)."""
        missing = {"offer_id", "kind", "scope", "scope_value", "value", "cost", "start", "end", "channels"} - set(frame.columns)
        if missing:
            raise OfferCatalogError(f"offers table lacks column(s) {sorted(missing)}")

        def epoch(col: str) -> np.ndarray:
            values = frame[col]
            if str(values.dtype).startswith("datetime64"):
                return np.asarray(values.astype("int64").to_numpy(), dtype=float) / _unit_per_second(values.dtype)
            return np.asarray(values.to_numpy(), dtype=float)

        def obj(col: str) -> np.ndarray:
            out = frame[col].astype(object).to_numpy()
            return np.array([None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in out],
                            dtype=object)

        elig = obj("eligibility") if "eligibility" in frame.columns else np.full(len(frame), None, dtype=object)
        return cls(
            offer_id=obj("offer_id"), kind=obj("kind"), scope=obj("scope"), scope_value=obj("scope_value"),
            value=frame["value"].to_numpy(dtype=float), cost=frame["cost"].to_numpy(dtype=float),
            start=epoch("start"), end=epoch("end"),
            channels=tuple(frozenset(c.strip() for c in str(v).split(",") if c.strip()) for v in frame["channels"]),
            eligibility=elig,
        )

    def live(self, now: float) -> OfferCatalog:
        """Only offers valid at `now` (a cheap pre-filter for a service that reloads hourly)."""
        keep = np.flatnonzero((self.start <= now) & (now < self.end))
        return self.take(keep)

    def take(self, rows: np.ndarray) -> OfferCatalog:
        return OfferCatalog(self.offer_id[rows], self.kind[rows], self.scope[rows], self.scope_value[rows],
                            self.value[rows], self.cost[rows], self.start[rows], self.end[rows],
                            tuple(self.channels[i] for i in rows), self.eligibility[rows])

    def cost_for(self, offer: np.ndarray, price: np.ndarray) -> np.ndarray:
        """Cost of redeeming each offer on a unit at `price`: discounts scale with the price."""
        is_discount = self.kind[offer] == "discount"
        return np.where(is_discount, self.value[offer] * price, self.cost[offer])


def _unit_per_second(dtype: Any) -> float:
    unit = np.datetime_data(getattr(dtype, "base", dtype))[0] if not hasattr(dtype, "unit") else dtype.unit
    return {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]


@dataclass(frozen=True)
class Pairs:
    """Candidate x offer pairs: `cand` indexes the candidate arrays, `offer` the catalogue."""

    cand: np.ndarray
    offer: np.ndarray


def applicable(catalog: OfferCatalog, skus: np.ndarray, categories: np.ndarray) -> Pairs:
    """Every (candidate, offer) whose scope covers the candidate: its SKU, its category, or all."""
    if catalog.n == 0 or len(skus) == 0:
        e = np.zeros(0, dtype=np.int64)
        return Pairs(e, e)
    scope, value = catalog.scope, catalog.scope_value
    hit = ((scope == "all")[None, :]
           | ((scope == "sku")[None, :] & (skus[:, None] == value[None, :]))
           | ((scope == "category")[None, :] & (categories[:, None] == value[None, :])))
    cand, offer = np.nonzero(hit)
    return Pairs(cand.astype(np.int64), offer.astype(np.int64))


@dataclass(frozen=True)
class Shopper:
    """What the rules need to know about the shopper (no profile values)."""

    tags: frozenset[str] = frozenset()  # e.g. loyalty_members, lifecycle:active
    experiment_offers: frozenset[str] = frozenset()  # campaign offer ids this unit was assigned
    shown: Mapping[str, int] = field(default_factory=dict)  # offer_id -> times shown in the cap window


@dataclass(frozen=True)
class Checked:
    """Per pair: passes all rules, else the index in RULES of the first it failed."""

    failed: np.ndarray  # int8, PASSED = -1

    @property
    def ok(self) -> np.ndarray:
        return np.asarray(self.failed == PASSED)

    def dropped(self) -> dict[str, int]:
        counts = np.bincount(self.failed[self.failed >= 0], minlength=len(RULES))
        return {rule: int(c) for rule, c in zip(RULES, counts) if c}


def check(catalog: OfferCatalog, pairs: Pairs, shopper: Shopper, channel: str, now: float,
          price: np.ndarray, unit_cost: np.ndarray, rules: RuleConfig | None = None) -> Checked:
    """Apply the rules to each pair; `price`/`unit_cost` are per candidate (NaN cost: margin unknown)."""
    rules = rules or RuleConfig()
    o = pairs.offer
    failed = np.full(o.size, PASSED, dtype=np.int8)
    if o.size == 0:
        return Checked(failed)
    channel_ok = np.array([channel in catalog.channels[i] for i in range(catalog.n)], dtype=bool)[o]
    window_ok = (catalog.start[o] <= now) & (now < catalog.end[o])
    audience_ok = _audience(catalog, shopper)[o]
    shown = np.array([shopper.shown.get(str(x), 0) for x in catalog.offer_id], dtype=np.int64)[o]
    freq_ok = shown < rules.max_per_offer
    p = price[pairs.cand]
    cost = catalog.cost_for(o, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_after = (p - unit_cost[pairs.cand] - cost) / p
    margin_ok = np.nan_to_num(margin_after, nan=-np.inf) >= rules.margin_floor
    for code, ok in enumerate((channel_ok, window_ok, audience_ok, freq_ok, margin_ok)):
        failed[(failed == PASSED) & ~ok] = code
    return Checked(failed)


def _audience(catalog: OfferCatalog, shopper: Shopper) -> np.ndarray:
    out = np.empty(catalog.n, dtype=bool)
    for i, rule in enumerate(catalog.eligibility):
        if rule is None or rule == "":
            out[i] = True
        elif str(rule).startswith("experiment:"):
            out[i] = str(catalog.offer_id[i]) in shopper.experiment_offers
        else:
            out[i] = str(rule) in shopper.tags
    return out


def describe(catalog: OfferCatalog, offer: int, price: float, unit_cost: float, shopper: Shopper,
             rules: RuleConfig | None = None) -> tuple[str, ...]:
    """The rules an offer passed, as reasons a person can read."""
    rules = rules or RuleConfig()
    cost = float(catalog.cost_for(np.array([offer]), np.array([price]))[0])
    margin = (price - unit_cost - cost) / price if price > 0 and np.isfinite(unit_cost) else float("nan")
    oid = str(catalog.offer_id[offer])
    audience = catalog.eligibility[offer] or "everyone"
    return (
        f"offer {oid} ({catalog.kind[offer]}, scope {catalog.scope[offer]}"
        f"{'=' + str(catalog.scope_value[offer]) if catalog.scope_value[offer] else ''}) valid now for {audience}",
        f"margin after offer {margin:.0%} >= floor {rules.margin_floor:.0%}",
        f"shown {shopper.shown.get(oid, 0)} of {rules.max_per_offer} times in {rules.cap_window_days} days",
    )
