"""Each shopper's true response to each offer kind, from their latent traits.

An offer of kind k sent to shopper i causes, with probability ``uplift[i, k]``,
one extra online order in the campaign window (the experiments simulate
exactly that). The uplift comes from the shopper's own latent traits, the
ones their behaviour reveals (more or less clearly), so that there is
heterogeneity worth learning within every segment:

- discount: price sensitivity (deal proneness, the trait that makes them buy
  on promotion) and recency (a less active shopper is won back by money off);
- bundle: a little more for a concentrated category taste;
- free_shipping: online-heavy shoppers (an app account as well as web);
- points: loyalty members (non-members barely notice);
- content: engaged, frequent shoppers.

Segments differ through their traits (a bargain hunter is deal-prone), so
the segment x kind means (truth `offer_response`) follow from it.

Value: the induced order has an expected margin ``margin[i]`` (its SKUs are
drawn by the shopper's category taste and online popularity, 1.6 lines on
average); redeeming kind k costs ``cost[i, k]`` (a 15% discount costs 15% of
the order's price; the other kinds cost their campaign cost). Only the orders
the offer caused redeem it (an order the shopper would have placed anyway is
not paid for), so

    incremental value[i, k] = uplift[i, k] * (margin[i] - cost[i, k])

and the oracle policy sends each shopper argmax_k of it, or nothing when every
kind loses money. `truth.offer_value` writes it for every shopper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.contracts import OFFER_KINDS
from features.synthetic.catalog import Products, category_params
from features.synthetic.customers import SYSTEMS, Persons

DISCOUNT, BUNDLE, FREE_SHIPPING, POINTS, CONTENT = range(len(OFFER_KINDS))
LINES_PER_ORDER = 1.6  # 1 + Poisson(0.6), as experiment.plan draws them
MAX_UPLIFT = 0.6


@dataclass(frozen=True)
class Response:
    uplift: np.ndarray  # (P, kinds) probability of one extra order
    margin: np.ndarray  # (P,) expected margin of that order before the offer's cost
    price: np.ndarray  # (P,) expected price of that order
    cost: np.ndarray  # (P, kinds) expected cost of redeeming the offer on it

    def segment_means(self, segment: np.ndarray, n_segments: int) -> np.ndarray:
        """(segments, kinds) mean true uplift per segment."""
        counts = np.maximum(np.bincount(segment, minlength=n_segments), 1)
        return np.stack([np.bincount(segment, weights=self.uplift[:, k], minlength=n_segments) / counts
                         for k in range(self.uplift.shape[1])], axis=1)

    @property
    def value(self) -> np.ndarray:
        """Expected incremental value per shopper x kind."""
        return self.uplift * (self.margin[:, None] - self.cost)


def true_uplift(persons: Persons) -> np.ndarray:
    """(P, kinds) probability that an offer of each kind causes one extra order."""
    activity = np.clip(persons.activity / np.median(persons.activity), 0.1, 6.0)
    pref = persons.category_pref / persons.category_pref.sum(axis=1, keepdims=True)
    concentration = pref.max(axis=1) * pref.shape[1]  # 1 = indifferent
    has_app = persons.has[:, SYSTEMS.index("app")]
    member = persons.has[:, SYSTEMS.index("loyalty")]
    out = np.empty((persons.n, len(OFFER_KINDS)))
    out[:, DISCOUNT] = (0.02 + 0.05 * persons.deal) * np.maximum(activity, 0.2) ** -0.5
    out[:, BUNDLE] = 0.05 * (concentration / 2.0) ** 0.5
    out[:, FREE_SHIPPING] = np.where(has_app, 0.10, 0.01)
    out[:, POINTS] = np.where(member, 0.11, 0.005)
    out[:, CONTENT] = 0.012 * activity**1.5
    return out


def build(persons: Persons, prod: Products, scale: float = 1.0) -> Response:
    """The response truth of every shopper (see the module doc)."""
    uplift = np.clip(true_uplift(persons) * scale, 0.0, MAX_UPLIFT)
    price, margin = _order_value(persons, prod)
    from features.synthetic.experiment import OFFER_COST, OFFER_VALUE

    cost = np.tile(np.array([OFFER_COST[k] for k in range(len(OFFER_KINDS))], dtype=float), (persons.n, 1))
    cost[:, DISCOUNT] = OFFER_VALUE[DISCOUNT] * price
    return Response(uplift, margin, price, cost)


def _order_value(persons: Persons, prod: Products) -> tuple[np.ndarray, np.ndarray]:
    """Expected price and margin of an induced order (SKUs by taste x online popularity)."""
    weight = prod.popularity * category_params("online_affinity")[prod.category]
    n_cat = persons.category_pref.shape[1]
    unit_margin = prod.list_price - np.nan_to_num(prod.unit_cost, nan=float(np.nanmedian(prod.unit_cost)))
    cat_weight = np.bincount(prod.category, weights=weight, minlength=n_cat)
    cat_price = np.bincount(prod.category, weights=weight * prod.list_price, minlength=n_cat)
    cat_margin = np.bincount(prod.category, weights=weight * unit_margin, minlength=n_cat)
    present = cat_weight > 0
    mean_price = np.where(present, cat_price / np.where(present, cat_weight, 1), 0.0)
    mean_margin = np.where(present, cat_margin / np.where(present, cat_weight, 1), 0.0)
    share = persons.category_pref * present[None, :]
    share = share / share.sum(axis=1, keepdims=True)
    return LINES_PER_ORDER * share @ mean_price, LINES_PER_ORDER * share @ mean_margin
