"""Fulfilment routing: known answers on a hand-made map, and invariants over random stock."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serving.rules import Locations, Origin, RoutingInputError, RoutingPolicy, StockMatrix, route, sellable_units
from serving.rules.fulfilment import BOPIS_TODAY, haversine_km

# A at the shopper's door, B 5.6 km north, C 33 km north (beyond its 10 km radius),
# a pickup point without stock, and two DCs: D1 ~56 km, D2 ~330 km away.
LOCS = pd.DataFrame({
    "location_id": ["A", "B", "C", "P", "D1", "D2"],
    "kind": ["store", "store", "store", "pickup_point", "dc", "dc"],
    "lat": [52.00, 52.05, 52.30, 52.00, 52.50, 55.00],
    "lon": [4.00, 4.00, 4.00, 4.001, 4.00, 4.00],
    "service_radius_km": [10.0, 10.0, 10.0, 5.0, 300.0, 300.0],
    "pickup_open_hour": pd.array([9, 9, 9, 8, None, None], dtype="Int64"),
    "pickup_close_hour": pd.array([21, 18, 21, 22, None, None], dtype="Int64"),
})
HOME = Origin(lat=52.0, lon=4.0)


def at(hour: int, minute: int = 0, day: int = 2) -> float:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC).timestamp()


def stock(**units: int) -> np.ndarray:
    """One SKU's sellable row over LOCS."""
    row = np.zeros((1, len(LOCS)), dtype=np.int64)
    for lid, n in units.items():
        row[0, list(LOCS["location_id"]).index(lid)] = n
    return row


@pytest.fixture(scope="module")
def locs() -> Locations:
    return Locations.from_frame(LOCS)


def one(locs: Locations, sellable: np.ndarray, now: float, origin: Origin = HOME, **kw):
    return route(["S1"], sellable, locs, origin, now, **kw).option(0)


def test_bopis_today_at_the_nearest_store_with_stock(locs: Locations) -> None:
    opt = one(locs, stock(A=3, B=5), at(10))
    assert (opt.mode, opt.location_id, opt.sellable_units) == ("bopis_today", "A", 3)
    assert opt.ready_by == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 10:00 + 2 h pick
    opt = one(locs, stock(B=5), at(6))  # before opening: picking starts at 9
    assert (opt.mode, opt.location_id, opt.ready_by.hour) == ("bopis_today", "B", 11)
    assert opt.distance_km == pytest.approx(5.56, abs=0.01)
    assert "ready by 11:00" in opt.reasons[0]


def test_late_in_the_day_a_farther_open_store_beats_a_nearer_closed_one(locs: Locations) -> None:
    # 16:30: B (closes 18) cannot finish a 2 h pick; A (closes 21) can
    opt = one(locs, stock(A=1, B=9), at(16, 30))
    assert (opt.mode, opt.location_id) == ("bopis_today", "A")
    opt = one(locs, stock(B=9), at(16, 30))
    assert (opt.mode, opt.location_id) == ("bopis_next_window", "B")
    assert opt.ready_by == datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    assert "next window" in " ".join(opt.reasons)


def test_out_of_radius_or_unsellable_stock_ships_from_the_best_dc(locs: Locations) -> None:
    opt = one(locs, stock(C=10, D1=2, D2=50), at(10))
    assert (opt.mode, opt.location_id) == ("ship", "D1")  # nearer DC: earlier ETA, despite less stock
    # before the 16:00 cut-off: dispatch today, 1 handling day, 1 transit day (56 km)
    assert opt.eta == datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC)
    assert "nearest with stock 33.4 km" in opt.reasons[0]
    late = one(locs, stock(D1=2), at(17))
    assert late.eta == datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)  # after cut-off: one day later
    far = one(locs, stock(D2=1), at(10))
    assert far.location_id == "D2" and far.eta.day == 5  # 330 km: two transit days


def test_nothing_sellable_is_unavailable(locs: Locations) -> None:
    on_hand = np.array([[2, 1, 0, 0, 1, 0]])
    reserved = np.array([[1, 0, 0, 0, 1, 0]])
    sellable = sellable_units(on_hand, reserved, 1)
    assert sellable.sum() == 0
    opt = one(locs, sellable, at(10))
    assert opt.mode == "unavailable" and not opt.deliverable and opt.location_id is None
    assert "cannot be delivered" in opt.reasons[-1]


