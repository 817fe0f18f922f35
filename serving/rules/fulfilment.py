"""Fulfilment routing: for each SKU, the first way the shopper can really get it.

In order (DESIGN.md, "Inventory and fulfilment"):

1. ``bopis_today``: pick up today at the nearest location that holds sellable
   stock (on hand - reserved - safety buffer >= qty), whose service radius
   covers the shopper, and whose pickup window is still open long enough to
   pick the order; with a ready-by time.
2. ``bopis_next_window``: the same nearest location, ready in its next pickup
   window (today's window is closed or too short for the pick lead time).
3. ``ship``: ship to home from the best shipping location (a DC by default)
   with sellable stock, i.e. the earliest ETA (nearest, then most stock).
4. ``unavailable``: nothing can be delivered; the SKU must not be offered.

The API is arrays in, arrays out, over any source of stock and locations (the
batch feature tables, the online store, an inventory feed): build
`Locations` once, pass a (SKUs x locations) sellable matrix per call, and read
the answer as a `Routes` (structure of arrays, cheap for hundreds of SKUs) or
as `FulfilmentOption` objects for the few SKUs that are shown. No pandas on
the call path; `Locations.from_frame` and `StockMatrix.from_frame` are the
table adapters.

Times are UTC epoch seconds. Pickup hours are local wall-clock hours of the
location, which is `utc_offset_hours` ahead of UTC (0 by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from omnicast.errors import OmnicastError

Mode = Literal["bopis_today", "bopis_next_window", "ship", "unavailable"]
MODES: tuple[Mode, ...] = ("bopis_today", "bopis_next_window", "ship", "unavailable")
BOPIS_TODAY, BOPIS_NEXT, SHIP, UNAVAILABLE = range(4)
DAY = 86400.0
EARTH_RADIUS_KM = 6371.0088


class RoutingInputError(OmnicastError):
    """Stock or location inputs to routing are inconsistent (shapes, unknown ids)."""


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distance from one point to many, in km."""
    p1, p2 = np.radians(lat), np.radians(lats)
    dphi = p2 - p1
    dlmb = np.radians(lons) - np.radians(lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def sellable_units(on_hand: np.ndarray, reserved: np.ndarray, safety_buffer: np.ndarray | int) -> np.ndarray:
    """What a promise may count on: on hand - reserved - safety buffer, never below zero."""
    on_hand = np.asarray(on_hand, dtype=np.int64)
    return np.maximum(on_hand - np.asarray(reserved, dtype=np.int64) - np.asarray(safety_buffer, dtype=np.int64), 0)


@dataclass(frozen=True)
class Locations:
    """Every location that can hold stock or hand over orders, as parallel arrays.

    `pickup_open_hour`/`pickup_close_hour` are local hours (NaN: no pickup);
    a location hands over orders when open < close.
    """

    location_id: np.ndarray  # object (str)
    kind: np.ndarray  # object: store / dc / pickup_point
    lat: np.ndarray
    lon: np.ndarray
    service_radius_km: np.ndarray
    pickup_open_hour: np.ndarray
    pickup_close_hour: np.ndarray
    utc_offset_hours: np.ndarray = field(default_factory=lambda: np.zeros(0))
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.location_id)
        for name in ("kind", "lat", "lon", "service_radius_km", "pickup_open_hour", "pickup_close_hour"):
            if len(getattr(self, name)) != n:
                raise RoutingInputError(f"locations: {name} has {len(getattr(self, name))} values for {n} ids")
        if len(self.utc_offset_hours) == 0:
            object.__setattr__(self, "utc_offset_hours", np.zeros(n))
        object.__setattr__(self, "index", {str(x): i for i, x in enumerate(self.location_id)})
        if len(self.index) != n:
            raise RoutingInputError("locations: location_id values are not unique")

    @property
    def n(self) -> int:
        return len(self.location_id)

    @property
    def has_pickup(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.asarray(self.pickup_close_hour > self.pickup_open_hour)

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Index of each location id; an unknown id is an error naming it."""
        try:
            return np.array([self.index[str(i)] for i in ids], dtype=np.int64)
        except KeyError as exc:
            raise RoutingInputError(f"unknown location_id {exc.args[0]!r}") from None

    @classmethod
    def from_frame(cls, frame: Any) -> Locations:
        """From a table shaped like the `locations` contract (or Feast's location_info view)."""
        cols = set(frame.columns)
        kind_col = "kind" if "kind" in cols else "location_kind"

        def num(name: str) -> np.ndarray:
            return np.asarray(frame[name].astype("float64").to_numpy(na_value=np.nan), dtype=float)

        offset = num("utc_offset_hours") if "utc_offset_hours" in cols else np.zeros(len(frame))
        return cls(
            location_id=np.asarray(frame["location_id"].astype(str).to_numpy(), dtype=object),
            kind=np.asarray(frame[kind_col].astype(str).to_numpy(), dtype=object),
            lat=num("lat"), lon=num("lon"), service_radius_km=num("service_radius_km"),
            pickup_open_hour=num("pickup_open_hour"), pickup_close_hour=num("pickup_close_hour"),
            utc_offset_hours=offset,
        )


@dataclass(frozen=True)
class StockMatrix:
    """Sellable units per SKU x location (dense; rows for SKUs, columns follow `Locations`)."""

    sku: np.ndarray  # object (str), one per row
    sellable: np.ndarray  # int64 (n_sku, n_loc)
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.sellable.ndim != 2 or self.sellable.shape[0] != len(self.sku):
            raise RoutingInputError(f"stock: sellable has shape {self.sellable.shape} for {len(self.sku)} SKUs")
        object.__setattr__(self, "index", {str(s): i for i, s in enumerate(self.sku)})

    def rows(self, skus: Sequence[str]) -> np.ndarray:
        """Sellable rows for these SKUs; a SKU with no stock record has zero everywhere."""
        pos = np.fromiter((self.index.get(str(s), -1) for s in skus), dtype=np.int64, count=len(skus))
        out = self.sellable[np.maximum(pos, 0)]
        out[pos < 0] = 0
        return np.asarray(out)

    @classmethod
    def from_frame(cls, frame: Any, locations: Locations, safety_buffer: int | np.ndarray = 0) -> StockMatrix:
        """From long stock rows (location_id, sku, on_hand, reserved[, safety_buffer]).

        A `sellable_units` column (Feast's location_stock view) is used as is;
        otherwise sellable = on hand - reserved - buffer. Rows at unknown
        locations are an error; the latest row per location x SKU must be given.
        """
        skus, sku_pos = np.unique(frame["sku"].astype(str).to_numpy(), return_inverse=True)
        loc_pos = locations.positions(frame["location_id"].astype(str).tolist())
        if "sellable_units" in frame.columns:
            units = frame["sellable_units"].to_numpy(dtype=np.int64)
        else:
            buffer = frame["safety_buffer"].to_numpy() if "safety_buffer" in frame.columns else safety_buffer
            units = sellable_units(frame["on_hand"].to_numpy(), frame["reserved"].to_numpy(), buffer)
        matrix = np.zeros((skus.size, locations.n), dtype=np.int64)
        matrix[sku_pos, loc_pos] = units
        return cls(np.asarray(skus, dtype=object), matrix)


@dataclass(frozen=True)
class RoutingPolicy:
    """Lead times and shipping rules (what ops configure)."""

    pick_minutes: float = 120.0  # from order to ready for pickup, counted from opening
    pickup_kinds: tuple[str, ...] = ("store",)  # locations that hold stock and hand over orders
    ship_kinds: tuple[str, ...] = ("dc",)  # locations that ship to home
    ship_cutoff_hour: float = 16.0  # local: orders after this leave the next day
    ship_handling_days: int = 1
    ship_km_per_day: float = 300.0
    ship_days_unknown_address: int = 3  # transit when the shopper's position is unknown


@dataclass(frozen=True)
class Origin:
    """Where the shopper is: a position, a chosen store, or both (None: unknown)."""

    lat: float | None = None
    lon: float | None = None
    location_id: str | None = None  # a chosen store: BOPIS only there

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class FulfilmentOption:
    """How one SKU reaches the shopper, with the reasons a person can read."""

    sku: str
    mode: Mode
    location_id: str | None
    ready_by: datetime | None  # BOPIS: ready for pickup from
    eta: datetime | None  # ship: delivered by
    distance_km: float | None
    sellable_units: int
    reasons: tuple[str, ...]

    @property
    def deliverable(self) -> bool:
        return self.mode != "unavailable"


@dataclass(frozen=True)
class Routes:
    """Routing answers for many SKUs as arrays (mode codes index `MODES`)."""

    skus: tuple[str, ...]
    mode: np.ndarray  # int8
    location: np.ndarray  # int64 index into Locations, -1 none
    ready_by: np.ndarray  # float epoch seconds (BOPIS), NaN otherwise
    eta: np.ndarray  # float epoch seconds (ship), NaN otherwise
    distance_km: np.ndarray
    units: np.ndarray  # sellable units at the chosen location
    nearest_stock_km: np.ndarray  # nearest pickup location with stock, ignoring radius (for reasons)
    locations: Locations
    policy: RoutingPolicy
    positioned: bool

    @property
    def deliverable(self) -> np.ndarray:
        return np.asarray(self.mode != UNAVAILABLE)

    def option(self, i: int) -> FulfilmentOption:
        """The i-th SKU's option with its reasons (built only for what is shown)."""
        mode = int(self.mode[i])
        loc = int(self.location[i])
        lid = str(self.locations.location_id[loc]) if loc >= 0 else None
        dist = float(self.distance_km[i]) if np.isfinite(self.distance_km[i]) else None
        return FulfilmentOption(
            sku=self.skus[i], mode=MODES[mode], location_id=lid, ready_by=_dt(self.ready_by[i]),
            eta=_dt(self.eta[i]), distance_km=dist, sellable_units=int(self.units[i]),
            reasons=self._reasons(i, mode, lid, dist),
        )

    def options(self) -> list[FulfilmentOption]:
        return [self.option(i) for i in range(len(self.skus))]

    def _reasons(self, i: int, mode: int, lid: str | None, dist: float | None) -> tuple[str, ...]:
        units = int(self.units[i])
        where = f"{lid} ({dist:.1f} km)" if dist is not None else str(lid)
        if mode == BOPIS_TODAY:
            return (f"pick up today at {where}: {units} sellable, ready by {_hhmm(self.ready_by[i], self._offset(i))}",)
        if mode == BOPIS_NEXT:
            return (f"today's pickup window at {where} is closed or too short for a "
                    f"{self.policy.pick_minutes:.0f}-minute pick",
                    f"pick up in the next window: ready by {_stamp(self.ready_by[i], self._offset(i))}")
        near = self._no_pickup_reason(i)
        if mode == SHIP:
            eta = _dt(self.eta[i])
            day = eta.date().isoformat() if eta else "?"
            return (near, f"ship from {lid}: {units} sellable, delivered by {day}")
        return (near, "no sellable stock at any shipping location: cannot be delivered")

    def _no_pickup_reason(self, i: int) -> str:
        near = self.nearest_stock_km[i]
        if not self.positioned:
            return "shopper position unknown and no store chosen: no pickup promise"
        if np.isfinite(near):
            return f"no pickup location with stock within its service radius (nearest with stock {near:.1f} km)"
        return "no pickup location has sellable stock"

    def _offset(self, i: int) -> float:
        loc = int(self.location[i])
        return float(self.locations.utc_offset_hours[loc]) if loc >= 0 else 0.0


def _dt(epoch: float) -> datetime | None:
    return datetime.fromtimestamp(float(epoch), tz=UTC) if np.isfinite(epoch) else None


def _hhmm(epoch: float, offset_h: float) -> str:
    t = datetime.fromtimestamp(float(epoch) + offset_h * 3600, tz=UTC)
    return t.strftime("%H:%M") + " local"


def _stamp(epoch: float, offset_h: float) -> str:
    t = datetime.fromtimestamp(float(epoch) + offset_h * 3600, tz=UTC)
    return t.strftime("%Y-%m-%d %H:%M") + " local"


def route(
    skus: Sequence[str],
    sellable: np.ndarray,
    locations: Locations,
    origin: Origin | None,
    now: float,
    policy: RoutingPolicy | None = None,
    qty: int = 1,
) -> Routes:
    """Route every SKU (rows of `sellable`, columns = `locations`) at time `now` (epoch s)."""
    policy = policy or RoutingPolicy()
    sellable = np.asarray(sellable)
    if sellable.shape != (len(skus), locations.n):
        raise RoutingInputError(
            f"sellable has shape {sellable.shape}; expected ({len(skus)} SKUs, {locations.n} locations)")
    origin = origin or Origin()
    n_sku = len(skus)
    dist, reach, positioned = _reach(locations, origin, policy)
    stocked = sellable >= qty
    pickup_stock = stocked & np.isin(locations.kind, policy.pickup_kinds)[None, :]
    ready_today, today_ok, ready_next = _pickup_times(locations, now, policy)

    mode = np.full(n_sku, UNAVAILABLE, dtype=np.int8)
    loc = np.full(n_sku, -1, dtype=np.int64)
    ready = np.full(n_sku, np.nan)
    eta = np.full(n_sku, np.nan)
    near_any = np.where(pickup_stock, dist[None, :], np.inf).min(axis=1) if n_sku else np.zeros(0)

    can_pick = pickup_stock & reach[None, :]
    best_today = _nearest(can_pick & today_ok[None, :], dist)
    best_next = _nearest(can_pick, dist)
    today = best_today >= 0
    has_pick = best_next >= 0
    chosen = np.where(today, best_today, best_next)
    mode[has_pick] = np.where(today[has_pick], BOPIS_TODAY, BOPIS_NEXT)
    loc[has_pick] = chosen[has_pick]
    safe_c = np.maximum(chosen, 0)
    ready[has_pick] = np.where(today, ready_today[safe_c], ready_next[safe_c])[has_pick]

    ship_from = stocked & np.isin(locations.kind, policy.ship_kinds)[None, :]
    rest = ~has_pick
    if rest.any():
        ship_eta = _ship_eta(locations, dist, positioned, now, policy)  # (n_loc,)
        # earliest ETA, then most stock, then lowest index
        key = np.where(ship_from, ship_eta[None, :], np.inf)
        best_eta = key.min(axis=1)
        tie = (key == best_eta[:, None]) & ship_from
        stock_key = np.where(tie, sellable, -1)
        best_ship = np.where(np.isfinite(best_eta), stock_key.argmax(axis=1), -1)
        shipped = rest & (best_ship >= 0)
        mode[shipped] = SHIP
        loc[shipped] = best_ship[shipped]
        eta[shipped] = best_eta[shipped]
    safe = np.maximum(loc, 0)
    units = np.where(loc >= 0, sellable[np.arange(n_sku), safe], 0) if n_sku else np.zeros(0, dtype=np.int64)
    distance = np.where(loc >= 0, dist[safe], np.nan) if n_sku else np.zeros(0)
    return Routes(tuple(str(s) for s in skus), mode, loc, ready, eta, distance, units, near_any, locations,
                  policy, positioned)


def _reach(locations: Locations, origin: Origin, policy: RoutingPolicy) -> tuple[np.ndarray, np.ndarray, bool]:
    """(distance per location, may the shopper pick up there, is the shopper placed)."""
    pickup = locations.has_pickup & np.isin(locations.kind, policy.pickup_kinds)
    if origin.has_position:
        dist = haversine_km(float(origin.lat), float(origin.lon), locations.lat, locations.lon)  # type: ignore[arg-type]
        reach = pickup & (dist <= locations.service_radius_km)
    elif origin.location_id is not None:
        chosen = locations.positions([origin.location_id])[0]
        dist = haversine_km(float(locations.lat[chosen]), float(locations.lon[chosen]), locations.lat, locations.lon)
        reach = np.zeros(locations.n, dtype=bool)
    else:
        return np.full(locations.n, np.inf), np.zeros(locations.n, dtype=bool), False
    if origin.location_id is not None:  # a chosen store: BOPIS only there
        chosen = locations.positions([origin.location_id])[0]
        reach = np.zeros(locations.n, dtype=bool)
        reach[chosen] = bool(pickup[chosen])
    return dist, reach, True


def _nearest(mask: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Per row, the column with the smallest distance among True cells (-1 if none)."""
    if mask.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.where(mask, dist[None, :], np.inf)
    best = key.argmin(axis=1)
    return np.where(mask.any(axis=1), best, -1)


def _pickup_times(locations: Locations, now: float, policy: RoutingPolicy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per location: ready-by if ordered now for today, whether today works, ready-by next window."""
    offset = locations.utc_offset_hours * 3600.0
    local = now + offset
    day_start = np.floor(local / DAY) * DAY  # local midnight, in local seconds
    pick = policy.pick_minutes * 60.0
    open_t = day_start + np.nan_to_num(locations.pickup_open_hour) * 3600.0
    close_t = day_start + np.nan_to_num(locations.pickup_close_hour) * 3600.0
    ready_today = np.maximum(local, open_t) + pick
    today_ok = locations.has_pickup & (ready_today <= close_t)
    ready_next = open_t + DAY + pick
    return ready_today - offset, today_ok, ready_next - offset


def _ship_eta(locations: Locations, dist: np.ndarray, positioned: bool, now: float,
              policy: RoutingPolicy) -> np.ndarray:
    """Delivered-by time per shipping location: end of the day after dispatch, handling and transit."""
    offset = locations.utc_offset_hours * 3600.0
    local = now + offset
    day_start = np.floor(local / DAY) * DAY
    late = (local - day_start) / 3600.0 >= policy.ship_cutoff_hour
    if positioned:
        transit = np.ceil(np.nan_to_num(dist, posinf=0.0) / policy.ship_km_per_day)
    else:
        transit = np.full(locations.n, float(policy.ship_days_unknown_address))
    days = late.astype(float) + policy.ship_handling_days + np.maximum(transit, 1.0)
    return day_start + days * DAY + (DAY - 1) - offset
