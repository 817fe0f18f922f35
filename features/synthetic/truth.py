"""Ground truth kept next to the raw tables (raw/truth/), to score models against.

- identities: customer_ref -> person_id (plus household and segment)
- persons: each shopper's latent segment, home store, activity, accounts
- demand: true expected demand per location x SKU x day, the unconstrained draw,
  units sold, experiment units, stock available, whether stock censored it
- products: popularity, trend, elasticity, promotion lift, launch/discontinuation
- offer_response: mean uplift in campaign-window purchase probability by segment x offer kind
- offer_value: every shopper x offer kind: true uplift, margin of the induced order,
  cost of redeeming, and expected incremental value = uplift x (margin - cost)
  (`response`); the oracle policy is its argmax per shopper (or nothing if all < 0)
- calendar: the retail events per day
- experiment.json: the offer-policy A/B test's true effect in the sample;
  explore.json: the offer-kind exploration's true effects per kind (when run),
  explore-r2.json, ... for earlier exploration waves
- identity_traps.json: keys that would wrongly merge different people
- faults.parquet (written by `generate`): every injected bad row
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from features.contracts import OFFER_KINDS
from features.synthetic import catalog, customers, experiment
from features.synthetic.tables import take
from features.synthetic.world import World
from features.synthetic.writer import prefixed_ids


def _segments() -> np.ndarray:
    return np.array(customers.SEGMENTS, dtype=object)


def identities(w: World) -> pa.Table:
    ids, persons = w.ids, w.persons
    return pa.table({
        "customer_ref": ids.ref, "person_id": prefixed_ids("PER-", ids.person, 7),
        "source_system": np.array(customers.SYSTEMS, dtype=object)[ids.system],
        "household_id": persons.household[ids.person], "segment": _segments()[persons.segment[ids.person]],
    })


def persons(w: World) -> pa.Table:
    p = w.persons
    return pa.table({
        "person_id": prefixed_ids("PER-", np.arange(p.n), 7), "segment": _segments()[p.segment],
        "home_location_id": w.loc.ids[p.home], "activity": p.activity,
        "start_date": pa.array(w.cal.dates[0] + p.start_day), "household_id": p.household,
        **{f"has_{s}": p.has[:, k] for k, s in enumerate(customers.SYSTEMS)},
    })


def demand(w: World) -> pa.Table:
    d = w.demand
    keep = np.broadcast_to(d.listed[:, None, :], d.sold.shape).transpose(1, 2, 0)  # (L, S, D)
    ll, ss, dd = np.nonzero(keep)
    sold, dem = d.sold[dd, ll, ss], d.demand[dd, ll, ss]
    return pa.table({
        "location_id": take(w.stocked_ids, ll), "sku": take(w.prod.sku, ss), "date": pa.array(w.cal.dates[dd]),
        "expected": d.expected[dd, ll, ss].astype(np.float64), "demand": dem.astype(np.int64),
        "sold": sold.astype(np.int64), "incremental": d.extra_sold[dd, ll, ss].astype(np.int64),
        "available": d.available[dd, ll, ss].astype(np.int64), "censored": dem > sold,
        "price": w.prices.price[dd, ll, ss], "promo": w.prices.promo[dd, ss],
    })


def products(w: World) -> pa.Table:
    p, D = w.prod, w.cfg.days
    return pa.table({
        "sku": p.sku, "category": np.array(catalog.CATEGORY_NAMES, dtype=object)[p.category],
        "tier": np.array(catalog.TIERS, dtype=object)[p.tier], "popularity": p.popularity,
        "trend_per_year": p.trend, "elasticity": catalog.category_params("elasticity")[p.category],
        "promo_lift": p.promo_lift, "launch_date": pa.array(w.cal.dates[0] + np.minimum(p.launch_day, D - 1)),
        "launched_in_history": p.launch_day > 0,
        "discontinued_date": pa.array(w.cal.dates[0] + np.minimum(p.end_day, D - 1), mask=p.end_day >= D),
    })


def offer_response(w: World) -> pa.Table:
    """Mean true uplift per segment x offer kind (the shopper-level truth is offer_value)."""
    seg = _segments()
    means = w.response.segment_means(w.persons.segment, seg.size)
    return pa.table({
        "segment": np.repeat(seg, len(OFFER_KINDS)),
        "offer_kind": np.tile(np.array(OFFER_KINDS, dtype=object), seg.size),
        "uplift": means.ravel(),
    })


def offer_value(w: World) -> pa.Table:
    """Per shopper x offer kind: the response truth, and the campaign unit that can be sent it."""
    p, r, ids = w.persons, w.response, w.ids
    kinds = len(OFFER_KINDS)
    web, app = ids.ref_of["web"], ids.ref_of["app"]
    unit = np.where(web >= 0, web, app)
    person = np.repeat(np.arange(p.n), kinds)
    return pa.table({
        "person_id": prefixed_ids("PER-", person, 7),
        "unit_ref": take(ids.ref, unit[person]),
        "segment": _segments()[p.segment[person]],
        "offer_kind": np.tile(np.array(OFFER_KINDS, dtype=object), p.n),
        "uplift": r.uplift.ravel(), "order_margin": np.repeat(r.margin, kinds),
        "order_price": np.repeat(r.price, kinds), "cost": r.cost.ravel(),
        "incremental_value": r.value.ravel(),
    })


def calendar(w: World) -> pa.Table:
    return pa.table({"date": pa.array(w.cal.dates), "event": w.cal.event.astype(str), "weekday": w.cal.dow})


def experiment_effects(w: World) -> dict[str, dict]:
    """One document per experiment: experiment.json (the policy A/B), explore.json (offer kinds)."""
    out = {}
    for index, exp in enumerate(w.experiments):
        eff = experiment.effect(exp, index, w.ids, w.lines)
        eff["window"] = {"start": str(w.cal.dates[0] + exp.design.start_day),
                         "end_exclusive": str(w.cal.dates[0] + exp.design.end_day)}
        eff["offers"] = {r["offer_id"]: {"kind": r["kind"], "eligibility": r["eligibility"]}
                         for r in experiment.offer_rows(exp)}
        eid = exp.design.experiment_id
        out["experiment" if eid == experiment.EXPERIMENT_ID else "explore" + eid[len(experiment.EXPLORE_ID):]] = eff
    return out


TABLES: dict[str, Callable[[World], pa.Table]] = {
    "identities": identities, "persons": persons, "demand": demand, "products": products,
    "offer_response": offer_response, "offer_value": offer_value, "calendar": calendar,
}


def documents(w: World) -> dict[str, dict]:
    """JSON truth: the experiments' effects and the identity traps."""
    return {**experiment_effects(w), "identity_traps": w.ids.traps}
