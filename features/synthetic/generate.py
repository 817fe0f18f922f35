"""Orchestration: build the world in causal order, shape it into tables, write it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from features.contracts import (
    CONTRACTS,
    EVENT_CHANNELS,
    EVENT_TYPES,
    FULFILMENTS,
    OFFER_KINDS,
    SALES_CHANNELS,
    SCHEMA_VERSION,
)
from features.synthetic import catalog, customers, demand, events, experiment, orders
from features.synthetic.calendar import build_calendar
from features.synthetic.config import GENERATOR_VERSION, GeneratorConfig
from features.synthetic.faults import FaultLog, inject
from features.synthetic.writer import (
    prefixed_ids,
    replace_dir_atomically,
    to_arrow,
    write_json,
    write_parquet,
)
from omnicast.progress import track

DAY = 86400


def _take(values: np.ndarray, idx: np.ndarray) -> pa.Array:
    """values[idx] as an Arrow string array; idx < 0 gives null."""
    idx = np.asarray(idx)
    return pa.array(values, pa.string()).take(pa.array(idx, mask=idx < 0))


def _nullable_int(x: np.ndarray) -> pa.Array:
    nan = np.isnan(x)
    return pa.array(np.where(nan, 0, x).astype(np.int64), mask=nan)


class _World:
    """Everything generated, in causal order; tables are read off it."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        r = cfg.rngs()
        self.cfg = cfg
        self.cal = build_calendar(cfg.start_date, cfg.days)
        self.start_epoch = int(self.cal.dates[0].astype(np.int64)) * DAY
        self.end_epoch = self.start_epoch + cfg.days * DAY
        self.loc = catalog.build_locations(cfg, r["catalog"])
        self.prod = catalog.build_products(cfg, self.cal, r["catalog"])
        self.prices = catalog.build_prices(cfg, self.cal, self.loc, self.prod, r["prices"])
        self.persons = customers.build_persons(cfg, self.loc, cfg.days, r["customers"])
        self.ids = customers.build_identities(cfg, self.persons, self.loc, self.start_epoch, r["identities"])
        self.exp = experiment.plan(cfg, self.persons, self.ids, self.loc, self.prod, self.start_epoch,
                                   r["experiment"])
        shape = self.prices.price.shape
        self.demand = demand.simulate(cfg, self.cal, self.loc, self.prod, self.prices,
                                      self.exp.extra_units(shape), r["demand"], r["inventory"])
        lines = orders.build_lines(cfg, self.demand, self.exp, self.loc, self.prod, self.prices,
                                   self.persons, self.ids, self.start_epoch, r["orders"])
        self.lines = orders.add_returns(cfg, lines, self.prod, self.start_epoch, self.end_epoch, r["returns"])
        self.events, self.event_vocab = events.build_events(cfg, self.lines, self.persons, self.ids, self.loc, self.prod,
                                          self.start_epoch, r["events"])
        self.first_seen = self._first_seen(r["identities"])
        self.consents = customers.build_consents(cfg, self.persons, self.ids, self.first_seen,
                                                 self.end_epoch, r["consents"])
        self.offers = catalog.build_offers(cfg, self.cal, self.prod, customers.SEGMENTS,
                                           self.exp.start_day, self.exp.end_day, r["offers"])

    def _first_seen(self, rng: np.random.Generator) -> np.ndarray:
        """A ref is first seen no later than its first order or event."""
        first = self.ids.first_seen.copy()
        for ref, ts in ((self.lines["ref_row"], self.lines["ts"]), (self.events["ref_row"], self.events["ts"])):
            known = ref >= 0
            np.minimum.at(first, ref[known], ts[known] - 60)
        return first - rng.integers(0, 3600, first.size) * (first < self.ids.first_seen)


