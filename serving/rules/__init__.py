"""Eligibility rules and fulfilment routing: a pure-Python library (numpy only, no BentoML).

The next-best-offer scorer (`training.nbo`), the scoring service, the
availability endpoint and inventory all call these same functions, so nothing
is offered that cannot be delivered.

Fulfilment (`serving.rules.fulfilment`)::

    locs = Locations.from_frame(locations_df)            # once; arrays inside
    stock = StockMatrix.from_frame(stock_df, locs, safety_buffer=1)
    routes = route(skus, stock.rows(skus), locs, Origin(lat=52.37, lon=4.89), now=epoch_s)
    routes.mode            # int8 codes into MODES, one per SKU (vectorised)
    routes.option(0)       # FulfilmentOption(sku, mode, location_id, ready_by, eta, ..., reasons)

`route(skus, sellable, locations, origin, now, policy=RoutingPolicy(), qty=1)`
takes any (SKUs x locations) sellable matrix (on hand - reserved - safety
buffer, see `sellable_units`) and returns, per SKU: BOPIS today at the
nearest reachable location with stock and an open window (ready-by time),
else the next window, else ship from the DC with the earliest ETA, else
unavailable. Every option carries human-readable reasons.

Eligibility (`serving.rules.eligibility`)::

    Consent(personalization=..., marketing=...).mode(channel)  # personalized / context_only / none
    pairs = applicable(catalog, cand_skus, cand_categories)     # candidate x offer by scope
    checked = check(catalog, pairs, Shopper(tags, shown=...), channel, now, price, unit_cost, RuleConfig())
    checked.ok, checked.failed, checked.dropped()               # first failing rule per pair

Rules: consent (fallback to context-only ranking), channel, validity window,
audience, frequency caps per shopper x offer, margin floor after the offer's cost.
"""

from serving.rules.eligibility import (
    RULES,
    Checked,
    Consent,
    OfferCatalog,
    Pairs,
    RuleConfig,
    Shopper,
    applicable,
    check,
    describe,
)
from serving.rules.fulfilment import (
    MODES,
    FulfilmentOption,
    Locations,
    Origin,
    Routes,
    RoutingInputError,
    RoutingPolicy,
    StockMatrix,
    haversine_km,
    route,
    sellable_units,
)

__all__ = [
    "MODES", "RULES", "Checked", "Consent", "FulfilmentOption", "Locations", "OfferCatalog", "Origin", "Pairs",
    "Routes", "RoutingInputError", "RoutingPolicy", "RuleConfig", "Shopper", "StockMatrix", "applicable", "check",
    "describe", "haversine_km", "route", "sellable_units",
]
