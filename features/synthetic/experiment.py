"""Offer experiments: who was exposed, to which offer, and the purchases it caused.

Two experiments run on shoppers' online refs (web, else app) whose marketing
consent was granted and never withdrawn (a campaign may only target those):

- "offer-policy-v1" (near the end of history): control vs treatment, where
  treatment sends each segment its best offer kind. The A/B engine recovers it.
- "offer-explore-v1" (an earlier window, when history has room): control vs one
  randomly assigned offer kind per unit, so that every shopper's response to
  every offer kind (`response`, the offer-response truth) can be learned. With
  `explore_rounds` > 1, further waves "offer-explore-v1-r2", ... run before it
  (each 14 days apart, as history allows), re-randomising every unit.

Assignment is sha256(experiment id:unit) modulo the number of variants. A unit
sent an offer of kind k places, with probability response.uplift[shopper, k], one
extra online order between exposure and the window's end. Those incremental
orders are planned before the stock simulation (they consume DC stock like any
order) and tagged, so the exact effect in the sample is known (see `effect`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from features.contracts import OFFER_KINDS
from features.synthetic.catalog import OFFER_UPLIFT, Locations, Products, category_params
from features.synthetic.config import GeneratorConfig
from features.synthetic.customers import SEGMENTS, Identities, Persons
from features.synthetic.sampling import skus_by_preference

EXPERIMENT_ID = "offer-policy-v1"
EXPLORE_ID = "offer-explore-v1"
EXPOSURE_RATE = 0.95  # share of eligible units reached by the campaign in the window
GAP_DAYS = 14  # between the exploration window and the policy test
WARM_UP_DAYS = 28  # history needed before the exploration window
BEST_KIND = OFFER_UPLIFT.argmax(axis=1)  # the policy's offer kind per segment (the marketer's belief)
OFFER_VALUE = {0: 0.15, 1: 0.5, 2: 4.95, 3: 300.0, 4: 0.0}  # campaign offers, by kind
OFFER_COST = {0: 4.5, 1: 6.0, 2: 4.95, 3: 3.0, 4: 0.05}  # expected cost per redemption


@dataclass(frozen=True)
class Design:
    experiment_id: str
    variants: tuple[str, ...]  # the first is control
    start_day: int
    end_day: int  # exclusive

    def offer_kind(self, segment: np.ndarray, variant: np.ndarray) -> np.ndarray:
        """Offer kind each unit is sent (-1: nothing, control)."""
        if self.experiment_id == EXPERIMENT_ID:
            return np.where(variant == 1, BEST_KIND[segment], -1)
        return variant - 1  # exploration: variant k sends OFFER_KINDS[k - 1]


def explore_id(round_no: int) -> str:
    """The exploration wave's experiment id: the newest is EXPLORE_ID, earlier ones -r2, -r3, ..."""
    return EXPLORE_ID if round_no == 1 else f"{EXPLORE_ID}-r{round_no}"


def designs(cfg: GeneratorConfig) -> list[Design]:
    """The policy test always; exploration waves (newest first) while history has room for them."""
    end = cfg.days - cfg.experiment_end_offset
    start = end - cfg.experiment_days
    out = [Design(EXPERIMENT_ID, ("control", "treatment"), start, end)]
    explore_end = start - GAP_DAYS
    for round_no in range(1, cfg.explore_rounds + 1):
        if not cfg.explore_days or explore_end - cfg.explore_days < WARM_UP_DAYS:
            break
        out.append(Design(explore_id(round_no), ("control", *OFFER_KINDS), explore_end - cfg.explore_days,
                          explore_end))
        explore_end -= cfg.explore_days + GAP_DAYS
    return out


