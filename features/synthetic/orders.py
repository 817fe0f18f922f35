"""Transaction lines: sold units split into lines and baskets, given to shoppers, some returned.

Units sold per (day, location, SKU) come from `demand`; here they become lines
(mostly qty 1), lines become orders (baskets at one location, day and channel),
and each order goes to a shopper drawn by home store, channel habit, category
brand affinity, tier preference and promotion affinity -- or to a guest.
"""

from __future__ import annotations

import numpy as np

from features.synthetic.catalog import Locations, PriceCalendar, Products, category_params
from features.synthetic.config import GeneratorConfig
from features.synthetic.customers import (
    CHANNEL_HABIT,
    SYSTEMS,
    TIER_PREFERENCE,
    Identities,
    Persons,
)
from features.synthetic.demand import Demand
from features.synthetic.experiment import Experiment

STORE, WEB, APP, MARKETPLACE = 0, 1, 2, 3  # contracts.SALES_CHANNELS
SHIP, BOPIS, CURBSIDE, IN_STORE = 0, 1, 2, 3  # contracts.FULFILMENTS
NEW_LINE_PROB = 0.85  # a further unit of the same SKU starts a new line (vs qty + 1)
STORE_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 7, 9, 11, 10, 9, 9, 10, 12, 11, 8, 6, 4, 0, 0], float)
ONLINE_HOURS = np.array([2, 1, 1, 0.5, 0.5, 1, 2, 4, 5, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 11, 12, 11, 8, 4], float)
VISITOR_SHARE = 0.1  # store orders by shoppers from another home store


def seconds_of_day(channel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    store_cdf = np.cumsum(STORE_HOURS) / STORE_HOURS.sum()
    online_cdf = np.cumsum(ONLINE_HOURS) / ONLINE_HOURS.sum()
    u = rng.random(channel.size)
    hour = np.where(channel == STORE, np.searchsorted(store_cdf, u, side="right"),
                    np.searchsorted(online_cdf, u, side="right"))
    return np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, channel.size)


