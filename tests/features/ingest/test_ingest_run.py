"""The run as a whole: accounting, CSV input, errors that change nothing, idempotency, summary."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from raw_retail import as_strings, clean_tables, data_home, run_ingest, write_raw

from features.contracts import INGEST_ORDER
from features.ingest import IngestError, ingest, summarize


def test_csv_and_parquet_give_the_same_validated_tables(tmp_path: Path) -> None:
    homes = {}
    for fmt in ("csv", "parquet"):
        homes[fmt] = data_home(tmp_path / fmt)
        tables = as_strings()
        tables["transactions"].loc[1, "ts"] = "never"
        report = run_ingest(homes[fmt], tables, fmt)
        assert report.tables["transactions"].reasons == {"type:ts": 1}
    for table in INGEST_ORDER:
        csv = pd.read_parquet(homes["csv"]["validated"] / f"{table}.parquet")
        pq = pd.read_parquet(homes["parquet"]["validated"] / f"{table}.parquet")
        pd.testing.assert_frame_equal(csv, pq, check_dtype=True)


def test_native_parquet_types_are_accepted(home) -> None:
    tables = clean_tables()
    tx = tables["transactions"]
    tx["ts"] = pd.to_datetime(tx["ts"], utc=True)  # native timestamps instead of strings
    report = run_ingest(home, tables)
    assert report.totals["quarantined"] == 0
    assert report.totals["read"] == sum(len(t) for t in tables.values())


def test_rerun_is_idempotent(home) -> None:
    tables = as_strings()
    tables["transactions"].loc[0, "channel"] = "fax"
    run_ingest(home, tables)
    first = _fingerprint(home)
    ingest(home["raw"], home["validated"], home["quarantine"])
    assert _fingerprint(home) == first
    assert not [p for p in home["validated"].parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("missing_required", "required table 'products' is missing"),
        ("missing_column", "missing contract columns ['qty']"),
        ("extra_column", "unexpected columns ['colour']"),
        ("unreadable", "cannot read the file"),
        ("ragged_csv", "offers.csv: cannot read the file"),
        ("no_raw_dir", "does not exist"),
    ],
)
def test_file_errors_are_clear_and_change_nothing(home, breakage: str, message: str) -> None:
    run_ingest(home, as_strings())
    before = _fingerprint(home)
    raw = home["raw"]
    if breakage == "missing_required":
        (raw / "products.parquet").unlink()
    elif breakage == "missing_column":
        pd.read_parquet(raw / "transactions.parquet").drop(columns="qty").to_parquet(raw / "transactions.parquet")
    elif breakage == "extra_column":
        pd.read_parquet(raw / "events.parquet").assign(colour="red").to_parquet(raw / "events.parquet")
    elif breakage == "unreadable":
        (raw / "inventory.parquet").write_bytes(b"PAR1 this is not parquet")
    elif breakage == "ragged_csv":
        (raw / "offers.parquet").unlink()
        header = ",".join(as_strings()["offers"].columns)
        (raw / "offers.csv").write_text(f"{header}\nO1,discount,sku\n")
    else:
        raw = raw.parent / "nowhere"
    with pytest.raises(IngestError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ingest(raw, home["validated"], home["quarantine"])
    assert _fingerprint(home) == before


def test_a_table_given_twice_is_an_error(home) -> None:
    write_raw(home["raw"], as_strings())
    write_raw(home["raw"], {"offers": as_strings()["offers"]}, "csv")
    with pytest.raises(IngestError, match="both offers.parquet and offers.csv"):
        ingest(home["raw"], home["validated"], home["quarantine"])


def test_adapter_rejects_are_carried_into_quarantine(home) -> None:
    from features.ingest.rejects import write_rejects

    write_raw(home["raw"], as_strings())
    rejects = pd.DataFrame({"Line": ["x", "y"], "_row": [3, 8], "_reason": ["no_price", "no_price"]})
    write_rejects(home["raw"], "shop_export", rejects, read=10)
    report = ingest(home["raw"], home["validated"], home["quarantine"])
    assert report.to_dict()["adapters"]["shop_export"]["accepted"] == 8
    assert list(pd.read_parquet(home["quarantine"] / "shop_export.parquet")["_row"]) == [3, 8]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_summary_counts_every_area_and_the_last_report(home, fmt: str) -> None:
    tables = as_strings()
    del tables["exposures"]
    tables["events"].loc[2, "sku"] = "NOPE"
    report = run_ingest(home, tables, fmt)
    result = summarize(home["raw"], home["validated"], home["quarantine"])
    assert result["tables"]["events"] == {"raw": 3, "validated": 2, "quarantine": 1}
    assert result["tables"]["exposures"] == {"raw": None, "validated": None, "quarantine": None}
    assert result["last_ingest"] == report.to_dict()


def test_summary_of_an_empty_home(tmp_path: Path) -> None:
    result = summarize(tmp_path / "raw", tmp_path / "v", tmp_path / "q")
    assert result["last_ingest"] is None
    assert all(v == {"raw": None, "validated": None, "quarantine": None} for v in result["tables"].values())


def test_summary_names_an_unreadable_raw_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "locations.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(IngestError, match=r"locations\.parquet: cannot read the file"):
        summarize(raw, tmp_path / "v", tmp_path / "q")


def _fingerprint(home: dict[str, Path]) -> dict[str, str]:
    """Content hash of every output file (validated + quarantine)."""
    out = {}
    for area in ("validated", "quarantine"):
        for path in sorted(home[area].glob("*")):
            out[f"{area}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    out["report"] = json.dumps(json.loads((home["validated"] / "_ingest_report.json").read_text()))
    return out


def test_accepted_rows_keep_raw_order_across_many_row_groups(home) -> None:
    """DuckDB scans row groups in parallel; the validated file must still follow raw order."""
    n = 200_000
    base = clean_tables()
    tx = pd.DataFrame(
        {
            "order_id": [f"O{i:07d}" for i in range(n)],
            "line": 1,
            "customer_ref": None,
            "channel": "web",
            "location_id": "DC1",
            "sku": "P1",
            "qty": 1,
            "unit_price": 4.5,
            "discount": 0.0,
            "ts": "2024-01-05T10:00:00Z",
            "fulfilment": "ship",
            "returned": False,
        }
    )
    tx.loc[::997, "channel"] = "fax"
    tx.loc[5::1499, "sku"] = "NOPE"  # quarantined by the reference UPDATE
    tx.loc[7::2003, "order_id"] = "O0000001"  # duplicates of row 1, by the duplicate UPDATE
    bad = set(range(0, n, 997)) | set(range(5, n, 1499)) | set(range(7, n, 2003))
    base["transactions"] = tx
    write_raw(home["raw"], {k: v for k, v in base.items() if k != "transactions"})
    tx.to_parquet(home["raw"] / "transactions.parquet", index=False, row_group_size=5_000)
    ingest(home["raw"], home["validated"], home["quarantine"])
    got = pd.read_parquet(home["validated"] / "transactions.parquet", columns=["order_id"])["order_id"]
    assert list(got) == list(tx.loc[~tx.index.isin(bad), "order_id"])
    assert list(pd.read_parquet(home["quarantine"] / "transactions.parquet")["_row"]) == sorted(bad)
