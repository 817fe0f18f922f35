"""Clickstream consistent with purchases, plus browsing that does not convert.

Every web/app purchase line is preceded, in the same session and under the same
customer_ref and device, by a view, an add_to_cart and a checkout_start of that
SKU, and ends in a purchase event at the order's timestamp. Guests appear as
anonymous devices. Browse-only sessions add searches (query, no SKU), views,
carts, removals and wishlists; store kiosks add in-store digital events.

Strings are kept as integer codes into small vocabularies until the table is
written (`EventVocab.columns`), which keeps millions of events cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.contracts import EVENT_TYPES
from features.synthetic.catalog import CATEGORIES, Locations, Products
from features.synthetic.config import GeneratorConfig
from features.synthetic.customers import CHANNEL_HABIT, Identities, Persons, kiosk_id
from features.synthetic.orders import APP, ONLINE_HOURS, STORE, WEB
from features.synthetic.sampling import skus_by_preference, weighted_choice

T = {name: i for i, name in enumerate(EVENT_TYPES)}
EV_STORE, EV_WEB, EV_APP = 0, 1, 2  # contracts.EVENT_CHANNELS
DEVICE_TYPES = ("mobile", "desktop", "kiosk")
OS_NAMES = ("android", "ios", "windows", "macos", "linux")
SOURCES = ("organic", "paid_search", "email", "social", "direct", "push", "in_store")
WEB_SOURCES = np.array([SOURCES.index(s) for s in ("organic", "paid_search", "email", "social", "direct")])
APP_SOURCES = np.array([SOURCES.index(s) for s in ("push", "direct", "email")])
EMAIL, PUSH, IN_STORE = (SOURCES.index(s) for s in ("email", "push", "in_store"))
QUERY_PREFIX = ("", "", "", "best ", "cheap ", "gift ", "new ")
N_NOUNS = 5


@dataclass(frozen=True)
class EventVocab:
    """What the integer codes of the event arrays stand for."""

    devices: np.ndarray  # object: identity devices, then anonymous ones, then kiosks
    queries: np.ndarray  # object

    def columns(self) -> dict[str, tuple[str, np.ndarray]]:
        """Output column -> (code array name, vocabulary)."""
        return {"device_id": ("device", self.devices), "query": ("query", self.queries),
                "device_type": ("device_type", np.array(DEVICE_TYPES, dtype=object)),
                "os": ("os", np.array(OS_NAMES, dtype=object)), "source": ("source", np.array(SOURCES, dtype=object))}


def query_vocabulary() -> np.ndarray:
    return np.array([p + noun.lower() for c in CATEGORIES for noun in c.nouns for p in QUERY_PREFIX], dtype=object)


def _query_codes(cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noun = rng.integers(0, N_NOUNS, cat.size)
    prefix = rng.integers(0, len(QUERY_PREFIX), cat.size)
    return (cat * N_NOUNS + noun) * len(QUERY_PREFIX) + prefix


def _anon_devices(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.array([f"anon-{v:012x}" for v in rng.integers(0, 2**48, size=n)], dtype=object)


class _Devices:
    """Grows the device vocabulary; identity devices come first so a ref row is its own code."""

    def __init__(self, ids: Identities) -> None:
        self.parts = [ids.device_id]
        self.size = ids.n
        self.of_ref = np.where(np.array([d is not None for d in ids.device_id]), np.arange(ids.n), -1)

    def add(self, names: np.ndarray) -> int:
        offset = self.size
        self.parts.append(names)
        self.size += names.size
        return offset


def _profiles(persons: Persons, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Stable per-person clients: phone OS for the app, the web device type and its OS."""
    android, ios, windows, macos = (OS_NAMES.index(o) for o in ("android", "ios", "windows", "macos"))
    phone_os = np.where(rng.random(persons.n) < 0.55, android, ios)
    desktop = rng.random(persons.n) < 0.5
    web_type = np.where(desktop, DEVICE_TYPES.index("desktop"), DEVICE_TYPES.index("mobile"))
    web_os = np.where(desktop, np.where(rng.random(persons.n) < 0.7, windows, macos), phone_os)
    return {"phone_os": phone_os, "web_type": web_type, "web_os": web_os}


