"""The demand panel as a point-in-time feature table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.profile.demand import DemandPanelError, to_feature_table


def test_stamped_after_the_day_with_rolling_units() -> None:
    days = [dt.date(2024, 1, d) for d in range(1, 11)]
    panel = pd.DataFrame({
        "location_id": "L1", "sku": "S1", "date": days, "units": list(range(10)),
        "price": 2.0, "promo": False, "stockout": False,
        "on_hand": pd.array([5] * 9 + [None], dtype="Int64"), "category": "A",
    })
    other = panel.assign(sku="S2", units=100)
    table = to_feature_table(pd.concat([other, panel])).set_index(["sku", "event_timestamp"])
    row = table.loc[("S1", pd.Timestamp("2024-01-11", tz="UTC"))]  # closes 2024-01-10
    assert row["units"] == 9
    assert row["units_mean_7d"] == pytest.approx(sum(range(3, 10)) / 7)
    assert row["units_mean_28d"] == pytest.approx(4.5)
    assert table.loc[("S2", pd.Timestamp("2024-01-02", tz="UTC")), "units_mean_7d"] == 100
    assert pd.isna(row["on_hand"]) and row["category"] == "A"
    assert "date" not in table.columns


def test_panel_without_units_is_named() -> None:
    with pytest.raises(DemandPanelError, match="no units column"):
        to_feature_table(pd.DataFrame({"location_id": ["L"], "sku": ["S"], "date": [dt.date(2024, 1, 1)]}))
