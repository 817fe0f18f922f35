"""The source tables as columns, read off the world one table at a time.

Each builder returns {column: values} in contract terms; timestamp columns hold
epoch seconds and date columns epoch days (the writer turns them into ISO
strings). Built lazily so only one large table is in memory at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from features.contracts import EVENT_CHANNELS, EVENT_TYPES, FULFILMENTS, SALES_CHANNELS
from features.synthetic import catalog, customers, experiment
from features.synthetic.world import DAY, World
from features.synthetic.writer import prefixed_ids

Columns = dict[str, "np.ndarray | pa.Array"]


def take(values: np.ndarray, idx: np.ndarray) -> pa.Array:
    """values[idx] as an Arrow string array; idx < 0 gives null."""
    idx = np.asarray(idx)
    return pa.array(values, pa.string()).take(pa.array(idx, mask=idx < 0))


def nullable_int(x: np.ndarray) -> pa.Array:
    nan = np.isnan(x)
    return pa.array(np.where(nan, 0, x).astype(np.int64), mask=nan)


def _obj(values: tuple | list) -> np.ndarray:
    return np.array(values, dtype=object)


def identities(w: World) -> Columns:
    ids = w.ids
    return {
        "customer_ref": ids.ref, "source_system": _obj(customers.SYSTEMS)[ids.system],
        "source_customer_id": ids.source_id, "email_sha256": ids.email_sha256, "phone_sha256": ids.phone_sha256,
        "loyalty_id": ids.loyalty_id, "device_id": ids.device_id, "first_seen": w.first_seen,
    }


def consents(w: World) -> Columns:
    return w.consents


def locations(w: World) -> Columns:
    loc = w.loc
    return {
        "location_id": loc.ids, "kind": loc.kind, "name": loc.name, "lat": loc.lat, "lon": loc.lon,
        "region": loc.region, "pickup_open_hour": nullable_int(loc.open_hour),
        "pickup_close_hour": nullable_int(loc.close_hour), "service_radius_km": loc.radius_km,
    }


def products(w: World) -> Columns:
    p = w.prod
    return {
        "sku": p.sku, "name": p.name, "category": _obj(catalog.CATEGORY_NAMES)[p.category], "brand": p.brand,
        "list_price": p.list_price, "unit_cost": p.unit_cost, "attributes": p.attributes, "gtin": p.gtin,
    }


def transactions(w: World) -> Columns:
    L = w.lines
    return {
        "order_id": prefixed_ids("O", w.order_number, 9), "line": L["line"],
        "customer_ref": take(w.ids.ref, L["ref_row"]), "channel": take(_obj(SALES_CHANNELS), L["channel"]),
        "location_id": take(w.stocked_ids, L["loc"]), "sku": take(w.prod.sku, L["sku"]), "qty": L["qty"],
        "unit_price": L["unit_price"], "discount": L["discount"], "ts": L["ts"],
        "fulfilment": take(_obj(FULFILMENTS), L["fulfil"]), "returned": L["returned"],
    }


def events(w: World) -> Columns:
    e = w.events
    return {
        "event_id": prefixed_ids("EV", np.arange(e["ts"].size), 10), "ts": e["ts"],
        "customer_ref": take(w.ids.ref, e["ref_row"]), "channel": take(_obj(EVENT_CHANNELS), e["channel"]), "type": take(_obj(EVENT_TYPES), e["type"]),
        "sku": take(w.prod.sku, e["sku"]),
        **{col: take(vocab, e[code]) for col, (code, vocab) in w.event_vocab.columns().items()},
    }


def inventory(w: World) -> Columns:
    """End-of-day snapshots from launch until a dropped SKU's stock is gone."""
    d, p = w.demand, w.prod
    days = np.arange(d.sold.shape[0])[:, None, None]
    keep = (days >= p.launch_day[None, None, :]) & ((days < p.end_day[None, None, :]) | (d.on_hand + d.in_transit > 0))
    dd, ll, ss = np.nonzero(keep)
    return {
        "ts": (w.epoch_days[dd] + 1) * DAY - 1, "location_id": take(w.stocked_ids, ll), "sku": take(p.sku, ss),
        "on_hand": d.on_hand[dd, ll, ss].astype(np.int64), "reserved": d.reserved[dd, ll, ss].astype(np.int64),
        "in_transit": d.in_transit[dd, ll, ss].astype(np.int64),
    }


def offers(w: World) -> Columns:
    """The offer catalogue plus the experiments' campaign offers (start/end from day indices)."""
    campaign = [row for exp in w.experiments for row in experiment.offer_rows(exp)]
    cols = {k: np.concatenate([v, np.array([r[k] for r in campaign], dtype=v.dtype)]) for k, v in w.offers.items()}
    return {**cols, "start": (w.epoch_days[0] + cols["start"]) * DAY, "end": (w.epoch_days[0] + cols["end"]) * DAY}


def prices(w: World) -> Columns:
    """The price calendar per SKU x location x day while the SKU is on sale."""
    d = w.demand
    keep = np.broadcast_to(d.listed[:, None, :], d.sold.shape).transpose(2, 1, 0)  # (S, L, D)
    ss, ll, dd = np.nonzero(keep)
    return {
        "sku": take(w.prod.sku, ss), "location_id": take(w.stocked_ids, ll), "date": w.epoch_days[dd],
        "price": w.prices.price[dd, ll, ss], "promo": w.prices.promo[dd, ss],
    }


def exposures(w: World) -> Columns:
    ids, xs = w.ids, w.experiments
    return {
        "experiment_id": np.concatenate([np.full(x.unit_row.size, x.design.experiment_id, dtype=object) for x in xs]),
        "unit_id": np.concatenate([ids.ref[x.unit_row] for x in xs]),
        "variant": np.concatenate([np.array(x.design.variants, dtype=object)[x.variant] for x in xs]),
        "ts": np.concatenate([x.exposure_ts for x in xs]),
        "channel": np.concatenate([np.array(customers.SYSTEMS, dtype=object)[ids.system[x.unit_row]] for x in xs]),
    }


BUILDERS: dict[str, Callable[[World], Columns]] = {
    "identities": identities, "consents": consents, "locations": locations, "products": products,
    "transactions": transactions, "events": events, "inventory": inventory, "offers": offers,
    "prices": prices, "exposures": exposures,
}