def _units_to_lines(sold: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    cells = np.flatnonzero(sold)
    units = sold.ravel()[cells]
    unit_cell = np.repeat(cells, units)
    first = np.ones(unit_cell.size, dtype=bool)
    first[1:] = unit_cell[1:] != unit_cell[:-1]
    new = first | (rng.random(unit_cell.size) < NEW_LINE_PROB)
    starts = np.flatnonzero(new)
    qty = np.diff(np.append(starts, unit_cell.size))
    return unit_cell[starts], qty


def build_lines(cfg: GeneratorConfig, demand: Demand, experiments: list[Experiment], loc: Locations, prod: Products,
                prices: PriceCalendar, persons: Persons, ids: Identities, start_epoch: int,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All purchase lines (organic and experiment-driven), before returns."""
    D, L, S = demand.sold.shape
    cell, qty = _units_to_lines(demand.sold, rng)
    day, li, sku = np.unravel_index(cell, (D, L, S))
    n = cell.size
    is_store = demand.is_store[li]
    u = rng.random(n)
    online_at_store = is_store & (u < cfg.bopis_share)
    channel = np.where(is_store, STORE, np.where(u < 0.55, WEB, np.where(u < 0.93, APP, MARKETPLACE)))
    channel = np.where(online_at_store, np.where(rng.random(n) < 0.6, WEB, APP), channel)
    fulfil = np.where(is_store, IN_STORE, SHIP)
    fulfil = np.where(online_at_store, np.where(rng.random(n) < 0.8, BOPIS, CURBSIDE), fulfil)
    promo = prices.promo[day, sku]
    cat = prod.category[sku]
    # Baskets: consecutive lines at one (day, location, channel, fulfilment), mostly one category
    # and often one brand (the shopper is drawn for the first line's brand and category).
    order = np.lexsort((rng.random(n), prod.brand_id[sku], cat, fulfil, channel, li, day))
    day, li, sku, qty, channel, fulfil, promo, cat = (
        a[order] for a in (day, li, sku, qty, channel, fulfil, promo, cat))
    group_change = np.ones(n, dtype=bool)
    group_change[1:] = (day[1:] != day[:-1]) | (li[1:] != li[:-1]) | (channel[1:] != channel[:-1]) | (fulfil[1:] != fulfil[:-1])
    basket_break = rng.random(n) < np.where(channel == STORE, 0.45, 0.6)
    new_order = group_change | basket_break
    order_id = np.cumsum(new_order) - 1
    order_start = np.flatnonzero(new_order)
    line_no = np.arange(n) - order_start[order_id] + 1
    # One shopper per order, chosen from the order's first line.
    first = order_start
    person = assign_shoppers(cfg, persons, int(demand.is_store.sum()), channel[first], li[first], cat[first],
                             prod.brand_id[sku[first]], prod.tier[sku[first]], promo[first], day[first], rng)
    ref_row = refs_for(persons, ids, person, channel[first], rng)
    order_ts = start_epoch + day[first].astype(np.int64) * 86400 + seconds_of_day(channel[first], rng)
    unit_price = prices.price[day, li, sku]
    coupon = rng.random(n) < 0.03
    discount = np.where(coupon, np.round(0.1 * unit_price * qty, 2), 0.0)
    lines = {
        "order": order_id, "line": line_no, "day": day.astype(np.int64), "loc": li, "sku": sku,
        "qty": qty.astype(np.int64), "unit_price": unit_price, "discount": discount,
        "ts": order_ts[order_id], "channel": channel, "fulfil": fulfil,
        "person": person[order_id], "ref_row": ref_row[order_id],
        "campaign": np.full(n, -1), "returned": np.zeros(n, dtype=bool),
    }
    return _concat(lines, _campaign_lines(experiments, demand, ids, prices, order_id.max(initial=-1) + 1))


def assign_shoppers(cfg: GeneratorConfig, persons: Persons, n_stores: int, channel: np.ndarray, li: np.ndarray,
                    cat: np.ndarray, brand: np.ndarray, tier: np.ndarray, promo: np.ndarray, day: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """Person per order (-1 = guest), vectorised per group of (channel, store, category, brand, promo)."""
    n = channel.size
    habit = np.zeros((persons.n, 4))
    habit[:, STORE] = CHANNEL_HABIT[persons.segment, 0]
    habit[:, WEB] = CHANNEL_HABIT[persons.segment, 1] * persons.has[:, SYSTEMS.index("web")]
    habit[:, APP] = CHANNEL_HABIT[persons.segment, 2] * persons.has[:, SYSTEMS.index("app")]
    base = habit * persons.activity[:, None]
    guest_p = np.select([channel == STORE, channel == WEB, channel == MARKETPLACE],
                        [cfg.store_guest_share, cfg.web_guest_share, 1.0], 0.0)
    guest = rng.random(n) < guest_p
    visitor = (channel == STORE) & (rng.random(n) < VISITOR_SHARE)
    anywhere = n_stores  # a pseudo-location: candidates are all shoppers
    where = np.where((li < n_stores) & ~visitor, li, anywhere)
    person = np.full(n, -1, dtype=np.int64)
    todo = np.flatnonzero(~guest)
    key = np.lexsort((promo[todo], brand[todo], cat[todo], where[todo], channel[todo]))
    todo = todo[key]
    parts = np.stack([channel[todo], where[todo], cat[todo], brand[todo], tier[todo], promo[todo]], axis=1)
    change = np.ones(todo.size, dtype=bool)
    change[1:] = (parts[1:] != parts[:-1]).any(axis=1)
    bounds = np.append(np.flatnonzero(change), todo.size)
    by_home = {h: np.flatnonzero(persons.home == h) for h in np.unique(persons.home)}
    everyone = np.arange(persons.n)
    for a, b in zip(bounds[:-1], bounds[1:]):
        ch, w, c, br, t, p = (int(v) for v in parts[a])
        cand = everyone if w == anywhere else by_home.get(w, everyone)
        seg = persons.segment[cand]
        weight = base[cand, ch] * persons.category_pref[cand, c] * persons.brand_affinity[cand, br] * TIER_PREFERENCE[seg, t]
        if p:
            weight = weight * persons.deal[cand]
        rows = todo[a:b]
        cdf = np.cumsum(weight)
        if cdf[-1] <= 0:
            continue
        chosen = np.full(rows.size, -1, dtype=np.int64)
        pending = np.arange(rows.size)
        for _ in range(4):  # a shopper cannot buy before they start shopping with us
            pick = cand[np.minimum(np.searchsorted(cdf, rng.random(pending.size) * cdf[-1], side="right"), cand.size - 1)]
            ok = persons.start_day[pick] <= day[rows[pending]]
            chosen[pending[ok]] = pick[ok]
            pending = pending[~ok]
            if pending.size == 0:
                break
        person[rows] = chosen
    return person


def refs_for(persons: Persons, ids: Identities, person: np.ndarray, channel: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """The identity row a source system records the order under (-1 = guest)."""
    safe = np.maximum(person, 0)
    loyalty = ids.ref_of["loyalty"][safe]
    pos = ids.ref_of["pos"][safe]
    web = ids.ref_of["web"][safe]
    web2 = ids.second_web[safe]
    app = ids.ref_of["app"][safe]
    scan = rng.random(person.size) < 0.85
    store_ref = np.where((loyalty >= 0) & scan, loyalty, pos)
    web_ref = np.where((web2 >= 0) & (rng.random(person.size) < 0.5), web2, web)
    ref = np.select([channel == STORE, channel == WEB, channel == APP], [store_ref, web_ref, app], -1)
    return np.where(person >= 0, ref, -1)


def _campaign_lines(experiments: list[Experiment], demand: Demand, ids: Identities, prices: PriceCalendar,
                    first_order: int) -> dict[str, np.ndarray]:
    """Incremental orders of the experiments (`campaign` = experiment index), trimmed to the DC
    stock that could serve them (the stock simulation served them first, up to what was there)."""
    parts = []
    offsets = first_order + np.cumsum([0] + [exp.unit_row.size for exp in experiments])
    for index, exp in enumerate(experiments):
        unit = exp.order_unit
        parts.append({
            "order": offsets[index] + unit, "line": exp.line_no, "day": exp.day,
            "loc": exp.loc, "sku": exp.sku, "qty": exp.qty, "unit_price": prices.price[exp.day, exp.loc, exp.sku],
            "discount": np.round(exp.discount_rate * prices.price[exp.day, exp.loc, exp.sku] * exp.qty, 2),
            "ts": exp.ts, "channel": np.where(ids.system[exp.unit_row[unit]] == SYSTEMS.index("app"), APP, WEB),
            "fulfil": np.full(unit.size, SHIP), "person": exp.unit_person[unit], "ref_row": exp.unit_row[unit],
            "campaign": np.full(unit.size, index), "returned": np.zeros(unit.size, dtype=bool),
        })
    lines = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # Keep, per (day, DC, SKU), lines in time order while their cumulative qty was served.
    day, li, sku, qty = lines["day"], lines["loc"], lines["sku"], lines["qty"]
    order = np.lexsort((lines["ts"], sku, li, day))
    cum = np.cumsum(qty[order])
    cell_start = np.ones(order.size, dtype=bool)
    cell_start[1:] = (np.diff(day[order]) != 0) | (np.diff(li[order]) != 0) | (np.diff(sku[order]) != 0)
    before = np.maximum.accumulate(np.where(cell_start, cum - qty[order], 0))
    keep = np.zeros(order.size, dtype=bool)
    keep[order] = (cum - before) <= demand.extra_sold[day[order], li[order], sku[order]]
    lines = {k: v[keep] for k, v in lines.items()}
    # Renumber lines inside each order after trimming (an order's lines are contiguous).
    o = lines["order"]
    start = np.ones(o.size, dtype=bool)
    start[1:] = o[1:] != o[:-1]
    idx = np.arange(o.size)
    lines["line"] = idx - np.maximum.accumulate(np.where(start, idx, 0)) + 1
    return lines


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def add_returns(cfg: GeneratorConfig, lines: dict[str, np.ndarray], prod: Products, start_epoch: int,
                end_epoch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Return lines: own line in the same order, qty < 0, returned = true, refunded at the net price."""
    mult = category_params("return_multiplier")[prod.category[lines["sku"]]]
    online = lines["channel"] != STORE
    p = cfg.return_rate * mult * np.where(online, 1.6, 0.7)
    organic = lines["campaign"] < 0
    ret = np.flatnonzero(organic & (rng.random(p.size) < np.clip(p, 0, 0.9)))
    back = np.where(lines["qty"][ret] > 1, rng.integers(1, lines["qty"][ret] + 1), 1)
    ts = lines["ts"][ret] + (rng.uniform(1, 30, ret.size) * 86400).astype(np.int64)
    keep = ts < end_epoch
    ret, back, ts = ret[keep], back[keep], ts[keep]
    order = lines["order"]
    n_in_order = np.bincount(order)
    # Line numbers after the order's purchase lines, in return order.
    sort = np.lexsort((ret, order[ret]))
    ret, back, ts = ret[sort], back[sort], ts[sort]
    o = order[ret]
    start = np.ones(o.size, dtype=bool)
    start[1:] = o[1:] != o[:-1]
    idx = np.arange(o.size)
    rank = idx - np.maximum.accumulate(np.where(start, idx, 0))
    net = np.round((lines["qty"][ret] * lines["unit_price"][ret] - lines["discount"][ret]) / lines["qty"][ret], 2)
    r = {k: v[ret] for k, v in lines.items()}
    r.update(line=n_in_order[o] + rank + 1, qty=-back, unit_price=net, discount=np.zeros(ret.size),
             ts=ts, day=(ts - start_epoch) // 86400,
             returned=np.ones(ret.size, dtype=bool))
    return _concat(lines, r)


def order_numbers(lines: dict[str, np.ndarray]) -> np.ndarray:
    """Per line, its order's number: orders numbered by their first purchase timestamp."""
    order = lines["order"]
    first_ts = np.full(order.max(initial=-1) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_ts, order, lines["ts"])
    rank = np.empty_like(first_ts)
    rank[np.lexsort((np.arange(first_ts.size), first_ts))] = np.arange(first_ts.size)
    return rank[order]


def export_order(lines: dict[str, np.ndarray], number: np.ndarray) -> dict[str, np.ndarray]:
    """Lines as a source system exports them: by timestamp, then order, then line."""
    idx = np.lexsort((lines["line"], number, lines["ts"]))
    return {k: v[idx] for k, v in lines.items()}