def assign_variant(experiment_id: str, units: np.ndarray, n_variants: int) -> np.ndarray:
    """Deterministic, even split: first 8 hex digits of sha256(experiment:unit) modulo n."""
    return np.array(
        [int(hashlib.sha256(f"{experiment_id}:{u}".encode()).hexdigest()[:8], 16) % n_variants for u in units],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class Experiment:
    design: Design
    unit_row: np.ndarray  # identity row of each exposed unit
    unit_person: np.ndarray
    variant: np.ndarray  # index into design.variants
    kind: np.ndarray  # offer kind sent (-1 control)
    exposure_ts: np.ndarray  # epoch seconds
    uplift: np.ndarray  # true purchase-probability uplift of the offer sent (0 for control)
    # incremental order lines (one order per converting unit)
    order_unit: np.ndarray  # index into the unit arrays
    line_no: np.ndarray
    day: np.ndarray
    loc: np.ndarray  # index into stocked locations (a DC)
    sku: np.ndarray
    qty: np.ndarray
    ts: np.ndarray
    discount_rate: np.ndarray  # fraction off (discount offers)

    def add_extra_units(self, extra: np.ndarray) -> None:
        np.add.at(extra, (self.day, self.loc, self.sku), self.qty)


def plan(design: Design, cfg: GeneratorConfig, persons: Persons, ids: Identities, marketing_ok: np.ndarray,
         loc: Locations, prod: Products, start_epoch: int, rng: np.random.Generator,
         uplift_truth: np.ndarray) -> Experiment:
    """Exposures and incremental orders of one experiment."""
    start_day, end_day = design.start_day, design.end_day
    web, app = ids.ref_of["web"], ids.ref_of["app"]
    unit_row_all = np.where(web >= 0, web, app)
    consented = (unit_row_all >= 0) & marketing_ok[np.maximum(unit_row_all, 0)]
    eligible = np.flatnonzero(consented & (persons.start_day < start_day))
    exposed = eligible[rng.random(eligible.size) < EXPOSURE_RATE]
    unit_row = unit_row_all[exposed]
    variant = assign_variant(design.experiment_id, ids.ref[unit_row], len(design.variants))
    exposure_ts = start_epoch + (rng.uniform(start_day, end_day - 1, exposed.size) * 86400).astype(np.int64)
    seg = persons.segment[exposed]
    kind = design.offer_kind(seg, variant)
    uplift = np.where(kind >= 0, uplift_truth[exposed, np.maximum(kind, 0)], 0.0)
    uplift = np.clip(uplift, 0, 1)
    converts = np.flatnonzero(rng.random(exposed.size) < uplift)
    # The incremental order: between exposure and the end of the window, 1-3 lines.
    window_end_ts = start_epoch + end_day * 86400
    wait = rng.random(converts.size) * (window_end_ts - 1 - exposure_ts[converts])
    n_lines = 1 + rng.poisson(0.6, converts.size)
    order_unit = np.repeat(converts, n_lines)
    line_no = np.arange(order_unit.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    ts = np.repeat(exposure_ts[converts] + wait.astype(np.int64), n_lines)
    day = ((ts - start_epoch) // 86400).astype(np.int64)
    sku = _skus_on_sale(persons.category_pref[exposed[order_unit]], prod, day, rng)
    dcs = np.flatnonzero(loc.kind[loc.stocked] == "dc")
    dc = np.repeat(dcs[rng.integers(0, dcs.size, converts.size)], n_lines)
    discount_rate = np.where(kind[order_unit] == OFFER_KINDS.index("discount"), OFFER_VALUE[0], 0.0)
    keep = sku >= 0
    return Experiment(design, unit_row, exposed, variant, kind, exposure_ts, uplift,
                      order_unit[keep], line_no[keep], day[keep], dc[keep], sku[keep],
                      np.ones(int(keep.sum()), dtype=np.int64), ts[keep], discount_rate[keep])


def _skus_on_sale(pref: np.ndarray, prod: Products, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A SKU per line by the shopper's category preference and online popularity; -1 if none on sale."""
    weight = prod.popularity * category_params("online_affinity")[prod.category]
    sku = skus_by_preference(pref, prod.category, weight, rng)
    for _ in range(5):
        off = np.flatnonzero((day < prod.launch_day[sku]) | (day >= prod.end_day[sku]))
        sku[off] = skus_by_preference(pref[off], prod.category, weight, rng)
    return np.where((day >= prod.launch_day[sku]) & (day < prod.end_day[sku]), sku, -1)


def offer_rows(exp: Experiment) -> list[dict]:
    """The campaign offers of an experiment, as rows of the offers table."""
    d = exp.design
    if d.experiment_id == EXPERIMENT_ID:
        named = [(f"OF-EXP-{s}", int(BEST_KIND[i]), s) for i, s in enumerate(SEGMENTS)]
    else:
        wave = d.experiment_id[len(EXPLORE_ID):].upper()  # "" or "-R2", ...
        named = [(f"OF-EXPLORE{wave}-{k}", i, f"experiment:{d.experiment_id}") for i, k in enumerate(OFFER_KINDS)]
    return [{"offer_id": oid, "kind": OFFER_KINDS[k], "scope": "all", "scope_value": None,
             "value": OFFER_VALUE[k], "cost": OFFER_COST[k], "start": d.start_day, "end": d.end_day,
             "channels": "web,app", "eligibility": elig} for oid, k, elig in named]


def effect(exp: Experiment, index: int, ids: Identities, lines: dict[str, np.ndarray]) -> dict:
    """The exact effect in this sample: outcomes with and without this experiment's incremental orders.

    Outcome per unit: purchase lines (qty > 0) whose customer_ref is the unit, from its
    exposure until the window ends. Actual minus counterfactual outcome, averaged over
    the units of a variant, is that variant's true average treatment effect on the treated.
    """
    unit_of_row = np.full(ids.n, -1, dtype=np.int64)
    unit_of_row[exp.unit_row] = np.arange(exp.unit_row.size)
    ref_row = lines["ref_row"]
    u = np.where(ref_row >= 0, unit_of_row[np.maximum(ref_row, 0)], -1)
    in_window = (u >= 0) & (lines["qty"] > 0) & (lines["day"] < exp.design.end_day)
    in_window &= lines["ts"] >= np.where(u >= 0, exp.exposure_ts[np.maximum(u, 0)], 0)
    revenue = lines["qty"] * lines["unit_price"] - lines["discount"]
    n = exp.unit_row.size
    rows = np.flatnonzero(in_window)
    organic = rows[lines["campaign"][rows] != index]
    conv = (np.bincount(u[rows], minlength=n) > 0).astype(float)
    conv_cf = (np.bincount(u[organic], minlength=n) > 0).astype(float)
    rev = np.bincount(u[rows], weights=revenue[rows], minlength=n)
    rev_cf = np.bincount(u[organic], weights=revenue[organic], minlength=n)
    names = exp.design.variants

    def by_variant(x: np.ndarray, variants: tuple[str, ...] = names) -> dict[str, float]:
        return {v: float(x[exp.variant == names.index(v)].mean()) if (exp.variant == names.index(v)).any() else 0.0
                for v in variants}

    treated = names[1:]
    out: dict[str, Any] = {
        "experiment_id": exp.design.experiment_id,
        "variants": list(names),
        "unit": "customer_ref of the shopper's web account (else app account)",
        "units": {v: int((exp.variant == i).sum()) for i, v in enumerate(names)},
        "outcome_definition": "purchase lines (qty > 0) with customer_ref = unit_id and "
                              "exposure ts <= line ts < window end; revenue = qty*unit_price - discount",
        "observed_conversion": by_variant(conv),
        "observed_revenue_per_unit": by_variant(rev),
        "att_conversion_by_variant": by_variant(conv - conv_cf, treated),
        "att_revenue_per_unit_by_variant": by_variant(rev - rev_cf, treated),
        "true_uplift_parameter_mean_by_variant": by_variant(exp.uplift, treated),
        "incremental_orders": int(np.unique(lines["order"][lines["campaign"] == index]).size),
    }
    if len(treated) == 1:
        out["att_conversion"] = out["att_conversion_by_variant"][treated[0]]
        out["att_revenue_per_unit"] = out["att_revenue_per_unit_by_variant"][treated[0]]
        out["true_uplift_parameter_mean_treated"] = out["true_uplift_parameter_mean_by_variant"][treated[0]]
    return out
