"""Generator configuration: sizes, rates and the random streams derived from the seed.

Every knob lives here so that a run is fully described by its config (which the
manifest records) and a seed. Presets give the sizes users ask for by name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from omnicast.errors import OmnicastError

GENERATOR_VERSION = "1.1"  # 1.1: per-shopper offer response, exploration rounds

# One independent random stream per component, in a fixed order: adding a new
# component at the end never changes the numbers the others draw.
STREAMS = (
    "calendar",
    "catalog",
    "prices",
    "offers",
    "customers",
    "identities",
    "consents",
    "experiment",
    "demand",
    "inventory",
    "orders",
    "returns",
    "events",
    "faults",
)


class GeneratorConfigError(OmnicastError):
    """A generator setting is invalid or a preset name is unknown."""


class GeneratorConfig(BaseModel):
    """Everything that decides what `generate` writes; same config -> same bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(42, ge=0, description="Root seed of every random stream.")
    customers: int = Field(3000, ge=20, le=5_000_000, description="Shoppers (persons).")
    stores: int = Field(5, ge=1, le=500, description="Physical stores.")
    skus: int = Field(150, ge=10, le=100_000, description="Products in the catalogue.")
    days: int = Field(548, ge=90, le=3650, description="Days of history.")
    start_date: date = Field(date(2023, 7, 2), description="First day of history.")
    bad_row_rate: float = Field(0.0, ge=0.0, le=0.5, description="Share of rows given a fault.")

    dcs: int = Field(1, ge=1, le=5, description="Distribution centres serving web/app orders.")
    pickup_points: int = Field(3, ge=0, le=200, description="Parcel pickup points.")
    store_daily_units: float = Field(30.0, gt=0, description="Mean units one store sells a day.")
    online_share: float = Field(0.25, ge=0.0, le=0.9, description="Share of units shipped from DCs.")
    bopis_share: float = Field(0.08, ge=0.0, le=0.5, description="Share of store units ordered online.")
    store_guest_share: float = Field(0.3, ge=0.0, le=1.0, description="Store orders with no id.")
    web_guest_share: float = Field(0.12, ge=0.0, le=1.0, description="Web guest checkouts.")
    return_rate: float = Field(0.05, ge=0.0, le=0.5, description="Mean share of lines returned.")
    promo_rate: float = Field(0.08, ge=0.0, le=0.5, description="Share of SKU-days on promotion.")
    dispersion: float = Field(3.0, gt=0, description="Negative-binomial shape of daily demand.")
    new_sku_share: float = Field(0.12, ge=0.0, le=0.5, description="SKUs launched during history.")
    discontinued_share: float = Field(0.08, ge=0.0, le=0.5, description="SKUs dropped in history.")
    supply_failure_rate: float = Field(0.04, ge=0.0, le=1.0, description="Replenishments short-shipped.")

    email_typo_rate: float = Field(0.03, ge=0.0, le=0.5,
                                   description="POS rows with a typo'd e-mail (typed by a cashier).")
    new_email_rate: float = Field(0.04, ge=0.0, le=0.5, description="Persons with a 2nd web account.")
    shared_device_rate: float = Field(0.3, ge=0.0, le=1.0, description="Households sharing a tablet.")
    placeholder_email_rate: float = Field(0.03, ge=0.0, le=0.5, description="POS rows with noemail@.")
    kiosk_rate: float = Field(0.05, ge=0.0, le=0.5, description="POS rows carrying a store kiosk id.")
    unlinkable_ref_rate: float = Field(
        0.005, ge=0.0, le=0.5,
        description="Refs with only a new e-mail (and new device online): no key can link them.")

    browse_sessions_per_order: float = Field(1.5, ge=0.0, le=20.0, description="Browse-only sessions.")
    experiment_days: int = Field(28, ge=7, le=120, description="Length of the offer experiment.")
    experiment_end_offset: int = Field(14, ge=0, le=365, description="Days from experiment end to end.")
    experiment_uplift_scale: float = Field(1.0, ge=0.0, le=5.0, description="Scales true offer uplift.")
    explore_days: int = Field(28, ge=0, le=120, description="Offer-kind exploration window (0: none).")
    explore_rounds: int = Field(1, ge=1, le=12,
                                description="Exploration waves, each re-randomising every unit (as history allows).")

    @model_validator(mode="after")
    def _experiment_fits(self) -> GeneratorConfig:
        if self.experiment_days + self.experiment_end_offset > self.days // 2:
            raise ValueError(
                f"experiment_days ({self.experiment_days}) + experiment_end_offset "
                f"({self.experiment_end_offset}) must fit in the second half of days ({self.days})"
            )
        return self

    @classmethod
    def preset(cls, name: str, seed: int = 42, bad_row_rate: float = 0.0, **overrides: Any) -> GeneratorConfig:
        """The named size with a seed, a fault rate and any field overridden."""
        if name not in PRESETS:
            raise GeneratorConfigError(
                f"unknown size {name!r}; choose one of: {', '.join(PRESETS)}"
            )
        values = {**PRESETS[name], "seed": seed, "bad_row_rate": bad_row_rate, **overrides}
        return cls.build(**values)

    @classmethod
    def build(cls, **values: Any) -> GeneratorConfig:
        """Construct, turning pydantic's errors into one readable OmnicastError."""
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']} "
                f"(got {err.get('input')!r})"
                for err in exc.errors()
            ]
            raise GeneratorConfigError(
                "invalid generator config:\n  " + "\n  ".join(problems)
            ) from None

    @property
    def years(self) -> float:
        return self.days / 365.25

    def rngs(self) -> dict[str, np.random.Generator]:
        """One independent numpy Generator per component, all derived from `seed`."""
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        return {name: np.random.default_rng(ss) for name, ss in zip(STREAMS, children)}


# Sizes by name. "tiny" keeps tests fast; "large" is about a million transaction lines.
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": dict(customers=400, stores=3, skus=40, days=240, start_date=date(2024, 5, 5),
                 store_daily_units=25.0, pickup_points=1),
    "demo": dict(customers=3000, stores=5, skus=150, days=548, start_date=date(2023, 7, 2),
                 store_daily_units=55.0, explore_rounds=3),
    "small": dict(customers=10_000, stores=8, skus=300, days=730, start_date=date(2023, 1, 1),
                  store_daily_units=45.0, pickup_points=5, explore_rounds=6),
    "medium": dict(customers=30_000, stores=10, skus=400, days=730, start_date=date(2023, 1, 1),
                   store_daily_units=70.0, dcs=2, pickup_points=8, explore_rounds=6),
    "large": dict(customers=60_000, stores=12, skus=500, days=730, start_date=date(2023, 1, 1),
                  store_daily_units=100.0, dcs=2, pickup_points=12, explore_rounds=6),
}