def _tables(w: _World) -> dict[str, dict]:
    """Source tables as columns (timestamps as epoch seconds, dates as epoch days)."""
    cal, loc, prod, ids, d, L = w.cal, w.loc, w.prod, w.ids, w.demand, w.lines
    stocked_ids = loc.ids[loc.stocked]
    epoch_days = cal.dates.astype(np.int64)
    sku_ids = prod.sku
    order_num = _order_numbers(L)
    D, nL, S = d.sold.shape

    inv_keep = np.arange(D)[:, None, None] >= prod.launch_day[None, None, :]
    inv_keep = inv_keep & ((np.arange(D)[:, None, None] < prod.end_day[None, None, :]) | (d.on_hand + d.in_transit > 0))
    dd, ll, ss = np.nonzero(inv_keep)
    pr_keep = np.broadcast_to(d.listed[:, None, :], d.sold.shape).transpose(2, 1, 0)  # (S, L, D)
    ps, pl, pd = np.nonzero(pr_keep)
    exp = w.exp
    return {
        "identities": {
            "customer_ref": ids.ref, "source_system": np.array(customers.SYSTEMS, dtype=object)[ids.system],
            "source_customer_id": ids.source_id, "email_sha256": ids.email_sha256,
            "phone_sha256": ids.phone_sha256, "loyalty_id": ids.loyalty_id, "device_id": ids.device_id,
            "first_seen": w.first_seen,
        },
        "consents": w.consents,
        "locations": {
            "location_id": loc.ids, "kind": loc.kind, "name": loc.name, "lat": loc.lat, "lon": loc.lon,
            "region": loc.region, "pickup_open_hour": _nullable_int(loc.open_hour),
            "pickup_close_hour": _nullable_int(loc.close_hour), "service_radius_km": loc.radius_km,
        },
        "products": {
            "sku": sku_ids, "name": prod.name,
            "category": np.array(catalog.CATEGORY_NAMES, dtype=object)[prod.category], "brand": prod.brand,
            "list_price": prod.list_price, "unit_cost": prod.unit_cost, "attributes": prod.attributes,
            "gtin": prod.gtin,
        },
        "transactions": {
            "order_id": prefixed_ids("O", order_num, 9),
            "line": L["line"], "customer_ref": _take(ids.ref, L["ref_row"]),
            "channel": _take(np.array(SALES_CHANNELS, dtype=object), L["channel"]),
            "location_id": _take(stocked_ids, L["loc"]), "sku": _take(sku_ids, L["sku"]),
            "qty": L["qty"], "unit_price": L["unit_price"], "discount": L["discount"], "ts": L["ts"],
            "fulfilment": _take(np.array(FULFILMENTS, dtype=object), L["fulfil"]), "returned": L["returned"],
        },
        "events": {
            "event_id": prefixed_ids("EV", np.arange(w.events["ts"].size), 10),
            "ts": w.events["ts"], "customer_ref": _take(ids.ref, w.events["ref_row"]),
            "channel": _take(np.array(EVENT_CHANNELS, dtype=object), w.events["channel"]),
            "type": _take(np.array(EVENT_TYPES, dtype=object), w.events["type"]),
            "sku": _take(sku_ids, w.events["sku"]),
            **{col: _take(vocab, w.events[code]) for col, (code, vocab) in w.event_vocab.columns().items()},
        },
        "inventory": {
            "ts": (epoch_days[dd] + 1) * DAY - 1, "location_id": _take(stocked_ids, ll), "sku": _take(sku_ids, ss),
            "on_hand": d.on_hand[dd, ll, ss].astype(np.int64), "reserved": d.reserved[dd, ll, ss].astype(np.int64),
            "in_transit": d.in_transit[dd, ll, ss].astype(np.int64),
        },
        "offers": {
            **{k: v for k, v in w.offers.columns.items() if k not in ("start", "end")},
            "start": (epoch_days[0] + w.offers.columns["start"]) * DAY,
            "end": (epoch_days[0] + w.offers.columns["end"]) * DAY,
        },
        "prices": {
            "sku": _take(sku_ids, ps), "location_id": _take(stocked_ids, pl), "date": epoch_days[pd],
            "price": w.prices.price[pd, pl, ps].astype(np.float64), "promo": w.prices.promo[pd, ps],
        },
        "exposures": {
            "experiment_id": np.full(exp.unit_row.size, experiment.EXPERIMENT_ID, dtype=object),
            "unit_id": ids.ref[exp.unit_row],
            "variant": np.array(experiment.VARIANTS, dtype=object)[exp.variant],
            "ts": exp.exposure_ts,
            "channel": np.array(customers.SYSTEMS, dtype=object)[ids.system[exp.unit_row]],
        },
    }


def _order_numbers(lines: dict[str, np.ndarray]) -> np.ndarray:
    """Order numbers in order of each order's first purchase timestamp."""
    order = lines["order"]
    first_ts = np.full(order.max(initial=-1) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_ts, order, lines["ts"])
    rank = np.empty_like(first_ts)
    rank[np.lexsort((np.arange(first_ts.size), first_ts))] = np.arange(first_ts.size)
    return rank[order]


def _sort_transactions(w: _World) -> None:
    """Export order: by timestamp, then order, then line."""
    L = w.lines
    num = _order_numbers(L)
    idx = np.lexsort((L["line"], num, L["ts"]))
    w.lines = {k: v[idx] for k, v in L.items()}