def test_quantity_needs_enough_units(locs: Locations) -> None:
    assert one(locs, stock(A=1, B=3), at(10), qty=2).location_id == "B"


def test_a_chosen_store_is_the_only_pickup_option(locs: Locations) -> None:
    chosen = Origin(location_id="B")
    assert one(locs, stock(A=5, B=1), at(10), chosen).location_id == "B"
    opt = one(locs, stock(A=5, D1=1), at(10), chosen)
    assert opt.mode == "ship"
    with pytest.raises(RoutingInputError, match="'ZZ'"):
        one(locs, stock(A=1), at(10), Origin(location_id="ZZ"))


def test_unknown_position_never_promises_pickup(locs: Locations) -> None:
    opt = one(locs, stock(A=5, D2=1), at(10), Origin())
    assert opt.mode == "ship" and "position unknown" in opt.reasons[0]
    assert opt.eta.day == 2 + 1 + 3  # handling + the unknown-address transit


def test_local_pickup_hours_follow_the_utc_offset() -> None:
    frame = LOCS.assign(utc_offset_hours=1.0)
    locs = Locations.from_frame(frame)
    # 19:30 UTC is 20:30 local at A (closes 21 local): too late today
    opt = one(locs, stock(A=1), at(19, 30))
    assert opt.mode == "bopis_next_window"
    assert opt.ready_by == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 09:00 local + 2 h = 11:00 local


def test_stock_matrix_from_long_rows(locs: Locations) -> None:
    rows = pd.DataFrame({"location_id": ["A", "B", "D1"], "sku": ["S1", "S1", "S2"],
                         "on_hand": [5, 1, 7], "reserved": [1, 0, 0]})
    m = StockMatrix.from_frame(rows, locs, safety_buffer=1)
    got = m.rows(["S2", "S1", "NOPE"])
    assert got.tolist() == [[0, 0, 0, 0, 6, 0], [3, 0, 0, 0, 0, 0], [0] * 6]
    with pytest.raises(RoutingInputError, match="'X9'"):
        StockMatrix.from_frame(rows.assign(location_id=["A", "X9", "B"]), locs)


def test_shape_mismatch_is_a_clear_error(locs: Locations) -> None:
    with pytest.raises(RoutingInputError, match="expected \\(2 SKUs, 6 locations\\)"):
        route(["a", "b"], np.zeros((2, 3)), locs, HOME, at(10))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=8),
    st.integers(0, 23), st.floats(51.7, 52.6), st.floats(3.7, 4.3), st.integers(1, 2),
)
def test_routing_invariants(rows: list[list[int]], hour: int, lat: float, lon: float, qty: int) -> None:
    locs = Locations.from_frame(LOCS)
    sellable = np.array(rows)
    now = at(hour)
    routes = route([f"S{i}" for i in range(len(rows))], sellable, locs, Origin(lat, lon), now, qty=qty)
    dist = haversine_km(lat, lon, locs.lat, locs.lon)
    policy = RoutingPolicy()
    for i, opt in enumerate(routes.options()):
        if opt.mode == "unavailable":
            assert not (sellable[i, 4:] >= qty).any()  # no DC could ship
            continue
        j = locs.index[opt.location_id]
        assert sellable[i, j] >= qty  # never promise stock that is not there
        if opt.mode.startswith("bopis"):
            assert locs.kind[j] == "store" and dist[j] <= locs.service_radius_km[j]
            assert opt.ready_by.timestamp() >= now + policy.pick_minutes * 60 - 1e-6
        if opt.mode == "bopis_today":
            assert opt.ready_by.hour < int(LOCS["pickup_close_hour"][j]) or opt.ready_by.minute == 0
        else:  # no reachable stocked store was open long enough today
            reach = (locs.kind == "store") & (dist <= locs.service_radius_km) & (sellable[i] >= qty)
            if opt.mode == "ship":
                assert not reach.any()
        if routes.mode[i] == BOPIS_TODAY:
            others = (locs.kind == "store") & (dist <= locs.service_radius_km) & (sellable[i] >= qty)
            assert dist[j] <= dist[others].min() + 1e-9 or opt.mode == "bopis_today"
