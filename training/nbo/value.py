"""Expected incremental value: what an offer adds, net of what it costs.

For a shopper x offer kind k with uplift tau_k = P(buy | offer) - P(buy | none):

    EIV = tau_k * (margin - cost_k)

where margin is the expected margin of the order the offer causes and cost_k
what redeeming it costs on that order (a discount scales with the order's
price; other kinds cost their campaign cost). Only caused orders redeem: an
order the shopper would have placed anyway is neither credited nor paid for.
For one SKU s under an offer o the order lands on s with the shopper's
relative preference w_s within the offer's scope, so

    EIV(s, o) = tau_kind(o) * w_s * (margin_s - cost_o(s)),  w_s = p_s / sum_scope p

and summing over the scope gives back the shopper-level value.
"""

from __future__ import annotations

import numpy as np

from training.nbo.items import ItemIndex
from training.nbo.state import ShopperState


def category_means(items: ItemIndex) -> tuple[np.ndarray, np.ndarray]:
    """Popularity-weighted mean price and unit margin per category."""
    w = items.pop_recent + 1e-9
    n_cat = len(items.categories)
    margin = items.price - np.nan_to_num(items.unit_cost, nan=float(np.nanmedian(items.unit_cost)))
    total = np.bincount(items.category, weights=w, minlength=n_cat)
    price = np.bincount(items.category, weights=w * items.price, minlength=n_cat) / total
    return price, np.bincount(items.category, weights=w * margin, minlength=n_cat) / total


def order_value(state: ShopperState, items: ItemIndex, lines_per_order: float,
                cat_price: np.ndarray, cat_margin: np.ndarray) -> tuple[float, float]:
    """(price, margin) expected of an order the shopper places, from their category mix."""
    share = state.category_share
    if share.sum() <= 0:
        share = np.bincount(items.category, weights=items.pop_recent, minlength=len(items.categories))
    share = share / share.sum()
    return float(lines_per_order * share @ cat_price), float(lines_per_order * share @ cat_margin)


def value_per_conversion(price: np.ndarray, margin: np.ndarray, kind_cost: np.ndarray,
                         discount_rate: np.ndarray) -> np.ndarray:
    """(n, kinds) margin - cost of one caused order; `discount_rate` > 0 marks kinds priced by rate."""
    cost = np.where(discount_rate[None, :] > 0, discount_rate[None, :] * price[:, None], kind_cost[None, :])
    return np.asarray(margin[:, None] - cost)
