"""Regularising a long panel: zero-fill, carry-forward, frequencies, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from training.demand.panel import PanelError, PanelSpec, regularise


def test_zero_fills_gaps_to_the_panel_end_and_carries_covariates() -> None:
    spec = PanelSpec(("sku",), "date", "units", "D", future_cols=("price",))
    panel = pd.DataFrame(
        {
            "sku": ["a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-03"]),
            "units": [2.0, 1.0, 5.0],
            "price": [9.0, 8.0, 3.0],
        }
    )
    grid = regularise(panel, spec)
    a = grid[grid.sku == "a"]
    assert list(a.units) == [2, 0, 0, 1]
    assert list(a.price) == [9, 9, 9, 8]
    b = grid[grid.sku == "b"]  # new series starts on its first row, runs to the panel end
    assert list(b.date.dt.day) == [3, 4] and list(b.units) == [5, 0]


def test_weekly_and_monthly_periods() -> None:
    weeks = pd.DataFrame({"sku": "a", "date": pd.to_datetime(["2024-01-01", "2024-01-15"]), "units": [1.0, 2.0]})
    grid = regularise(weeks, PanelSpec(("sku",), "date", "units", "W"))
    assert list(grid.date) == list(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]))
    months = weeks.assign(date=pd.to_datetime(["2024-01-01", "2024-03-01"]))
    grid = regularise(months, PanelSpec(("sku",), "date", "units", "M"))
    assert list(grid.date.dt.month) == [1, 2, 3] and list(grid.units) == [1, 0, 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": [1.0, -1.0]}, "negative"),
        ({"units": [1.0, None]}, "missing"),
        ({"date": pd.to_datetime(["2024-01-01", "2024-01-01"])}, "duplicate"),
    ],
)
def test_bad_panels_are_named(change: dict, message: str) -> None:
    panel = pd.DataFrame({"sku": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "units": [1.0, 2.0]})
    with pytest.raises(PanelError, match=message):
        regularise(panel.assign(**change), PanelSpec(("sku",), "date", "units", "D"))


def test_missing_column_and_misaligned_weeks() -> None:
    panel = pd.DataFrame({"sku": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-03"]), "units": [1.0, 2.0]})
    with pytest.raises(PanelError, match="price"):
        regularise(panel, PanelSpec(("sku",), "date", "units", "D", future_cols=("price",)))
    with pytest.raises(PanelError, match="weekday"):
        regularise(panel, PanelSpec(("sku",), "date", "units", "W"))


def test_discontinued_series_end_at_their_last_row_unless_filled_to_end() -> None:
    panel = pd.DataFrame(
        {"sku": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-02"]), "units": [1.0, 1.0, 2.0]}
    )
    listed = regularise(panel, PanelSpec(("sku",), "date", "units", "D", fill_to_end=False))
    assert list(listed[listed.sku == "b"].units) == [2.0]
    assert len(regularise(panel, PanelSpec(("sku",), "date", "units", "D"))[lambda d: d.sku == "b"]) == 3
    extended = regularise(panel, PanelSpec(("sku",), "date", "units", "D", fill_to_end=False), end_period=None)
    assert len(extended[extended.sku == "a"]) == 4


def test_an_empty_panel_is_named() -> None:
    empty = pd.DataFrame({"sku": [], "date": pd.to_datetime([]), "units": []})
    with pytest.raises(PanelError, match="no rows"):
        regularise(empty, PanelSpec(("sku",), "date", "units", "D"))
