from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.contracts import CONTRACTS
from features.synthetic.writer import iso_dates, iso_timestamps, prefixed_ids, replace_dir_atomically, to_arrow

SECONDS = st.integers(-(10**9), 4 * 10**9)  # 1938 .. 2096


@settings(max_examples=60, deadline=None)
@given(st.lists(SECONDS, min_size=1, max_size=50))
def test_iso_timestamps_round_trip(secs: list[int]) -> None:
    out = iso_timestamps(np.array(secs)).to_pylist()
    for s, text in zip(secs, out):
        assert text.endswith("Z") and len(text) == 20
        assert datetime.fromisoformat(text.replace("Z", "+00:00")) == datetime.fromtimestamp(s, UTC)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20000, 50000), min_size=1, max_size=50))
def test_iso_dates_round_trip(days: list[int]) -> None:
    out = iso_dates(np.array(days)).to_pylist()
    assert out == [str(np.datetime64(d, "D")) for d in days]


def test_prefixed_ids() -> None:
    assert prefixed_ids("O", np.array([0, 42, 123456789]), 9).to_pylist() == ["O000000000", "O000000042", "O123456789"]


def test_to_arrow_enforces_the_contract_columns() -> None:
    with pytest.raises(ValueError, match="missing columns"):
        to_arrow(CONTRACTS["offers"], {"offer_id": np.array(["a"], dtype=object)})


def test_failed_write_keeps_the_previous_directory(tmp_path: Path) -> None:
    target = tmp_path / "raw"
    replace_dir_atomically(target, lambda d: (d / "a.txt").write_text("first"))

    def broken(d: Path) -> None:
        (d / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        replace_dir_atomically(target, broken)
    assert (target / "a.txt").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]


def test_nullable_columns_become_nulls() -> None:
    table = to_arrow(CONTRACTS["products"], {
        "sku": np.array(["S1", "S2"], dtype=object), "name": np.array(["a", "b"], dtype=object),
        "category": np.array(["c", "c"], dtype=object), "brand": np.array([None, "B"], dtype=object),
        "list_price": np.array([1.0, 2.0]), "unit_cost": np.array([np.nan, 1.0]),
        "attributes": np.array([None, "{}"], dtype=object), "gtin": pa.array([None, "1"], pa.string())})
    assert table["unit_cost"].null_count == 1 and table["brand"].null_count == 1
