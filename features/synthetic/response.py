"""Each shopper's true response to each offer kind, from their latent traits.

An offer of kind k sent to shopper i causes, with probability ``uplift[i, k]``,
one extra online order in the campaign window (the experiments simulate
exactly that). The uplift is the segment's mean response (catalog.OFFER_UPLIFT)
times a multiplier from the shopper's own traits, so that shoppers of one
segment differ and there is heterogeneity worth learning:

- discount: deal proneness (the same latent that makes them buy on promotion)
  and low activity (a lapsing shopper is won back by money off);
- bundle: a concentrated category taste and a bigger household;
- free_shipping: online-heavy shoppers (an app account as well as web);
- points: loyalty members only (non-members barely notice);
- content: engaged, frequent shoppers.

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
from features.synthetic.catalog import OFFER_UPLIFT, Products, category_params
from features.synthetic.customers import PROMO_AFFINITY, SYSTEMS, Persons

DISCOUNT, BUNDLE, FREE_SHIPPING, POINTS, CONTENT = range(len(OFFER_KINDS))
LINES_PER_ORDER = 1.6  # 1 + Poisson(0.6), as experiment.plan draws them
MAX_UPLIFT = 0.6


@dataclass(frozen=True)
class Response:
    uplift: np.ndarray  # (P, kinds) probability of one extra order
    margin: np.ndarray  # (P,) expected margin of that order before the offer's cost
    price: np.ndarray  # (P,) expected price of that order
    cost: np.ndarray  # (P, kinds) expected cost of redeeming the offer on it

    @property
    def value(self) -> np.ndarray:
        """Expected incremental value per shopper x kind."""
        return self.uplift * (self.margin[:, None] - self.cost)


def multipliers(persons: Persons) -> np.ndarray:
    """(P, kinds) trait multipliers of the segment's mean uplift (about 1 on average)."""
    seg = persons.segment
    deal = persons.deal / PROMO_AFFINITY[seg]
    activity = persons.activity / np.median(persons.activity)
    pref = persons.category_pref / persons.category_pref.sum(axis=1, keepdims=True)
    concentration = pref.max(axis=1) * pref.shape[1]  # 1 = indifferent
    household = np.bincount(persons.household)[persons.household]
    has_app = persons.has[:, SYSTEMS.index("app")]
    member = persons.has[:, SYSTEMS.index("loyalty")]
    out = np.empty((persons.n, len(OFFER_KINDS)))
    out[:, DISCOUNT] = deal**1.5 * np.clip(activity, 0.2, 5.0) ** -0.4
    out[:, BUNDLE] = (concentration / 2.0) ** 1.5 * (0.6 + 0.25 * household)
    out[:, FREE_SHIPPING] = np.where(has_app, 1.7, 0.5)
    out[:, POINTS] = np.where(member, 2.0, 0.15)
    out[:, CONTENT] = np.clip(activity, 0.1, 6.0) ** 0.8
    return out


def build(persons: Persons, prod: Products, scale: float = 1.0) -> Response:
    """The response truth of every shopper (see the module doc)."""
    uplift = np.clip(OFFER_UPLIFT[persons.segment] * multipliers(persons) * scale, 0.0, MAX_UPLIFT)
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