def _truth(w: _World) -> dict[str, pa.Table | dict]:
    cal, loc, prod, ids, d, persons = w.cal, w.loc, w.prod, w.ids, w.demand, w.persons
    person_ids = np.array(prefixed_ids("PER-", np.arange(persons.n), 7).to_pylist(), dtype=object)
    stocked_ids = loc.ids[loc.stocked]
    keep = np.broadcast_to(d.listed[:, None, :], d.sold.shape).transpose(1, 2, 0)  # (L, S, D)
    tl, ts_, td = np.nonzero(keep)
    seg_names = np.array(customers.SEGMENTS, dtype=object)
    eff = experiment.effect(w.exp, ids, w.lines)
    eff["treatment_offer_by_segment"] = w.offers.experiment_offer
    eff["window"] = {"start": str(cal.dates[w.exp.start_day]),
                     "end_exclusive": str(cal.dates[0] + w.exp.end_day)}
    return {
        "identities": pa.table({
            "customer_ref": ids.ref, "person_id": person_ids[ids.person],
            "source_system": np.array(customers.SYSTEMS, dtype=object)[ids.system],
            "household_id": ids.person * 0 + persons.household[ids.person],
            "segment": seg_names[persons.segment[ids.person]],
        }),
        "persons": pa.table({
            "person_id": person_ids, "segment": seg_names[persons.segment],
            "home_location_id": loc.ids[persons.home], "activity": persons.activity,
            "start_date": np.array([str(x) for x in cal.dates[0] + persons.start_day], dtype=object),
            "household_id": persons.household,
            **{f"has_{s}": persons.has[:, k] for k, s in enumerate(customers.SYSTEMS)},
        }),
        "demand": pa.table({
            "location_id": _take(stocked_ids, tl), "sku": _take(prod.sku, ts_),
            "date": pa.array(cal.dates[td]),
            "expected": d.expected[td, tl, ts_].astype(np.float64),
            "demand": d.demand[td, tl, ts_].astype(np.int64), "sold": d.sold[td, tl, ts_].astype(np.int64),
            "incremental": d.extra_sold[td, tl, ts_].astype(np.int64),
            "available": d.available[td, tl, ts_].astype(np.int64),
            "censored": d.demand[td, tl, ts_] > d.sold[td, tl, ts_],
            "price": w.prices.price[td, tl, ts_].astype(np.float64), "promo": w.prices.promo[td, ts_],
        }),
        "products": pa.table({
            "sku": prod.sku, "category": np.array(catalog.CATEGORY_NAMES, dtype=object)[prod.category],
            "tier": np.array(catalog.TIERS, dtype=object)[prod.tier], "popularity": prod.popularity,
            "trend_per_year": prod.trend,
            "elasticity": catalog.category_params(3)[prod.category],
            "promo_lift": prod.promo_lift,
            "launch_date": pa.array(cal.dates[0] + np.minimum(prod.launch_day, cfg_days(w) - 1)),
            "discontinued": prod.end_day < cfg_days(w),
        }),
        "offer_response": pa.table({
            "segment": np.repeat(seg_names, len(OFFER_KINDS)),
            "offer_kind": np.tile(np.array(OFFER_KINDS, dtype=object), len(seg_names)),
            "uplift": (catalog.OFFER_UPLIFT * w.cfg.experiment_uplift_scale).ravel(),
        }),
        "calendar": pa.table({"date": pa.array(cal.dates), "event": cal.event.astype(str),
                              "weekday": cal.dow}),
        "experiment.json": eff,
        "identity_traps.json": ids.traps,
    }


def cfg_days(w: _World) -> int:
    return w.cfg.days


def generate(config: GeneratorConfig, raw_dir: Path) -> dict:
    """Write every contract table to raw_dir/<table>.parquet, truth to raw_dir/truth/, and a manifest."""
    started = time.perf_counter()
    steps = iter(track(range(4), "generating synthetic retailer", total=4))
    next(steps)
    world = _World(config)
    _sort_transactions(world)
    next(steps)
    columns = _tables(world)
    truth = _truth(world)
    fault_rng = config.rngs()["faults"]
    log = FaultLog()
    tables: dict[str, pa.Table] = {}
    for name, contract in CONTRACTS.items():
        table = to_arrow(contract, columns[name])
        tables[name] = inject(name, table, config.bad_row_rate, fault_rng, log) if config.bad_row_rate else table
    next(steps)
    manifest = {
        "generator": "omnicast.features.synthetic",
        "generator_version": GENERATOR_VERSION,
        "schema_version": SCHEMA_VERSION,
        "seed": config.seed,
        "config": config.model_dump(mode="json"),
        "start_date": str(world.cal.dates[0]),
        "end_date": str(world.cal.dates[-1]),
        "row_counts": {name: t.num_rows for name, t in tables.items()},
        "faults": log.counts(),
        "truth": sorted(f"truth/{k}" if k.endswith(".json") else f"truth/{k}.parquet" for k in truth),
    }

    def fill(tmp: Path) -> None:
        for name, table in tables.items():
            write_parquet(table, tmp / f"{name}.parquet")
        for name, obj in truth.items():
            if name.endswith(".json"):
                write_json(obj, tmp / "truth" / name)
            else:
                write_parquet(obj, tmp / "truth" / f"{name}.parquet")
        write_parquet(log.to_arrow(), tmp / "truth" / "faults.parquet")
        write_json(manifest, tmp / "manifest.json")

    replace_dir_atomically(Path(raw_dir), fill)
    for _ in steps:  # finish the bar
        pass
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest
