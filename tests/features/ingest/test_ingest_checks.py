"""Known answers: each kind of bad row lands in quarantine with its reason, clean rows do not."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from raw_retail import as_strings, clean_tables, quarantined, run_ingest, write_raw

from features.ingest import ingest


@pytest.mark.parametrize(
    ("table", "column", "value", "reason"),
    [
        ("transactions", "order_id", None, "missing:order_id"),
        ("transactions", "order_id", "   ", "missing:order_id"),
        ("transactions", "ts", "31/02/2024 10:00", "type:ts"),
        ("transactions", "qty", "1.5", "type:qty"),
        ("transactions", "qty", "two", "type:qty"),
        ("transactions", "unit_price", "nan", "type:unit_price"),
        ("transactions", "returned", "maybe", "type:returned"),
        ("transactions", "channel", "fax", "not_allowed:channel"),
        ("transactions", "line", "0", "range:line"),
        ("transactions", "discount", "-1", "range:discount"),
        ("transactions", "sku", "NOPE", "unknown_reference:sku->products"),
        ("transactions", "location_id", "S9", "unknown_reference:location_id->locations"),
        ("transactions", "customer_ref", "web:404", "unknown_reference:customer_ref->identities"),
        ("identities", "email_sha256", "not-a-hash", "pattern:email_sha256"),
        ("identities", "source_system", "fax", "not_allowed:source_system"),
        ("locations", "lat", "91", "range:lat"),
        ("locations", "pickup_open_hour", "25", "range:pickup_open_hour"),
        ("prices", "date", "2024-02-30", "type:date"),
        ("inventory", "on_hand", "-1", "range:on_hand"),
        ("events", "type", "teleport", "not_allowed:type"),
    ],
)
def test_each_check_names_its_reason(home, table, column, value, reason) -> None:
    tables = as_strings()
    tables[table].loc[0, column] = value
    report = run_ingest(home, tables)
    bad = quarantined(home, table)
    assert list(bad["_row"]) == [0]
    assert list(bad["_reason"]) == [reason]
    assert report.tables[table].reasons == {reason: 1}


@pytest.mark.parametrize(
    ("table", "changes", "reason"),
    [
        ("transactions", {"qty": "-2", "returned": "false"}, "rule:qty_sign_matches_returned"),
        ("transactions", {"qty": "3", "returned": "true"}, "rule:qty_sign_matches_returned"),
        ("transactions", {"qty": "0"}, "rule:qty_sign_matches_returned"),
        ("identities", {"customer_ref": "web:2"}, "rule:customer_ref_matches_source"),
        ("events", {"customer_ref": None, "device_id": None}, "rule:has_customer_or_device"),
        ("events", {"sku": None}, "rule:sku_or_query"),
        ("offers", {"end": "2023-12-31T00:00:00Z"}, "rule:start_before_end"),
    ],
)
def test_contract_rules(home, table, changes, reason) -> None:
    tables = as_strings()
    for column, value in changes.items():
        tables[table].loc[0, column] = value
    run_ingest(home, tables)
    assert list(quarantined(home, table)["_reason"]) == [reason]


def test_first_failing_check_wins(home) -> None:
    tables = as_strings()
    tables["transactions"].loc[0, ["order_id", "ts", "channel"]] = [None, "garbage", "fax"]
    run_ingest(home, tables)
    assert list(quarantined(home, "transactions")["_reason"]) == ["missing:order_id"]


def test_duplicate_keys_keep_the_first_clean_occurrence(home) -> None:
    tables = as_strings()
    tx = tables["transactions"]
    first_bad = tx.iloc[[0]].assign(channel="fax")  # same key, but fails a check
    tables["transactions"] = pd.concat([first_bad, tx, tx.iloc[[0, 0]]], ignore_index=True)
    report = run_ingest(home, tables)
    bad = quarantined(home, "transactions")
    assert dict(zip(bad["_row"], bad["_reason"])) == {
        0: "not_allowed:channel",
        5: "duplicate_key",
        6: "duplicate_key",
    }
    assert report.tables["transactions"].accepted == 4


def test_references_use_accepted_rows_only(home) -> None:
    tables = as_strings()
    tables["products"].loc[0, "list_price"] = "-1"  # P1 is quarantined ...
    run_ingest(home, tables)
    reasons = quarantined(home, "transactions").set_index("_row")["_reason"].to_dict()
    # ... so every transaction line selling P1 is an unknown reference.
    assert reasons == {0: "unknown_reference:sku->products", 3: "unknown_reference:sku->products"}


def test_absent_optional_table_is_reported_and_references_to_it_fail(home) -> None:
    tables = as_strings()
    del tables["identities"], tables["consents"]
    report = run_ingest(home, tables)
    assert report.tables["identities"].status == "absent"
    assert report.tables["identities"].read == 0
    reasons = set(quarantined(home, "transactions")["_reason"])
    assert reasons == {"unknown_reference:customer_ref->identities"}
    accepted = pd.read_parquet(home["validated"] / "transactions.parquet")
    assert accepted["customer_ref"].isna().all()  # only the guest line is left


def test_blank_in_a_nullable_column_becomes_null(home) -> None:
    tables = as_strings()
    tables["products"].loc[1, "brand"] = "  "
    run_ingest(home, tables)
    assert pd.read_parquet(home["validated"] / "products.parquet")["brand"].isna().sum() == 1


def test_clean_retailer_is_fully_accepted_and_typed(home) -> None:
    report = run_ingest(home, as_strings())
    assert report.totals["quarantined"] == 0
    schema = pq.read_schema(home["validated"] / "transactions.parquet")
    assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("returned").type) == "bool"
    assert str(schema.field("qty").type) == "int64"
    assert str(pq.read_schema(home["validated"] / "prices.parquet").field("date").type) == "date32[day]"
    tx = pd.read_parquet(home["validated"] / "transactions.parquet")
    assert tx["ts"].iloc[0] == pd.Timestamp("2024-01-05T10:00:00Z")
    saved = json.loads((home["validated"] / "_ingest_report.json").read_text())
    assert saved == report.to_dict()


def test_offsets_are_converted_to_utc(home) -> None:
    tables = as_strings()
    tables["transactions"].loc[0, "ts"] = "2024-01-05T12:00:00+02:00"
    tables["transactions"].loc[1, "ts"] = "2024-01-05 10:00:00"  # no offset: UTC
    run_ingest(home, tables)
    ts = pd.read_parquet(home["validated"] / "transactions.parquet")["ts"]
    assert list(ts.iloc[:2]) == [pd.Timestamp("2024-01-05T10:00:00Z")] * 2


def test_native_nan_in_a_float_column_is_a_type_error(home) -> None:
    tables = clean_tables()
    write_raw(home["raw"], tables)
    products = pa.Table.from_pandas(tables["products"], preserve_index=False)
    prices = pa.array([float("nan"), 30.0, float("inf")], pa.float64(), from_pandas=False)
    pq.write_table(products.set_column(4, "list_price", prices), home["raw"] / "products.parquet")
    report = ingest(home["raw"], home["validated"], home["quarantine"])
    assert report.tables["products"].reasons == {"type:list_price": 2}