def _client(channel: np.ndarray, person: np.ndarray, prof: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    safe = np.maximum(person, 0)
    app = channel == EV_APP
    mobile = DEVICE_TYPES.index("mobile")
    return np.where(app, mobile, prof["web_type"][safe]), np.where(app, prof["phone_os"][safe], prof["web_os"][safe])


def _frame(ts, ref_row, device, channel, etype, sku, query, device_type, os_, source) -> dict[str, np.ndarray]:
    n = len(ts)
    full = lambda v: np.broadcast_to(np.asarray(v, dtype=np.int64), (n,))  # noqa: E731
    return {"ts": np.asarray(ts, np.int64), "ref_row": full(ref_row), "device": full(device),
            "channel": full(channel), "type": full(etype), "sku": full(sku), "query": full(query),
            "device_type": full(device_type), "os": full(os_), "source": full(source)}


def build_events(cfg: GeneratorConfig, lines: dict[str, np.ndarray], persons: Persons, ids: Identities,
                 loc: Locations, prod: Products, start_epoch: int,
                 rng: np.random.Generator) -> tuple[dict[str, np.ndarray], EventVocab]:
    """All events sorted by time, as integer codes, and the vocabulary they index."""
    prof = _profiles(persons, rng)
    devices = _Devices(ids)
    parts = [
        _purchase_funnels(lines, devices, prod, prof, rng),
        _browsing(cfg, lines, persons, ids, devices, prod, prof, start_epoch, rng),
        _kiosk(lines, ids, devices, loc, prod, rng),
    ]
    ev = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(ev["ts"], kind="stable")
    vocab = EventVocab(devices=np.concatenate(devices.parts), queries=query_vocabulary())
    return {k: v[order] for k, v in ev.items()}, vocab


def _purchase_funnels(lines, devices: _Devices, prod, prof, rng) -> dict[str, np.ndarray]:
    pick = np.flatnonzero(np.isin(lines["channel"], (WEB, APP)) & (lines["qty"] > 0))
    uniq, first_idx, inv = np.unique(lines["order"][pick], return_index=True, return_inverse=True)
    n_orders = uniq.size
    first = pick[first_idx]
    o_ts, o_ref, o_person = lines["ts"][first], lines["ref_row"][first], lines["person"][first]
    o_chan = np.where(lines["channel"][first] == APP, EV_APP, EV_WEB)
    o_device = np.where(o_ref >= 0, devices.of_ref[np.maximum(o_ref, 0)], -1)
    guest = np.flatnonzero(o_ref < 0)
    o_device[guest] = devices.add(_anon_devices(guest.size, rng)) + np.arange(guest.size)
    o_dtype, o_os = _client(o_chan, o_person, prof)
    o_source = np.where(o_chan == EV_APP, APP_SOURCES[rng.integers(0, 3, n_orders)],
                        WEB_SOURCES[rng.integers(0, 5, n_orders)])
    o_source = np.where(lines["campaign"][first] >= 0, np.where(o_chan == EV_APP, PUSH, EMAIL), o_source)
    checkout = o_ts - rng.integers(30, 240, n_orders)
    # Per line: view -> add_to_cart -> checkout_start (shared by the order) -> purchase.
    n = pick.size
    atc = checkout[inv] - rng.integers(10, 600, n)
    view = atc - rng.integers(5, 900, n)
    sku = lines["sku"][pick]
    # Extra views of other SKUs of the same category while deciding.
    src = np.repeat(np.arange(n), rng.poisson(1.2, n))
    onehot = np.eye(len(CATEGORIES))[prod.category[sku[src]]]
    extra_sku = skus_by_preference(onehot, prod.category, prod.popularity, rng)
    extra_ts = view[src] - rng.integers(5, 1200, src.size)
    parts = [(view, inv, sku, T["view"]), (atc, inv, sku, T["add_to_cart"]),
             (checkout[inv], inv, sku, T["checkout_start"]), (o_ts[inv], inv, sku, T["purchase"]),
             (extra_ts, inv[src], extra_sku, T["view"])]
    oi = np.concatenate([p[1] for p in parts])
    return _frame(np.concatenate([p[0] for p in parts]), o_ref[oi], o_device[oi], o_chan[oi],
                  np.concatenate([np.full(p[0].size, p[3]) for p in parts]), np.concatenate([p[2] for p in parts]),
                  -1, o_dtype[oi], o_os[oi], o_source[oi])


def _browsing(cfg, lines, persons, ids, devices: _Devices, prod, prof, start_epoch, rng) -> dict[str, np.ndarray]:
    online_orders = np.unique(lines["order"][np.isin(lines["channel"], (WEB, APP))]).size
    n_sess = int(round(cfg.browse_sessions_per_order * online_orders))
    web_row, app_row = ids.ref_of["web"], ids.ref_of["app"]
    online_habit = (CHANNEL_HABIT[persons.segment, 1] * (web_row >= 0)
                    + CHANNEL_HABIT[persons.segment, 2] * (app_row >= 0)) * persons.activity
    person = np.where(rng.random(n_sess) < 0.75, weighted_choice(online_habit, n_sess, rng), -1)
    safe = np.maximum(person, 0)
    use_app = (person >= 0) & (app_row[safe] >= 0) & ((web_row[safe] < 0) | (rng.random(n_sess) < 0.5))
    ref = np.where(person < 0, -1, np.where(use_app, app_row[safe], web_row[safe]))
    chan = np.where(use_app, EV_APP, EV_WEB)
    pool = max(50, cfg.customers // 3)
    pool_offset = devices.add(_anon_devices(pool, rng))
    device = np.where(ref >= 0, devices.of_ref[np.maximum(ref, 0)], pool_offset + rng.integers(0, pool, n_sess))
    first = np.where(person >= 0, persons.start_day[safe], 0)
    day = first + (rng.random(n_sess) * (cfg.days - first)).astype(np.int64)
    hour_cdf = np.cumsum(ONLINE_HOURS) / ONLINE_HOURS.sum()
    hour = np.minimum(np.searchsorted(hour_cdf, rng.random(n_sess), side="right"), 23)
    s_ts = start_epoch + day * 86400 + hour * 3600 + rng.integers(0, 3600, n_sess)
    dtype, os_ = _client(chan, person, prof)
    source = np.where(chan == EV_APP, APP_SOURCES[rng.integers(0, 3, n_sess)], WEB_SOURCES[rng.integers(0, 5, n_sess)])
    pref = np.where((person >= 0)[:, None], persons.category_pref[safe], 1.0)
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
    query = np.full(ts.size, -1)
    query[: searched.size] = _query_codes(search_cat, rng)
    return _frame(ts, ref[sess], device[sess], chan[sess], etype, skus, query, dtype[sess], os_[sess], source[sess])


def _kiosk(lines, ids, devices: _Devices, loc, prod, rng) -> dict[str, np.ndarray]:
    """In-store endless-aisle kiosks: one shared device per store, mostly anonymous."""
    store_orders = np.unique(lines["order"][lines["channel"] == STORE], return_index=True)[1]
    store_lines = np.flatnonzero(lines["channel"] == STORE)[store_orders] if store_orders.size else store_orders
    n = int(0.03 * store_lines.size)
    src = store_lines[rng.integers(0, max(1, store_lines.size), n)]
    stores = loc.stores
    kiosk_offset = devices.add(kiosk_id(loc.ids[stores]))
    person = lines["person"][src]
    loyalty = ids.ref_of["loyalty"][np.maximum(person, 0)]
    ref = np.where((person >= 0) & (loyalty >= 0) & (rng.random(n) < 0.25), loyalty, -1)
    is_search = rng.random(n) < 0.4
    query = np.where(is_search, _query_codes(prod.category[lines["sku"][src]], rng), -1)
    return _frame(lines["ts"][src] - rng.integers(60, 1800, n), ref, kiosk_offset + lines["loc"][src], EV_STORE,
                  np.where(is_search, T["search"], T["view"]), np.where(is_search, -1, lines["sku"][src]), query,
                  DEVICE_TYPES.index("kiosk"), OS_NAMES.index("linux"), IN_STORE)
