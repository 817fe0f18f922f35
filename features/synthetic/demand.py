"""Store x SKU demand from latent causes, and the inventory that censors it.

expected demand = base rate (SKU popularity x store size)
                  x weekly pattern (category- and channel-specific)
                  x yearly season and Christmas ramp x retail events
                  x trend x (price / list price) ^ elasticity x promotion lift
                  x on-sale window (launch ramp, discontinuation)
The unconstrained demand is a negative-binomial draw around it; sales are that
draw capped by the stock on hand, which an order-up-to policy with lead times
and occasional short shipments replenishes. Arrays are (day, location, sku)
over the stocked locations (stores first, then DCs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.synthetic.calendar import Calendar
from features.synthetic.catalog import Locations, PriceCalendar, Products, category_params
from features.synthetic.config import GeneratorConfig

STORE_WEEK = np.array([0.90, 0.85, 0.90, 0.95, 1.10])  # Mon-Fri; Sat/Sun by category
ONLINE_WEEK = np.array([1.15, 1.05, 1.00, 0.95, 0.85, 0.80, 1.20])
LAUNCH_RAMP_DAYS = 28


@dataclass(frozen=True)
class Demand:
    expected: np.ndarray  # float32 (D, L, S): true expected demand (the truth a forecast targets)
    demand: np.ndarray  # int32: unconstrained draw
    sold: np.ndarray  # int32: organic units sold (demand capped by stock)
    extra_sold: np.ndarray  # int32: experiment-driven units served first at DCs
    available: np.ndarray  # int32: sellable stock at the start of the day
    on_hand: np.ndarray  # int32: end-of-day on hand (incl. reserved)
    reserved: np.ndarray  # int32: units promised to open orders awaiting pickup/shipment
    in_transit: np.ndarray  # int32: replenishment ordered, not yet arrived
    listed: np.ndarray  # bool (D, S): SKU on sale that day
    is_store: np.ndarray  # bool (L,)


def weekly_factors(cal: Calendar, loc: Locations, prod: Products) -> np.ndarray:
    """(D, L, S) weekday multiplier: stores peak on Saturday (by category), online on Sunday."""
    sat = category_params("saturday")  # per category
    store = np.empty((len(sat), 7))
    store[:, :5] = STORE_WEEK
    store[:, 5] = sat
    store[:, 6] = 0.55 * sat
    store /= store.mean(axis=1, keepdims=True)
    online = ONLINE_WEEK / ONLINE_WEEK.mean()
    is_store = loc.kind[loc.stocked] == "store"
    per_store = store[prod.category][:, cal.dow].T  # (D, S)
    per_online = np.broadcast_to(online[cal.dow][:, None], per_store.shape)
    return np.where(is_store[None, :, None], per_store[:, None, :], per_online[:, None, :])


def season_factors(cal: Calendar, prod: Products) -> np.ndarray:
    """(D, S) yearly cycle by category plus the gift run-up to Christmas."""
    amp, peak, gift = category_params("season_amplitude"), category_params("season_peak"), category_params("giftiness")
    cyc = 1 + amp[None, :] * np.cos(2 * np.pi * (cal.year_phase[:, None] - peak[None, :]))
    ramp = 1 + 1.5 * gift[None, :] * cal.xmas_ramp[:, None]
    return (cyc * ramp)[:, prod.category]


def listed_mask(cal: Calendar, prod: Products) -> tuple[np.ndarray, np.ndarray]:
    """(D, S) on-sale flag and the launch ramp factor (new SKUs build up over four weeks)."""
    d = np.arange(cal.n)[:, None]
    listed = (d >= prod.launch_day[None, :]) & (d < prod.end_day[None, :])
    since = d - prod.launch_day[None, :]
    ramp = np.where(prod.launch_day[None, :] > 0, np.clip(0.3 + 0.7 * since / LAUNCH_RAMP_DAYS, 0.3, 1.0), 1.0)
    return listed, ramp


def expected_demand(cfg: GeneratorConfig, cal: Calendar, loc: Locations, prod: Products,
                    prices: PriceCalendar) -> tuple[np.ndarray, np.ndarray]:
    stocked = loc.stocked
    is_store = loc.kind[stocked] == "store"
    online_aff = category_params("online_affinity")[prod.category]
    store_share = prod.popularity / prod.popularity.sum()
    online_share = prod.popularity * online_aff
    online_share /= online_share.sum()
    size = loc.size[stocked]
    store_units = cfg.store_daily_units * size / size[is_store].mean()
    online_total = cfg.stores * cfg.store_daily_units * cfg.online_share / (1 - cfg.online_share)
    per_dc = online_total / max(1, (~is_store).sum())
    base = np.where(is_store[:, None], store_units[:, None] * store_share[None, :],
                    per_dc * online_share[None, :])  # (L, S)
    event = np.where(is_store[None, :], cal.store_mult[:, None], cal.online_mult[:, None])  # (D, L)
    t = (np.arange(cal.n) - cal.n / 2) / 365.25
    trend = np.exp(prod.trend[None, :] * t[:, None])  # (D, S)
    listed, ramp = listed_mask(cal, prod)
    elasticity = category_params("elasticity")[prod.category].astype(np.float32)
    rel_price = (prices.price / prod.list_price[None, None, :]).astype(np.float32)
    price_effect = rel_price ** elasticity[None, None, :]
    promo_lift = 1 + prices.promo * prod.promo_lift[None, :]
    per_sku_day = (season_factors(cal, prod) * trend * ramp * promo_lift * listed).astype(np.float32)
    lam = (base[None, :, :].astype(np.float32) * weekly_factors(cal, loc, prod).astype(np.float32)
           * event[:, :, None].astype(np.float32) * per_sku_day[:, None, :] * price_effect)
    return lam.astype(np.float32), listed


def simulate(cfg: GeneratorConfig, cal: Calendar, loc: Locations, prod: Products,
             prices: PriceCalendar, extra: np.ndarray, rng_demand: np.random.Generator,
             rng_inv: np.random.Generator) -> Demand:
    """Draw demand, then run stock day by day (vectorised over location x SKU)."""
    lam, listed = expected_demand(cfg, cal, loc, prod, prices)
    D, L, S = lam.shape
    k = cfg.dispersion
    demand = rng_demand.poisson(lam * rng_demand.gamma(k, 1.0 / k, lam.shape).astype(np.float32))
    demand = demand.astype(np.int32)

    is_store = loc.kind[loc.stocked] == "store"
    lead = np.where(is_store, rng_inv.integers(2, 5, L), rng_inv.integers(4, 8, L))
    review_dow = rng_inv.integers(0, 7, L)
    review_every = np.where(is_store, 7, 3)
    z = np.where(is_store, 0.8, 2.5)[:, None]
    cover = np.where(is_store, rng_inv.uniform(0.9, 1.2, L), 1.3)[:, None]
    # Planner's forecast: trailing 28-day mean of the true rate (blind to upcoming promos),
    # and for a launch the mean of its first 28 days.
    csum = np.zeros((D + 1, L, S), dtype=np.float64)
    np.cumsum(lam, axis=0, out=csum[1:])
    launch = np.clip(prod.launch_day, 0, D)
    launch_end = np.clip(launch + 28, 0, D)
    launch_plan = (csum[launch_end, :, np.arange(S)] - csum[launch, :, np.arange(S)]).T / 28.0  # (L, S)

    max_lead = int(lead.max()) + 1
    arrivals = np.zeros((D + max_lead, L, S), dtype=np.int32)
    stock = np.zeros((L, S), dtype=np.int32)
    pipeline = np.zeros((L, S), dtype=np.int32)
    out = {name: np.zeros((D, L, S), dtype=np.int32)
           for name in ("sold", "extra_sold", "available", "on_hand", "reserved", "in_transit")}
    reserve_p = np.where(is_store, cfg.bopis_share * 0.5, 0.25)[:, None]
    horizon = (review_every + lead)[:, None]
    lag = 28
    for d in range(D):
        # Orders placed today (and the opening stock on day 0).
        start = max(0, d - lag)
        trailing = (csum[d] - csum[start]) / max(1, d - start) if d > 0 else csum[min(D, lag)] / lag
        young = (d - prod.launch_day)[None, :] < lag
        forecast = np.where(young, launch_plan, trailing)
        target = np.ceil(forecast * horizon * cover + z * np.sqrt(forecast * horizon))
        target = target + (forecast > 0)  # keep at least one on the shelf
        ordering = (d + lead[:, None] + 1 < prod.end_day[None, :] - 7) & (d + lead[:, None] >= prod.launch_day[None, :])
        if d == 0:
            stock = np.where(listed[0][None, :], target, 0).astype(np.int32)
        is_review = ((cal.dow[d] == review_dow) & is_store) | (~is_store & (d % 3 == review_dow % 3))
        qty = np.where(ordering & is_review[:, None], np.maximum(target - stock - pipeline, 0), 0).astype(np.int32)
        short = rng_inv.random((L, S)) < cfg.supply_failure_rate
        qty = np.where(short, (qty * rng_inv.uniform(0, 0.5, (L, S))).astype(np.int32), qty)
        arrivals[d + lead[:, None], np.arange(L)[:, None], np.arange(S)[None, :]] += qty
        pipeline += qty
        # Deliveries arrive, then customers buy.
        stock += arrivals[d]
        pipeline -= arrivals[d]
        out["available"][d] = stock
        served_extra = np.minimum(extra[d], stock)
        stock -= served_extra
        sold = np.minimum(demand[d], stock)
        stock -= sold
        reserved = rng_inv.binomial(sold + served_extra, reserve_p).astype(np.int32)
        out["sold"][d] = sold
        out["extra_sold"][d] = served_extra
        out["reserved"][d] = reserved
        out["on_hand"][d] = stock + reserved
        out["in_transit"][d] = pipeline
    return Demand(expected=lam, demand=demand, listed=listed, is_store=is_store, **out)
