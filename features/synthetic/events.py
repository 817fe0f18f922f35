"""Clickstream consistent with purchases, plus browsing that does not convert.

Every web/app purchase line is preceded, in the same session, by a view and an
add_to_cart of that SKU and by a checkout_start of the order, and ends in a
purchase event at the order's timestamp under the same customer_ref. Guests
appear as anonymous devices. Browse-only sessions add searches (query, no SKU),
views, carts, removals and wishlists; store kiosks add in-store digital events.
"""

from __future__ import annotations

import numpy as np

from features.contracts import EVENT_TYPES
from features.synthetic.catalog import CATEGORIES, Locations, Products, category_params
from features.synthetic.config import GeneratorConfig
from features.synthetic.customers import CHANNEL_HABIT, SYSTEMS, Identities, Persons, kiosk_id
from features.synthetic.orders import APP, ONLINE_HOURS, STORE, WEB
from features.synthetic.sampling import skus_by_preference, weighted_choice

T = {name: i for i, name in enumerate(EVENT_TYPES)}
EV_STORE, EV_WEB, EV_APP = 0, 1, 2  # contracts.EVENT_CHANNELS
WEB_SOURCES = np.array(["organic", "paid_search", "email", "social", "direct"], dtype=object)
APP_SOURCES = np.array(["push", "direct", "email"], dtype=object)
QUERY_PREFIX = np.array(["", "", "", "best ", "cheap ", "gift ", "new "], dtype=object)


