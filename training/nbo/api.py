"""The typed output of the scorer: ranked offers with value, fulfilment and reasons.

Plain frozen dataclasses (the service maps them onto its pydantic models at
the JSON edge). Field meanings:

- ``p_purchase``: P(the shopper buys this SKU within the horizon | no offer);
- ``uplift``: P(buy | offer) - P(buy | no offer) for this SKU (0 without an offer);
- ``expected_margin``: p_purchase x unit margin (the plain recommendation's worth);
- ``expected_incremental_value``: uplift x (margin - cost of the offer), the
  offer's own worth (see `training.nbo.value`); an offer is attached only when
  this is positive;
- ``fulfilment``: how the SKU reaches the shopper (`serving.rules.FulfilmentOption`);
- ``reasons``: which signals proposed it and which rules it passed, in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from serving.rules import FulfilmentOption

Mode = Literal["personalized", "context_only", "none"]


@dataclass(frozen=True, slots=True)
class ScoredOffer:
    rank: int
    sku: str
    category: str
    price: float
    offer_id: str | None
    offer_kind: str | None
    p_purchase: float
    uplift: float
    expected_margin: float
    expected_incremental_value: float
    fulfilment: FulfilmentOption
    sources: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ScoreResult:
    offers: tuple[ScoredOffer, ...]
    mode: Mode  # personalized, context_only (consent fallback), none (nothing may be sent)
    reasons: tuple[str, ...]  # request-level: consent, fallbacks
    model_version: str | None
    candidates: int  # generated
    deliverable: int  # of which some fulfilment option exists
    dropped: dict[str, int] = field(default_factory=dict)  # offer pairs dropped, by rule
