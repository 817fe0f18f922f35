"""Hillstrom e-mail test -> identities, exposures, events, transactions (+ covariates side table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.adapters import COVARIATES, import_hillstrom
from features.adapters.hillstrom import EXPERIMENT_ID, SEND_TS
from features.ingest import ingest


@pytest.fixture
def imported(home, hillstrom_cut) -> tuple[dict, dict, pd.DataFrame]:
    counts = import_hillstrom(hillstrom_cut, home["raw"])
    report = ingest(home["raw"], home["validated"], home["quarantine"]).to_dict()
    return counts, report, pd.read_csv(hillstrom_cut)


def validated(home: dict[str, Path], table: str) -> pd.DataFrame:
    return pd.read_parquet(home["validated"] / f"{table}.parquet")


def test_tables_are_valid_and_complete(home, imported) -> None:
    counts, report, src = imported
    assert report["totals"]["quarantined"] == 0 and counts["rejected"] == 0
    assert counts["identities"] == counts["exposures"] == len(src) == 298
    assert counts["events"] == src["visit"].sum()
    assert counts["transactions"] == src["conversion"].sum() == 30
    assert report["adapters"]["hillstrom"]["read"] == len(src)


def test_exposures_keep_the_arms(home, imported) -> None:
    _, _, src = imported
    exposures = validated(home, "exposures")
    assert (exposures["experiment_id"] == EXPERIMENT_ID).all()
    assert list(exposures["unit_id"]) == [f"email:{i}" for i in range(len(src))]
    assert list(exposures["variant"]) == list(src["segment"])
    assert (exposures["ts"] == SEND_TS).all()


def test_outcomes_preserve_visits_and_spend(home, imported) -> None:
    _, _, src = imported
    tx = validated(home, "transactions")
    assert tx["unit_price"].sum() == pytest.approx(src["spend"].sum(), abs=1e-9)
    buyers = {f"email:{i}" for i in src.index[src["conversion"] == 1]}
    assert set(tx["customer_ref"]) == buyers
    assert (tx["qty"] == 1).all() and not tx["returned"].any()
    spend_by_unit = tx.set_index("customer_ref")["unit_price"]
    assert spend_by_unit["email:" + str(src.index[src["conversion"] == 1][0])] == src.loc[
        src["conversion"] == 1, "spend"
    ].iloc[0]
    events = validated(home, "events")
    assert set(events["customer_ref"]) == {f"email:{i}" for i in src.index[src["visit"] == 1]}
    assert (events["ts"] > SEND_TS).all() and (tx["ts"] > SEND_TS).all()


def test_covariates_side_table_joins_on_unit_id(home, imported) -> None:
    _, _, src = imported
    side = pd.read_parquet(home["raw"] / COVARIATES)
    exposures = validated(home, "exposures")
    joined = exposures.merge(side, on="unit_id", validate="one_to_one")
    assert len(joined) == len(src)
    assert list(joined["history"]) == list(src["history"])
    assert list(joined["zip_code"]) == list(src["zip_code"])
    assert list(joined["recency"]) == list(src["recency"])
    assert joined["spend"].sum() == pytest.approx(src["spend"].sum())


def test_unmappable_rows_are_rejected_with_reasons(home, hillstrom_cut, tmp_path: Path) -> None:
    src = pd.read_csv(hillstrom_cut, dtype=str).head(6)
    src.loc[0, "mens"] = "2"
    src.loc[1, "spend"] = "-5"
    src.loc[2, ["conversion", "spend", "visit"]] = ["1", "0", "1"]
    src.loc[3, "recency"] = ""
    src.loc[4, "history"] = "lots"
    path = tmp_path / "bad.csv"
    src.to_csv(path, index=False)
    counts = import_hillstrom(path, home["raw"])
    ingest(home["raw"], home["validated"], home["quarantine"])
    reasons = pd.read_parquet(home["quarantine"] / "hillstrom.parquet").set_index("_row")["_reason"]
    assert reasons.to_dict() == {
        0: "type:mens", 1: "range:spend", 2: "conversion_without_spend", 3: "missing:recency",
        4: "type:history",
    }
    assert counts["identities"] == 1 and counts["rejected"] == 5
