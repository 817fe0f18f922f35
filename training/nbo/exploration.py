"""The uplift training set: randomised offer-kind explorations, with features at their start.

An exploration is an experiment in the exposures table whose variants are
`control` and offer kinds (the generator's offer-explore-v1 waves, or a
retailer's own). Each exposed unit (a customer_ref) gives one row:

- x: uplift features of the unit's customer just before the wave started
  (point in time: profile and affinities before the window);
- arm: 0 control, k the k-th offer kind of OFFER_KINDS;
- y: the unit bought (a purchase line under that customer_ref) between its
  exposure and the end of the wave's window (the campaign offers' end);
- value per caused order and kind: expected margin of the shopper's order
  minus the kind's redemption cost (`training.nbo.value`).

Waves are ordered newest first, so the newest can be held out for evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.contracts import OFFER_KINDS
from training.nbo.dataset import History, NBODataError, items_at, states_at
from training.nbo.uplift import uplift_features
from training.nbo.value import category_means, order_value, value_per_conversion


@dataclass(frozen=True)
class CampaignCosts:
    """Per offer kind: redemption cost (currency) and discount rate (0 for non-discounts)."""

    cost: np.ndarray
    rate: np.ndarray

    @classmethod
    def from_offers(cls, offers: pd.DataFrame, experiment_id: str | None = None) -> CampaignCosts:
        rows = offers
        if experiment_id is not None and "eligibility" in offers.columns:
            rows = offers.loc[offers["eligibility"] == f"experiment:{experiment_id}"]
        cost = np.zeros(len(OFFER_KINDS))
        rate = np.zeros(len(OFFER_KINDS))
        for k, kind in enumerate(OFFER_KINDS):
            of_kind = rows.loc[rows["kind"] == kind]
            if len(of_kind):
                cost[k] = float(of_kind["cost"].median())
                rate[k] = float(of_kind["value"].median()) if kind == "discount" else 0.0
        return cls(cost, rate)


@dataclass
class Wave:
    experiment_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    units: np.ndarray  # customer_ref
    customer: np.ndarray  # customer_id (None when unresolved)
    x: np.ndarray
    arm: np.ndarray
    y: np.ndarray
    value: np.ndarray  # (n, kinds) margin - cost of one caused order


def exploration_ids(exposures: pd.DataFrame) -> list[str]:
    """Experiments randomising control vs offer kinds, newest first."""
    if exposures.empty:
        return []
    allowed = {"control", *OFFER_KINDS}
    found = []
    for eid, g in exposures.groupby("experiment_id"):
        variants = set(g["variant"].astype(str))
        if variants <= allowed and "control" in variants and len(variants) > 1:
            found.append((g["ts"].min(), str(eid)))
    return [eid for _, eid in sorted(found, reverse=True)]


def lines_per_order(history: History) -> float:
    """Mean purchase lines per online order (how big an offer-caused order is)."""
    p = history.purchases
    online = p.loc[p["channel"].isin(["web", "app"])]
    return float(online.groupby("order_id").size().mean()) if len(online) else 1.0


def build_waves(history: History, max_waves: int | None = None) -> list[Wave]:
    """Every exploration wave as a uplift training set (newest first)."""
    ids = exploration_ids(history.exposures)[:max_waves]
    if not ids:
        raise NBODataError("no offer-kind exploration in the exposures table (an experiment with variants "
                           f"control + {', '.join(OFFER_KINDS)}): the uplift model needs one")
    lpo = lines_per_order(history)
    return [_wave(history, eid, lpo) for eid in ids]


def _wave(history: History, eid: str, lpo: float) -> Wave:
    ex = history.exposures.loc[history.exposures["experiment_id"] == eid]
    camp = history.offers.loc[history.offers.get("eligibility", pd.Series(dtype=object)) == f"experiment:{eid}"]
    start = pd.Timestamp(camp["start"].min() if len(camp) else ex["ts"].min()).tz_convert("UTC")
    end = pd.Timestamp(camp["end"].max() if len(camp) else ex["ts"].max() + pd.Timedelta(days=1)).tz_convert("UTC")
    ref_to_cust = history.identity_map.set_index("customer_ref")["customer_id"]
    units = ex["unit_id"].astype(str).to_numpy()
    customer = ref_to_cust.reindex(units).to_numpy()
    arm = np.array([0 if v == "control" else OFFER_KINDS.index(v) + 1 for v in ex["variant"].astype(str)])
    tx = history.transactions
    bought = tx.loc[(tx["qty"] > 0) & tx["customer_ref"].isin(units) & (tx["ts"] < end)]
    first = bought.merge(ex[["unit_id", "ts"]].rename(columns={"unit_id": "customer_ref", "ts": "exposed"}),
                         on="customer_ref")
    converted = set(first.loc[first["ts"] >= first["exposed"], "customer_ref"])
    y = np.fromiter((u in converted for u in units), dtype=float, count=units.size)
    items = items_at(history, start)
    known = np.array([c for c in customer if isinstance(c, str)], dtype=object)
    states = states_at(history, items, start, known)
    costs = CampaignCosts.from_offers(history.offers, eid)
    cat_price, cat_margin = category_means(items)
    from training.nbo.state import ShopperState

    empty = ShopperState.anonymous(items)
    rows, prices, margins = [], [], []
    for c in customer:
        state = states.get(c, empty) if isinstance(c, str) else empty
        rows.append(uplift_features(state))
        price, margin = order_value(state, items, lpo, cat_price, cat_margin)
        prices.append(price)
        margins.append(margin)
    value = value_per_conversion(np.array(prices), np.array(margins), costs.cost, costs.rate)
    return Wave(eid, start, end, units, customer, np.vstack(rows), arm, y, value)
