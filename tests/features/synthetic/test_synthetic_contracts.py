"""Clean output satisfies every source contract: columns, types, values, keys, references, rules."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from features.contracts import CONTRACTS, SCHEMA_VERSION
from features.synthetic.writer import ARROW_TYPES

TABLES = list(CONTRACTS)


def test_manifest(clean) -> None:
    m = json.loads((clean.raw / "manifest.json").read_text())
    assert m["schema_version"] == SCHEMA_VERSION and m["seed"] == 7
    assert m["config"]["customers"] == clean.config.customers
    assert m["faults"] == {}
    for name in TABLES:
        assert m["row_counts"][name] == pq.read_metadata(clean.raw / f"{name}.parquet").num_rows > 0
    assert all((clean.raw / t).exists() for t in m["truth"])


@pytest.mark.parametrize("name", TABLES)
def test_columns_and_types(clean, name: str) -> None:
    schema = pq.read_schema(clean.raw / f"{name}.parquet")
    contract = CONTRACTS[name]
    assert schema.names == contract.column_names
    for col in contract.columns:
        assert schema.field(col.name).type == ARROW_TYPES[col.kind], col.name


@pytest.mark.parametrize("name", TABLES)
def test_values_keys_and_rules(clean, name: str) -> None:
    _check_contract(clean, name)


@pytest.mark.parametrize("overrides", [
    dict(stores=1, skus=10, customers=20, days=90, pickup_points=0, experiment_days=7, experiment_end_offset=0),
    dict(stores=2, skus=12, customers=60, days=100, dcs=3, online_share=0.0, bopis_share=0.0, return_rate=0.0,
         promo_rate=0.0, new_sku_share=0.0, discontinued_share=0.0, store_guest_share=1.0),
])
def test_edge_configs_still_meet_the_contracts(retailer, overrides: dict) -> None:
    gen = retailer(**overrides)
    for name in TABLES:
        _check_contract(gen, name)


def _check_contract(clean, name: str) -> None:
    contract = CONTRACTS[name]
    key = ", ".join(f'"{k}"' for k in contract.key)
    assert clean.value(f"SELECT count(*) - count(DISTINCT ({key})) FROM {name}") == 0
    for col in contract.columns:
        c = f'"{col.name}"'
        checks = []
        if not col.nullable:
            checks.append(f"{c} IS NULL")
        if col.allowed:
            checks.append(f"{c} NOT IN ({', '.join(repr(a) for a in col.allowed)})")
        if col.min is not None:
            checks.append(f"{c} < {col.min}")
        if col.max is not None:
            checks.append(f"{c} > {col.max}")
        if col.pattern:
            checks.append(f"NOT regexp_full_match({c}, '{col.pattern}')")
        if col.kind == "timestamp":
            checks.append(f"NOT regexp_full_match({c}, '\\d{{4}}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ')")
            checks.append(f"try_cast({c} AS TIMESTAMP) IS NULL")
        if col.kind == "date":
            checks.append(f"try_cast({c} AS DATE) IS NULL")
        if col.references:
            table, other = col.references
            checks.append(f"{c} NOT IN (SELECT {other} FROM {table})")
        for check in checks:
            bad = clean.value(f"SELECT count(*) FROM {name} WHERE {c} IS NOT NULL AND ({check})"
                              if "IS NULL" not in check or "try_cast" in check else
                              f"SELECT count(*) FROM {name} WHERE {check}")
            assert bad == 0, f"{name}.{col.name}: {check}"
    for rule, expr in contract.rules:
        assert clean.value(f"SELECT count(*) FROM {name} WHERE NOT coalesce({expr}, false)") == 0, rule


def test_every_kind_of_location_and_channel_is_present(clean) -> None:
    kinds = {r[0] for r in clean.rows("SELECT DISTINCT kind FROM locations")}
    assert kinds == {"store", "dc", "pickup_point"}
    fulfil = {r[0] for r in clean.rows("SELECT DISTINCT fulfilment FROM transactions")}
    assert fulfil == {"ship", "bopis", "curbside", "in_store"}
    channels = {r[0] for r in clean.rows("SELECT DISTINCT channel FROM transactions")}
    assert channels == {"store", "web", "app", "marketplace"}
    types = {r[0] for r in clean.rows("SELECT DISTINCT type FROM events")}
    assert types == {"view", "search", "add_to_cart", "remove_from_cart", "wishlist", "checkout_start", "purchase"}
    assert clean.value("SELECT count(DISTINCT kind) FROM offers") == 5


def test_products_have_valid_gtins_and_json_attributes(clean) -> None:
    rows = pq.read_table(clean.raw / "products.parquet", columns=["gtin", "attributes", "list_price", "unit_cost"])
    for gtin in rows["gtin"].to_pylist():
        digits = [int(d) for d in gtin]
        assert len(digits) == 13 and sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10 == 0
    assert all(isinstance(json.loads(a), dict) for a in rows["attributes"].to_pylist())
    price = rows["list_price"].to_numpy()
    cost = rows["unit_cost"].to_numpy(zero_copy_only=False)
    ok = ~pa.compute.is_null(rows["unit_cost"]).to_numpy(zero_copy_only=False)
    assert (cost[ok] < price[ok]).all()


def test_money_is_in_cents(clean) -> None:
    for table, col in (("prices", "price"), ("transactions", "unit_price"), ("transactions", "discount"),
                       ("products", "list_price"), ("products", "unit_cost"), ("offers", "cost"),
                       ("offers", "value")):
        assert clean.value(f"SELECT count(*) FROM {table} WHERE {col} <> round({col}, 2)") == 0, f"{table}.{col}"
