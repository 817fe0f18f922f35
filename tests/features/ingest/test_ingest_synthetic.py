"""Ingest of a tiny generated retailer with injected faults: every fault, and only the faults,
lands in quarantine with the reason its fault type implies; the accounting adds up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.ingest import ingest
from features.synthetic import GeneratorConfig, generate


def expected_reason(table: str, fault: str, column: str) -> str:
    """The first failing check each injected fault type must trigger."""
    if fault == "missing_key":
        return f"missing:{column}"
    if fault == "unparseable_timestamp":
        return f"type:{column}"
    if fault == "unknown_sku":
        return "unknown_reference:sku->products"
    if fault == "duplicate_id":
        return "duplicate_key"
    if fault == "negative_qty":
        return "rule:qty_sign_matches_returned" if table == "transactions" else f"range:{column}"
    raise AssertionError(f"unknown fault type {fault}")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, pd.DataFrame]:
    home = tmp_path_factory.mktemp("synthetic")
    generate(GeneratorConfig.preset("tiny", seed=11, bad_row_rate=0.03), home / "raw")
    report = ingest(home / "raw", home / "validated", home / "quarantine").to_dict()
    faults = pd.read_parquet(home / "raw" / "truth" / "faults.parquet")
    return home, report, faults


def test_accounting_adds_up_for_every_table(ingested) -> None:
    home, report, faults = ingested
    for name, t in report["tables"].items():
        assert t["read"] == t["accepted"] + t["quarantined"] + t["erased"], name
        assert t["read"] == pd.read_parquet(home / "raw" / f"{name}.parquet").shape[0], name
        assert t["quarantined"] == int((faults["table"] == name).sum()), name
    totals = report["totals"]
    assert totals["read"] == totals["accepted"] + totals["quarantined"] + totals["erased"]
    assert totals["quarantined"] == len(faults) > 0


def test_every_fault_is_quarantined_with_its_reason_and_no_clean_row_is(ingested) -> None:
    home, report, faults = ingested
    for table, expected in faults.groupby("table"):
        got = pd.read_parquet(home / "quarantine" / f"{table}.parquet").set_index("_row")["_reason"]
        want = {
            int(r.row): expected_reason(table, r.fault, r.column.split(",")[0])
            for r in expected.itertuples()
        }
        assert got.to_dict() == want, table
    assert set(faults["fault"]) == {
        "missing_key", "negative_qty", "unparseable_timestamp", "unknown_sku", "duplicate_id"
    }


def test_validated_tables_hold_the_clean_rows_typed(ingested) -> None:
    home, report, _ = ingested
    tx = pd.read_parquet(home / "validated" / "transactions.parquet")
    assert len(tx) == report["tables"]["transactions"]["accepted"]
    assert str(tx["ts"].dtype) == "datetime64[us, UTC]"
    assert not tx.duplicated(["order_id", "line"]).any()
    products = set(pd.read_parquet(home / "validated" / "products.parquet")["sku"])
    assert set(tx["sku"]) <= products
