"""The offer-policy experiment: who was exposed, to what, and the purchases it caused.

Units are shoppers' online refs (web, else app) whose marketing consent was
granted and never withdrawn (an offer campaign may only target those).
Assignment is a sha256 hash of experiment id and unit, 50/50. Treated units
receive their segment's best offer; with probability equal to the true uplift
(catalog.OFFER_UPLIFT) they place one extra online order after exposure. Those incremental orders are planned before
the stock simulation so they consume DC stock like any other order, and are
tagged so the exact effect can be computed afterwards (see `effect`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from features.synthetic.catalog import OFFER_UPLIFT, Locations, Products, category_params
from features.synthetic.config import GeneratorConfig
from features.synthetic.customers import Identities, Persons
from features.synthetic.sampling import skus_by_preference

EXPERIMENT_ID = "offer-policy-v1"
VARIANTS = ("control", "treatment")
EXPOSURE_RATE = 0.95  # share of eligible units reached by the campaign in the window


def assign_variant(experiment_id: str, units: np.ndarray) -> np.ndarray:
    """Deterministic 50/50 split: first 8 hex digits of sha256(experiment:unit), parity."""
    return np.array(
        [int(hashlib.sha256(f"{experiment_id}:{u}".encode()).hexdigest()[:8], 16) % 2 for u in units],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class Experiment:
    start_day: int
    end_day: int  # exclusive
    unit_row: np.ndarray  # identity row of each exposed unit
    unit_person: np.ndarray
    variant: np.ndarray  # 0 control, 1 treatment
    exposure_ts: np.ndarray  # epoch seconds
    uplift: np.ndarray  # true purchase-probability uplift of each unit if treated
    # incremental order lines (one order per converting treated unit)
    order_unit: np.ndarray  # index into the unit arrays
    line_no: np.ndarray
    day: np.ndarray
    loc: np.ndarray  # index into stocked locations (a DC)
    sku: np.ndarray
    qty: np.ndarray
    ts: np.ndarray
    discount_rate: np.ndarray  # fraction off (discount offers)

    def extra_units(self, shape: tuple[int, int, int]) -> np.ndarray:
        extra = np.zeros(shape, dtype=np.int32)
        np.add.at(extra, (self.day, self.loc, self.sku), self.qty)
        return extra


def plan(cfg: GeneratorConfig, persons: Persons, ids: Identities, marketing_ok: np.ndarray, loc: Locations,
         prod: Products, start_epoch: int, rng: np.random.Generator) -> Experiment:
    """Exposures and incremental orders; only units whose marketing consent stands are targeted."""
    D = cfg.days
    end_day = D - cfg.experiment_end_offset
    start_day = end_day - cfg.experiment_days
    web, app = ids.ref_of["web"], ids.ref_of["app"]
    unit_row_all = np.where(web >= 0, web, app)
    has_unit = unit_row_all >= 0
    consented = has_unit & marketing_ok[np.maximum(unit_row_all, 0)]
    eligible = np.flatnonzero(consented & (persons.start_day < start_day))
    exposed = eligible[rng.random(eligible.size) < EXPOSURE_RATE]
    unit_row = unit_row_all[exposed]
    variant = assign_variant(EXPERIMENT_ID, ids.ref[unit_row])
    exposure_day = rng.uniform(start_day, end_day - 1, exposed.size)
    exposure_ts = start_epoch + (exposure_day * 86400).astype(np.int64)
    best_kind = OFFER_UPLIFT.argmax(axis=1)
    seg = persons.segment[exposed]
    uplift = np.clip(OFFER_UPLIFT[seg, best_kind[seg]] * cfg.experiment_uplift_scale, 0, 1)
    converts = np.flatnonzero((variant == 1) & (rng.random(exposed.size) < uplift))
    # When the incremental order happens: between exposure and the end of the window.
    window_end_ts = start_epoch + end_day * 86400
    order_ts = exposure_ts[converts] + (rng.random(converts.size) * (window_end_ts - 1 - exposure_ts[converts])).astype(np.int64)
    n_lines = 1 + rng.poisson(0.6, converts.size)
    order_unit = np.repeat(converts, n_lines)
    line_no = np.arange(order_unit.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    ts = np.repeat(order_ts, n_lines)
    day = ((ts - start_epoch) // 86400).astype(np.int64)
    online_weight = prod.popularity * category_params("online_affinity")[prod.category]
    pref = persons.category_pref[exposed[order_unit]]
    sku = skus_by_preference(pref, prod.category, online_weight, rng)
    for _ in range(5):  # only SKUs on sale that day
        off = np.flatnonzero((day < prod.launch_day[sku]) | (day >= prod.end_day[sku]))
        sku[off] = skus_by_preference(pref[off], prod.category, online_weight, rng)
    on_sale = (day >= prod.launch_day[sku]) & (day < prod.end_day[sku])
    stocked = loc.stocked
    dcs = np.flatnonzero(loc.kind[stocked] == "dc")
    dc_of_order = dcs[rng.integers(0, dcs.size, converts.size)]
    kinds = best_kind[seg]
    discount_rate = np.where(kinds[order_unit] == 0, 0.15, 0.0)
    k = on_sale  # lines kept
    return Experiment(start_day, end_day, unit_row, exposed, variant, exposure_ts, uplift,
                      order_unit[k], line_no[k], day[k], np.repeat(dc_of_order, n_lines)[k], sku[k],
                      np.ones(int(k.sum()), dtype=np.int64), ts[k], discount_rate[k])


def effect(exp: Experiment, ids: Identities, lines: dict[str, np.ndarray]) -> dict:
    """The exact effect in this sample: outcomes with and without the incremental orders.

    Outcome per unit: purchase lines (qty > 0) whose customer_ref is the unit, from its
    exposure until the window ends. The difference between actual and counterfactual
    outcomes of treated units is the true average treatment effect on the treated.
    """
    unit_of_row = np.full(ids.n, -1, dtype=np.int64)
    unit_of_row[exp.unit_row] = np.arange(exp.unit_row.size)
    ref_row = lines["ref_row"]
    u = np.where(ref_row >= 0, unit_of_row[np.maximum(ref_row, 0)], -1)
    in_window = (u >= 0) & (lines["qty"] > 0)
    in_window &= lines["ts"] >= np.where(u >= 0, exp.exposure_ts[np.maximum(u, 0)], 0)
    in_window &= lines["day"] < exp.end_day
    revenue = lines["qty"] * lines["unit_price"] - lines["discount"]
    n = exp.unit_row.size
    rows = np.flatnonzero(in_window)
    organic = rows[~lines["incremental"][rows]]
    conv = np.bincount(u[rows], minlength=n) > 0
    conv_cf = np.bincount(u[organic], minlength=n) > 0
    rev = np.bincount(u[rows], weights=revenue[rows], minlength=n)
    rev_cf = np.bincount(u[organic], weights=revenue[organic], minlength=n)
    t, c = exp.variant == 1, exp.variant == 0
    mean = lambda x, m: float(x[m].mean()) if m.any() else 0.0  # noqa: E731
    return {
        "experiment_id": EXPERIMENT_ID,
        "variants": list(VARIANTS),
        "unit": "customer_ref of the shopper's web account (else app account)",
        "units": {"control": int(c.sum()), "treatment": int(t.sum())},
        "outcome_definition": "purchase lines (qty > 0) with customer_ref = unit_id and "
                              "exposure ts <= line ts < window end; revenue = qty*unit_price - discount",
        "true_uplift_parameter_mean_treated": mean(exp.uplift, t),
        "att_conversion": mean(conv.astype(float) - conv_cf, t),
        "att_revenue_per_unit": mean(rev - rev_cf, t),
        "observed_conversion": {"control": mean(conv.astype(float), c), "treatment": mean(conv.astype(float), t)},
        "observed_revenue_per_unit": {"control": mean(rev, c), "treatment": mean(rev, t)},
        "incremental_orders": int(np.unique(lines["order"][lines["incremental"]]).size),
        "treatment_offer_by_segment": None,  # filled in by the caller
    }