def _device_profiles(persons: Persons, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Stable per-person devices: phone OS for the app, the web device type and its OS."""
    phone_os = np.where(rng.random(persons.n) < 0.55, "android", "ios").astype(object)
    desktop = rng.random(persons.n) < 0.5
    web_type = np.where(desktop, "desktop", "mobile").astype(object)
    web_os = np.where(desktop, np.where(rng.random(persons.n) < 0.7, "windows", "macos"), phone_os).astype(object)
    return {"phone_os": phone_os, "web_type": web_type, "web_os": web_os}


def _anon_devices(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.array([f"anon-{v:012x}" for v in rng.integers(0, 2**48, size=n)], dtype=object)


def _queries(cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    nouns = np.array([[n.lower() for n in c[10]] for c in CATEGORIES], dtype=object)
    noun = nouns[cat, rng.integers(0, nouns.shape[1], cat.size)]
    prefix = QUERY_PREFIX[rng.integers(0, QUERY_PREFIX.size, cat.size)]
    return prefix + noun


def build_events(cfg: GeneratorConfig, lines: dict[str, np.ndarray], persons: Persons, ids: Identities,
                 loc: Locations, prod: Products, start_epoch: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    prof = _device_profiles(persons, rng)
    parts = [
        _purchase_funnels(lines, ids, prod, prof, rng),
        _browsing(cfg, lines, persons, ids, prod, prof, start_epoch, rng),
        _kiosk(cfg, lines, persons, ids, loc, prod, rng),
    ]
    ev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(ev["ts"], kind="stable")
    return {k: v[order] for k, v in ev.items()}


def _frame(ts, ref_row, device, channel, etype, sku, query, device_type, os_, source) -> dict[str, np.ndarray]:
    return {"ts": ts, "ref_row": ref_row, "device": device, "channel": channel, "type": etype, "sku": sku,
            "query": query, "device_type": device_type, "os": os_, "source": source}


def _client(channel: np.ndarray, person: np.ndarray, prof: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    safe = np.maximum(person, 0)
    dtype = np.where(channel == EV_APP, "mobile", prof["web_type"][safe]).astype(object)
    os_ = np.where(channel == EV_APP, prof["phone_os"][safe], prof["web_os"][safe]).astype(object)
    return dtype, os_


def _purchase_funnels(lines, ids, prod, prof, rng) -> dict[str, np.ndarray]:
    pick = np.flatnonzero(np.isin(lines["channel"], (WEB, APP)) & (lines["qty"] > 0))
    order = lines["order"][pick]
    uniq, first_idx, inv = np.unique(order, return_index=True, return_inverse=True)
    n_orders = uniq.size
    o_ts = lines["ts"][pick][first_idx]
    o_ref = lines["ref_row"][pick][first_idx]
    o_person = lines["person"][pick][first_idx]
    o_chan = np.where(lines["channel"][pick][first_idx] == APP, EV_APP, EV_WEB)
    o_device = np.where(o_ref >= 0, ids.device_id[np.maximum(o_ref, 0)], None)
    guest = o_ref < 0
    o_device[guest] = _anon_devices(int(guest.sum()), rng)
    o_dtype, o_os = _client(o_chan, o_person, prof)
    incremental = lines["incremental"][pick][first_idx]
    o_source = np.where(o_chan == EV_APP, APP_SOURCES[rng.integers(0, 3, n_orders)],
                        WEB_SOURCES[rng.integers(0, 5, n_orders)])
    o_source = np.where(incremental, np.where(o_chan == EV_APP, "push", "email"), o_source).astype(object)
    checkout = o_ts - rng.integers(30, 240, n_orders)
    # Per line: view -> add_to_cart -> checkout_start (shared by the order) -> purchase.
    n = pick.size
    atc = checkout[inv] - rng.integers(10, 600, n)
    view = atc - rng.integers(5, 900, n)
    sku = lines["sku"][pick]
    # Extra views of other SKUs of the same category while deciding.
    n_extra = rng.poisson(1.2, n)
    src = np.repeat(np.arange(n), n_extra)
    onehot = np.eye(len(CATEGORIES))[prod.category[sku[src]]]
    extra_sku = skus_by_preference(onehot, prod.category, prod.popularity, rng)
    extra_ts = view[src] - rng.integers(5, 1200, src.size)
    line_o = inv
    parts = [
        (view, line_o, sku, T["view"]), (atc, line_o, sku, T["add_to_cart"]),
        (o_ts[inv], line_o, sku, T["purchase"]),
        (checkout[inv], line_o, sku, T["checkout_start"]),
        (extra_ts, line_o[src], extra_sku, T["view"]),
    ]
    ts = np.concatenate([p[0] for p in parts])
    oi = np.concatenate([p[1] for p in parts])
    skus = np.concatenate([p[2] for p in parts])
    etype = np.concatenate([np.full(p[0].size, p[3]) for p in parts])
    return _frame(ts, o_ref[oi], o_device[oi], o_chan[oi], etype, skus, np.full(ts.size, None, dtype=object),
                  o_dtype[oi], o_os[oi], o_source[oi])


def _browsing(cfg, lines, persons, ids, prod, prof, start_epoch, rng) -> dict[str, np.ndarray]:
    online_orders = np.unique(lines["order"][np.isin(lines["channel"], (WEB, APP))]).size
    n_sess = int(round(cfg.browse_sessions_per_order * online_orders))
    web_row, app_row = ids.ref_of["web"], ids.ref_of["app"]
    online_habit = (CHANNEL_HABIT[persons.segment, 1] * (web_row >= 0)
                    + CHANNEL_HABIT[persons.segment, 2] * (app_row >= 0)) * persons.activity
    known = rng.random(n_sess) < 0.75
    person = np.where(known, weighted_choice(online_habit, n_sess, rng), -1)
    use_app = (person >= 0) & (app_row[np.maximum(person, 0)] >= 0) & (
        (web_row[np.maximum(person, 0)] < 0) | (rng.random(n_sess) < 0.5))
    ref = np.where(person < 0, -1, np.where(use_app, app_row[np.maximum(person, 0)], web_row[np.maximum(person, 0)]))
    chan = np.where(use_app, EV_APP, EV_WEB)
    pool = _anon_devices(max(50, cfg.customers // 3), rng)
    device = np.where(ref >= 0, ids.device_id[np.maximum(ref, 0)], pool[rng.integers(0, pool.size, n_sess)])
    first = np.where(person >= 0, persons.start_day[np.maximum(person, 0)], 0)
    day = first + (rng.random(n_sess) * (cfg.days - first)).astype(np.int64)
    hour = np.minimum(np.searchsorted(np.cumsum(ONLINE_HOURS) / ONLINE_HOURS.sum(), rng.random(n_sess), side="right"), 23)
    s_ts = start_epoch + day * 86400 + hour * 3600 + rng.integers(0, 3600, n_sess)
    dtype, os_ = _client(chan, person, prof)
    source = np.where(chan == EV_APP, APP_SOURCES[rng.integers(0, 3, n_sess)],
                      WEB_SOURCES[rng.integers(0, 5, n_sess)]).astype(object)
    pref = np.where((person >= 0)[:, None], persons.category_pref[np.maximum(person, 0)], 1.0)
    # Searches (query, no SKU), then views; some views go to the cart, the wishlist, back out.
    searched = np.flatnonzero(rng.random(n_sess) < 0.35)
    n_views = 1 + rng.poisson(2.0, n_sess)
    vs = np.repeat(np.arange(n_sess), n_views)
    v_sku = skus_by_preference(pref[vs], prod.category, prod.popularity, rng)
    step = np.arange(vs.size) - np.repeat(np.cumsum(n_views) - n_views, n_views)
    v_ts = s_ts[vs] + 20 + step * rng.integers(15, 240, vs.size)
    to_cart = rng.random(vs.size) < 0.12
    removed = to_cart & (rng.random(vs.size) < 0.35)
    wish = rng.random(vs.size) < 0.05
    search_cat = np.argmax(pref[searched] * rng.random((searched.size, pref.shape[1])), axis=1)
    sess = np.concatenate([searched, vs, vs[to_cart], vs[removed], vs[wish]])
    ts = np.concatenate([s_ts[searched], v_ts, v_ts[to_cart] + 30, v_ts[removed] + 200, v_ts[wish] + 15])
    skus = np.concatenate([np.full(searched.size, -1), v_sku, v_sku[to_cart], v_sku[removed], v_sku[wish]])
    etype = np.concatenate([np.full(searched.size, T["search"]), np.full(vs.size, T["view"]),
                            np.full(int(to_cart.sum()), T["add_to_cart"]),
                            np.full(int(removed.sum()), T["remove_from_cart"]),
                            np.full(int(wish.sum()), T["wishlist"])])
    query = np.full(ts.size, None, dtype=object)
    query[: searched.size] = _queries(search_cat, rng)
    return _frame(ts, ref[sess], device[sess], chan[sess], etype, skus, query, dtype[sess], os_[sess], source[sess])


def _kiosk(cfg, lines, persons, ids, loc, prod, rng) -> dict[str, np.ndarray]:
    """In-store endless-aisle kiosks: one shared device per store, mostly anonymous."""
    store_orders = np.unique(lines["order"][lines["channel"] == STORE], return_index=True)[1]
    n = int(0.03 * store_orders.size)
    src = store_orders[rng.integers(0, max(1, store_orders.size), n)] if store_orders.size else np.zeros(0, int)
    li = lines["loc"][src]
    ts = lines["ts"][src] - rng.integers(60, 1800, n)
    person = lines["person"][src]
    loyalty = ids.ref_of["loyalty"][np.maximum(person, 0)]
    ref = np.where((person >= 0) & (loyalty >= 0) & (rng.random(n) < 0.25), loyalty, -1)
    is_search = rng.random(n) < 0.4
    sku = np.where(is_search, -1, lines["sku"][src])
    query = np.where(is_search, _queries(prod.category[lines["sku"][src]], rng), None).astype(object)
    device = kiosk_id(loc.ids[li]) if n else np.zeros(0, dtype=object)
    return _frame(ts, ref, device, np.full(n, EV_STORE), np.where(is_search, T["search"], T["view"]), sku, query,
                  np.full(n, "kiosk", dtype=object), np.full(n, "linux", dtype=object),
                  np.full(n, "in_store", dtype=object))
