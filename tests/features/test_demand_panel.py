"""The store x SKU daily panel on hand-made validated tables with known answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from features.demand_panel import DemandPanelError, build_demand_panel, write_demand_panel


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


@pytest.fixture()
def validated(tmp_path: Path) -> Path:
    d = tmp_path / "validated"
    d.mkdir()
    pd.DataFrame(
        {
            "location_id": ["ST-1", "DC-1"],
            "kind": ["store", "dc"],
        }
    ).to_parquet(d / "locations.parquet")
    pd.DataFrame({"sku": ["A", "B"], "category": ["toys", "food"], "list_price": [5.0, 2.0]}).to_parquet(
        d / "products.parquet"
    )
    tx = [  # order, location, sku, qty, ts, channel, fulfilment, returned
        ("o1", "ST-1", "A", 2, "2024-01-01 10:00", "store", "in_store", False),
        ("o2", "ST-1", "A", 1, "2024-01-01 18:00", "web", "bopis", False),  # BOPIS -> the store
        ("o3", "DC-1", "A", 4, "2024-01-03 09:00", "web", "ship", False),  # shipped -> the DC
        ("o4", "ST-1", "A", -1, "2024-01-03 12:00", "store", "in_store", True),  # return: not demand
        ("o5", "ST-1", "A", 3, "2024-01-04 23:30", "app", "curbside", False),
        ("o6", "ST-1", "B", 1, "2024-01-03 08:00", "store", "in_store", False),  # new SKU starts day 3
    ]
    pd.DataFrame(
        {
            "order_id": [t[0] for t in tx],
            "line": 1,
            "location_id": [t[1] for t in tx],
            "sku": [t[2] for t in tx],
            "qty": [t[3] for t in tx],
            "unit_price": 5.0,
            "discount": 0.0,
            "ts": [_ts(t[4]) for t in tx],
            "channel": [t[5] for t in tx],
            "fulfilment": [t[6] for t in tx],
            "returned": [t[7] for t in tx],
        }
    ).to_parquet(d / "transactions.parquet")
    pd.DataFrame(
        {
            "sku": ["A", "A", "A"],
            "location_id": ["ST-1", "ST-1", "ST-1"],
            "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 4)],
            "price": [5.0, 4.0, 4.5],
            "promo": [False, True, False],
        }
    ).to_parquet(d / "prices.parquet")
    inv = [  # ts, location, sku, on_hand, reserved
        ("2024-01-01 23:59", "ST-1", "A", 5, 0),
        ("2024-01-02 23:59", "ST-1", "A", 2, 2),  # nothing sellable: stock-out
        ("2024-01-04 23:59", "ST-1", "A", 6, 1),
    ]
    pd.DataFrame(
        {
            "ts": [_ts(i[0]) for i in inv],
            "location_id": [i[1] for i in inv],
            "sku": [i[2] for i in inv],
            "on_hand": [i[3] for i in inv],
            "reserved": [i[4] for i in inv],
            "in_transit": 0,
        }
    ).to_parquet(d / "inventory.parquet")
    return d


def test_units_attribution_zero_fill_and_life(validated: Path) -> None:
    panel = build_demand_panel(validated)
    store_a = panel[(panel.location_id == "ST-1") & (panel.sku == "A")]
    assert list(store_a.date) == [date(2024, 1, d) for d in (1, 2, 3, 4)]
    assert list(store_a.units) == [3, 0, 0, 3]  # store + BOPIS; zero-filled; return left out
    dc_a = panel[(panel.location_id == "DC-1") & (panel.sku == "A")]
    assert list(dc_a.units) == [4] and list(dc_a.location_kind) == ["dc"]
    store_b = panel[(panel.location_id == "ST-1") & (panel.sku == "B")]
    assert list(store_b.date) == [date(2024, 1, 3)]  # new SKU: life starts at its first sale
    assert panel.units.sum() == 11


def test_price_promo_stock_and_calendar(validated: Path) -> None:
    a = build_demand_panel(validated).query("location_id == 'ST-1' and sku == 'A'")
    assert list(a.price) == [5.0, 4.0, 4.0, 4.5]  # day 3 carries day 2's price
    assert list(a.promo) == [False, True, False, False]
    assert list(a.stockout) == [False, True, True, False]  # snapshot of day 2 carried to day 3
    assert list(a.on_hand) == [5, 2, 2, 6]
    assert list(a.dow) == [0, 1, 2, 3]  # 2024-01-01 was a Monday
    b = build_demand_panel(validated).query("sku == 'B'")
    assert list(b.price) == [2.0] and not b.stockout.any() and b.on_hand.isna().all()
    assert list(b.category) == ["food"]


def test_writer_and_missing_tables(validated: Path, tmp_path: Path) -> None:
    out = write_demand_panel(validated, tmp_path / "offline" / "store_sku_daily.parquet")
    assert out.name == "store_sku_daily.parquet"
    assert len(pd.read_parquet(out)) == len(build_demand_panel(validated))
    (validated / "inventory.parquet").unlink()
    with pytest.raises(DemandPanelError, match="inventory"):
        build_demand_panel(validated)
