"""Profile features on the tiny retailer: answers worked out by hand (see tiny_retail)."""

from __future__ import annotations

import pandas as pd
import pytest
import tiny_retail
from hypothesis import given, settings
from hypothesis import strategies as st

from features.identity import resolve
from features.profile import build_profile_tables
from features.profile.activity import apply_event


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    data = tiny_retail.tables()
    mapping = resolve(data["identities"]).mapping
    out = build_profile_tables(data, mapping, tmp_path_factory.mktemp("p"), as_of=tiny_retail.AS_OF)
    frames = {name: pd.read_parquet(path) for name, path in out.paths.items()}
    frames["mapping"] = mapping
    return frames


def _person(built: dict, ref: str) -> str:
    return built["mapping"].set_index("customer_ref").loc[ref, "customer_id"]


def _row(frame: pd.DataFrame, key: str, value: str, ts: str) -> pd.Series:
    rows = frame[(frame[key] == value) & (frame["event_timestamp"] == pd.Timestamp(ts, tz="UTC"))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_anna_profile_now(built: dict) -> None:
    anna = _row(built["customer_profile"], "customer_id", _person(built, "web:a1"), "2024-03-01")
    # Orders: O1 (02-28), O2 (02-10), O3 (2023-12-01, exactly 90 days before 02-29: outside 90d).
    assert [anna[f"frequency_{w}d"] for w in (7, 30, 90, 365)] == [1, 2, 2, 3]
    # O1 = 2*10 + (20-5) = 35, return R1 = -10, O2 = 20, O3 = 20.
    assert [anna[f"monetary_{w}d"] for w in (7, 30, 90, 365)] == [25, 45, 45, 65]
    assert anna["aov_365d"] == pytest.approx(65 / 3)
    assert anna["return_rate_365d"] == pytest.approx(1 / 8)  # 1 returned of 8 bought
    assert anna["promo_share_365d"] == pytest.approx(1 / 8)  # the discounted lamp
    assert anna["days_since_last_purchase"] == 2 and anna["days_since_last_visit"] == 1
    assert anna["channel_share_store"] == 0.75 and anna["channel_share_web"] == 0.25
    assert anna["preferred_store"] == "L1"
    assert (anna["top_category"], anna["top_category_share"]) == ("A", 0.75)
    assert (anna["top_brand"], anna["top_brand_share"]) == ("Y", 0.75)
    assert anna["lifecycle_segment"] == "active"


def test_rows_only_see_the_past(built: dict) -> None:
    """The row stamped 02-29 00:00 includes O1 (02-28) but not the 02-29 return."""
    anna = _row(built["customer_profile"], "customer_id", _person(built, "web:a1"), "2024-02-29")
    assert anna["frequency_7d"] == 1 and anna["monetary_7d"] == 35
    assert anna["return_rate_365d"] == 0.0


def test_lifecycle_segments(built: dict) -> None:
    prof = built["customer_profile"]
    bob = _person(built, "web:b1")
    assert _row(prof, "customer_id", bob, "2023-01-16")["lifecycle_segment"] == "new"
    now = _row(prof, "customer_id", bob, "2024-03-01")
    assert now["lifecycle_segment"] == "lapsed" and now["days_since_last_purchase"] == 411
    kiosk = _row(prof, "customer_id", _person(built, "web:k2"), "2024-03-01")
    assert kiosk["lifecycle_segment"] == "prospect" and kiosk["frequency_365d"] == 0


def test_consent_latest_decision_across_ids_wins(built: dict) -> None:
    consent = built["customer_consent"]
    anna = consent[consent["customer_id"] == _person(built, "web:a1")].set_index("event_timestamp")
    jan, feb = anna.loc[pd.Timestamp("2024-01-01", tz="UTC")], anna.loc[pd.Timestamp("2024-02-15", tz="UTC")]
    assert jan["consent_personalization"] and not feb["consent_personalization"]
    assert feb["consent_marketing"] and not feb["consent_analytics"]
    assert _person(built, "web:b1") not in set(consent["customer_id"])  # no decision, no row


def test_cart_and_last_seen(built: dict) -> None:
    act = _row(built["customer_activity"], "customer_id", _person(built, "web:a1"), "2024-03-01")
    # added S3 and S1 after the last purchase, removed S1 again
    assert (act["cart_items"], act["cart_value"], act["cart_skus"]) == (1, 5.0, "S3")
    assert act["last_viewed_sku"] == "S1" and act["last_carted_sku"] == "S1"


def test_product_features(built: dict) -> None:
    s1 = _row(built["product_features"], "sku", "S1", "2024-03-01")
    assert s1["units_sold_7d"] == 2  # anna's O1; the return is not a sale, bob's is 400 days old
    assert s1["views_7d"] == 1 and s1["carts_7d"] == 1
    assert s1["current_price"] == 9.5 and s1["promo_share"] == 0.5 and s1["on_promo"]
    assert s1["margin_rate"] == pytest.approx((9.5 - 6) / 9.5)
    assert s1["sellable_units"] == 3 and s1["locations_in_stock"] == 1  # L1: 5-1-1, L2: 1-0-1


def test_location_stock_and_pickup(built: dict) -> None:
    stock = built["location_stock"].set_index(["location_id", "sku"])
    assert stock.loc[("L1", "S1"), "sellable_units"] == 3
    assert not stock.loc[("L2", "S1"), "in_stock"]
    info = built["location_info"].set_index("location_id")
    assert info.loc["L1", "offers_pickup"] and not info.loc["W1", "offers_pickup"]
    assert (info.loc["L2", "pickup_open_hour"], info.loc["L2", "pickup_close_hour"]) == (10, 18)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add_to_cart", "remove_from_cart", "view", "purchase"]),
                          st.sampled_from(["S1", "S2", "S3"])), max_size=30))
def test_apply_event_cart_value_matches_its_items(events: list[tuple[str, str]]) -> None:
    prices = {"S1": 10.0, "S2": 20.0, "S3": 5.0}
    state: dict | None = None
    for i, (kind, sku) in enumerate(events):
        state = apply_event(state, {"type": kind, "sku": sku, "ts": f"2024-03-01T00:00:{i:02d}Z"}, prices[sku])
    if state is not None:
        skus = [s for s in state["cart_skus"].split(",") if s]
        assert len(set(skus)) == len(skus) == state["cart_items"]
        assert state["cart_value"] == pytest.approx(sum(prices[s] for s in skus))
