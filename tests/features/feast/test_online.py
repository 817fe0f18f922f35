"""Feast online store: SQLite and Redis agree, the fast reader agrees, push updates at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import tiny_retail

from features.consent import ConsentChecker, ConsentError, may_personalize
from features.feature_repo import store as fs
from features.pipeline import build_features
from features.profile.activity import apply_event
from omnicast.settings import load_settings


def _build(home: Path, **overrides) -> tuple:
    settings = load_settings(home=home, **overrides)
    tiny_retail.write_validated(settings.paths.validated)
    summary = build_features(settings)
    ids = pd.read_parquet(summary["identity_map"]).set_index("customer_ref")["customer_id"]
    return settings, summary, ids


@pytest.fixture(scope="module")
def sqlite_home(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return _build(tmp_path_factory.mktemp("sqlite") / "home")


@pytest.mark.integration
def test_sqlite_and_redis_serve_the_same_values(sqlite_home: tuple, redis_url: str, tmp_path: Path) -> None:
    settings, summary, ids = sqlite_home
    redis_settings, redis_summary, _ = _build(tmp_path / "home", online_store="redis", redis_url=redis_url)
    assert redis_summary["materialized"] == summary["materialized"]
    rows = [{"customer_id": c} for c in sorted(set(ids))]
    from_sqlite = fs.online_features(fs.open_store(settings), "nbo_customer", rows)
    from_redis = fs.online_features(fs.open_store(redis_settings), "nbo_customer", rows)
    assert from_sqlite == from_redis
    anna = next(r for r in from_redis if r["customer_id"] == ids["web:a1"])
    assert anna["monetary_365d"] == 65.0 and anna["cart_skus"] == "S3"
    # the fast path reads the same values from Redis
    reader = fs.OnlineReader(fs.open_store(redis_settings), "nbo_customer")
    assert reader.read(ids["web:a1"]) == anna


def test_materialized_values_are_the_latest_rows(sqlite_home: tuple) -> None:
    settings, summary, ids = sqlite_home
    profile = pd.read_parquet(summary["tables"]["customer_profile"])
    latest = profile.sort_values("event_timestamp").groupby("customer_id").tail(1).set_index("customer_id")
    reader = fs.OnlineReader(fs.open_store(settings), "nbo_customer")
    for customer_id, row in latest.iterrows():
        online = reader.read(customer_id)
        assert online["frequency_365d"] == row["frequency_365d"]
        assert online["lifecycle_segment"] == row["lifecycle_segment"]
    assert summary["materialized"]["customer_profile"] == len(latest)


def test_rematerializing_without_new_rows_writes_nothing(sqlite_home: tuple) -> None:
    settings, _, _ = sqlite_home
    again = fs.materialize(settings)
    assert set(again.values()) == {0}


def test_push_source_updates_the_online_profile_at_once(sqlite_home: tuple) -> None:
    settings, _, ids = sqlite_home
    store = fs.open_store(settings)
    reader = fs.OnlineReader(store, "nbo_customer")
    anna = ids["web:a1"]
    before = reader.read(anna)
    state = apply_event(before, {"type": "add_to_cart", "sku": "S2", "ts": "2024-03-01T10:00:00Z"}, 20.0)
    row = {k: state[k] for k in ("cart_items", "cart_value", "cart_skus", "last_viewed_sku", "last_carted_sku")}
    fs.push_activity(store, pd.DataFrame([{"customer_id": anna, **row, "event_timestamp": state["event_timestamp"]}]))
    after = reader.read(anna)
    assert (after["cart_items"], after["cart_value"], after["cart_skus"]) == (2, 25.0, "S2,S3")
    assert after["last_carted_sku"] == "S2"
    assert after["frequency_365d"] == before["frequency_365d"]  # other views untouched
    sdk = fs.online_features(store, "nbo_customer", [{"customer_id": anna}])[0]
    assert sdk["cart_skus"] == "S2,S3"


def test_consent_is_one_lookup(sqlite_home: tuple) -> None:
    settings, _, ids = sqlite_home
    store = fs.open_store(settings)
    checker = ConsentChecker(store)
    # anna granted personalization in January and refused it in February: refused now
    assert checker.consents(ids["web:a1"]) == {"marketing": True, "analytics": False, "personalization": False}
    assert not may_personalize(store, ids["web:b1"])  # never asked: no consent
    assert not may_personalize(store, "cus_unknown")
    with pytest.raises(ConsentError, match="unknown consent purpose"):
        checker.may(ids["web:a1"], "telepathy")


def test_a_consent_change_applies_at_once(sqlite_home: tuple) -> None:
    settings, _, ids = sqlite_home
    store = fs.open_store(settings)
    checker = ConsentChecker(store)
    bob = ids["web:b1"]
    state = checker.record(bob, "personalization", True, ts="2024-03-01T12:00:00Z")
    assert state == {"marketing": False, "analytics": False, "personalization": True}
    assert may_personalize(store, bob)
    checker.record(bob, "personalization", False, ts="2024-03-01T12:05:00Z")
    assert not may_personalize(store, bob)


def test_cli_get_prints_a_shoppers_online_features(sqlite_home: tuple) -> None:
    import json

    from typer.testing import CliRunner

    from omnicast.cli import app

    settings, _, ids = sqlite_home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "features", "get", "pos:p1"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["customer_id"] == ids["web:a1"] and row["monetary_365d"] == 65.0
    result = CliRunner().invoke(app, ["--home", str(settings.home), "features", "materialize"])
    assert result.exit_code == 0 and "customer_profile" in result.output


def test_cli_get_an_unknown_shopper_is_a_clear_error(sqlite_home: tuple) -> None:
    from typer.testing import CliRunner

    from omnicast.cli import app

    settings, _, _ = sqlite_home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "features", "get", "web:nobody"])
    assert result.exit_code == 2
    assert "web:nobody is not in the identity map" in result.output


def test_cli_get_an_unknown_service_lists_the_services(sqlite_home: tuple) -> None:
    from typer.testing import CliRunner

    from omnicast.cli import app

    settings, _, _ = sqlite_home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "features", "get", "pos:p1", "--service", "nope"])
    assert result.exit_code == 2
    assert "no feature service 'nope'" in result.output and "nbo_customer" in result.output


def test_an_unreachable_redis_is_a_clear_error(sqlite_home: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from typer.testing import CliRunner

    from omnicast.cli import app

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OMNICAST_ONLINE_STORE", "redis")
    monkeypatch.setenv("OMNICAST_REDIS_URL", f"127.0.0.1:{port}")
    settings, _, _ = sqlite_home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "features", "get", "pos:p1"])
    assert result.exit_code == 2
    assert "cannot reach the Redis online store" in " ".join(result.output.split())
