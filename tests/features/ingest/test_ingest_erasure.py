"""Ingestion honours the erasure ledger: erased shoppers reach neither validated/ nor quarantine/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from raw_retail import as_strings, write_raw

from features.contracts import INGEST_ORDER
from features.ingest import IngestReport, ingest
from features.privacy.ledger import device_key, ref_hash

ERASED = {ref_hash("web:1"), ref_hash(device_key("d1"))}


def _names_web1(frame: pd.DataFrame) -> int:
    return sum(int((frame[c] == "web:1").sum()) for c in ("customer_ref", "unit_id") if c in frame.columns)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_erased_rows_are_dropped_before_validation_and_counted(home: dict[str, Path], fmt: str) -> None:
    tables = as_strings()
    tables["consents"].loc[1, "purpose"] = "spying"  # would be quarantined, with her ref in it
    tables["transactions"].loc[1, "qty"] = "lots"  # quarantined as a guest line, not as hers
    write_raw(home["raw"], tables, fmt)
    report = ingest(home["raw"], home["validated"], home["quarantine"], ERASED)

    for table in INGEST_ORDER:
        for where in ("validated", "quarantine"):
            path = home[where] / f"{table}.parquet"
            if path.exists():
                assert _names_web1(pd.read_parquet(path)) == 0, (where, table)
        t = report.tables[table]
        assert t.read == len(tables[table]) == t.accepted + t.quarantined + t.erased, table
    erased = {name: t.erased for name, t in report.tables.items() if t.erased}
    # identities 1, consents 2 (one of them invalid), exposures 1, events: E1 and E3 are hers,
    # E2 is another device; her device d1 only matters for logged-out events.
    assert erased == {"identities": 1, "consents": 2, "events": 2, "exposures": 1}
    assert report.tables["transactions"].anonymized == 2 and report.tables["transactions"].erased == 0
    assert report.tables["transactions"].reasons == {"type:qty": 1}
    tx = pd.read_parquet(home["validated"] / "transactions.parquet")
    assert len(tx) == 3 and tx["customer_ref"].isna().sum() == 2  # her sale stays, as a guest line
    assert report.totals["read"] == report.totals["accepted"] + report.totals["quarantined"] + 6
    assert IngestReport.load(home["validated"] / "_ingest_report.json").to_dict() == report.to_dict()


def test_logged_out_events_of_an_erased_device_are_dropped(home: dict[str, Path]) -> None:
    tables = as_strings()
    tables["events"].loc[1, "device_id"] = "d1"  # a logged-out view on her own device
    write_raw(home["raw"], tables)
    report = ingest(home["raw"], home["validated"], home["quarantine"], ERASED)
    assert report.tables["events"].erased == 3
    assert not (home["validated"] / "events.parquet").exists() or pd.read_parquet(
        home["validated"] / "events.parquet").empty


def test_no_ledger_changes_nothing(home: dict[str, Path]) -> None:
    write_raw(home["raw"], as_strings())
    plain = ingest(home["raw"], home["validated"], home["quarantine"]).to_dict()
    other = ingest(home["raw"], home["validated"], home["quarantine"], {ref_hash("web:999")}).to_dict()
    assert plain == other and plain["totals"]["erased"] == 0
