"""No leakage: a feature value at time t never depends on an event at or after t.

Method: build the features twice, from the full tiny retailer and from a copy
where everything that happened at or after t is removed, and ask both for the
values at t. They must be identical. Consent decisions and stock snapshots are
in force from their own instant (a decision made at t applies at t), so those
are cut strictly after t; the price calendar is known in advance, so it is cut
after t's date.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import tiny_retail
from hypothesis import given, settings
from hypothesis import strategies as st

from features.feature_repo import store as fs
from features.identity import resolve
from features.pipeline import build_features
from features.profile import build_profile_tables
from omnicast.settings import load_settings

START = pd.Timestamp("2023-01-10", tz="UTC")
KEYS = {"customer_profile": ["customer_id"], "customer_activity": ["customer_id"],
        "customer_consent": ["customer_id"], "product_features": ["sku"]}


def cut(data: dict[str, pd.DataFrame], t: pd.Timestamp) -> dict[str, pd.DataFrame]:
    out = dict(data)
    for name in ("transactions", "events"):
        out[name] = data[name][data[name]["ts"] < t]
    out["consents"] = data["consents"][data["consents"]["ts"] <= t]
    out["inventory"] = data["inventory"][data["inventory"]["ts"] <= t]
    out["prices"] = data["prices"][pd.to_datetime(data["prices"]["date"]) <= t.tz_localize(None).floor("D")]
    return out


def as_of_t(path: Path, keys: list[str], t: pd.Timestamp) -> pd.DataFrame:
    """Point-in-time lookup with Feast's rule: the latest row with event_timestamp <= t."""
    frame = pd.read_parquet(path)
    frame = frame[frame["event_timestamp"] <= t].sort_values("event_timestamp")
    return frame.groupby(keys).tail(1).drop(columns="event_timestamp").set_index(keys).sort_index()


def _tables(data: dict, out: Path) -> dict[str, Path]:
    mapping = resolve(data["identities"]).mapping
    return build_profile_tables(data, mapping, out, as_of=tiny_retail.AS_OF).paths


@settings(max_examples=15, deadline=None)
@given(st.integers(0, int((tiny_retail.AS_OF - START).total_seconds())))
def test_tables_at_t_ignore_the_future(tmp_path_factory: pytest.TempPathFactory, offset: int) -> None:
    t = START + pd.Timedelta(seconds=offset)
    data = tiny_retail.tables()
    full = _tables(data, tmp_path_factory.mktemp("full"))
    past = _tables(cut(data, t), tmp_path_factory.mktemp("past"))
    for name, keys in KEYS.items():
        pd.testing.assert_frame_equal(as_of_t(full[name], keys, t), as_of_t(past[name], keys, t))


@pytest.mark.parametrize("t", ["2024-02-28 00:00:00", "2024-02-29 09:00:00", "2024-02-29 13:30:00"])
def test_feast_historical_features_ignore_the_future(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, t: str) -> None:
    """The same property through Feast's own point-in-time join (get_historical_features)."""
    t = pd.Timestamp(t, tz="UTC")
    data = tiny_retail.tables()
    results = []
    for label, tables in (("full", data), ("past", cut(data, t))):
        settings_ = load_settings(home=tmp_path / label)
        settings_.paths.validated.mkdir(parents=True)
        for name, frame in tables.items():
            frame.to_parquet(settings_.paths.validated / f"{name}.parquet", index=False)
        monkeypatch.setattr("features.profile.build.default_as_of", lambda _: tiny_retail.AS_OF)
        summary = build_features(settings_, materialize=False)
        ids = sorted(set(pd.read_parquet(summary["identity_map"])["customer_id"]))
        entity_df = pd.DataFrame({"customer_id": ids, "sku": "S1", "event_timestamp": t})
        store = fs.open_store(settings_)
        frame = store.get_historical_features(
            entity_df=entity_df, features=store.get_feature_service("nbo")
        ).to_df()
        results.append(frame.sort_values("customer_id").reset_index(drop=True))
    full, past = results
    assert len(full) == len(ids)
    pd.testing.assert_frame_equal(full[sorted(full.columns)], past[sorted(past.columns)])
    anna = full[full["customer_id"] == ids[0]]
    assert anna.notna().any(axis=None)
