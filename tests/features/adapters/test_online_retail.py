"""UCI Online Retail -> contract tables, on lines cut from the real sample (known answers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.adapters import AdapterError, import_online_retail
from features.adapters.online_retail import NON_MERCHANDISE, parse_invoice_dates
from features.ingest import ingest

ADAPTER_REASONS = {"non_merchandise", "stock_adjustment", "no_price", "bad_debt_adjustment",
                   "zero_quantity"}  # fmt: skip


def source(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def imported(home, online_retail_cut) -> tuple[dict, dict, pd.DataFrame]:
    counts = import_online_retail(online_retail_cut, home["raw"])
    report = ingest(home["raw"], home["validated"], home["quarantine"]).to_dict()
    return counts, report, source(online_retail_cut)


def validated(home: dict[str, Path], table: str) -> pd.DataFrame:
    return pd.read_parquet(home["validated"] / f"{table}.parquet")


def test_every_source_line_is_mapped_or_rejected_with_a_reason(home, imported) -> None:
    counts, report, src = imported
    rejected = pd.read_parquet(home["quarantine"] / "online_retail.parquet")
    assert counts["transactions"] + counts["rejected"] == len(src) == 360
    assert report["adapters"]["online_retail"]["read"] == len(src)
    assert set(rejected["_reason"]) <= ADAPTER_REASONS
    # the adapter's output is valid: ingest quarantines nothing
    assert report["totals"]["quarantined"] == 0
    assert report["tables"]["transactions"]["accepted"] == counts["transactions"]
    # rejected lines are kept as they were in the source
    pd.testing.assert_frame_equal(
        rejected.drop(columns=["_row", "_reason"]).reset_index(drop=True),
        src.loc[rejected["_row"]].reset_index(drop=True),
    )


def test_known_rejections(home, imported) -> None:
    _, _, src = imported
    rejected = pd.read_parquet(home["quarantine"] / "online_retail.parquet").set_index("_row")["_reason"]
    qty, price = src["Quantity"].astype(int), src["UnitPrice"].astype(float)
    codes = src["StockCode"].str.upper()
    assert (rejected[codes[codes.isin(NON_MERCHANDISE)].index] == "non_merchandise").all()
    adjustments = src.index[(qty < 0) & ~src["InvoiceNo"].str.startswith("C") & ~codes.isin(NON_MERCHANDISE)]
    assert len(adjustments) > 0 and (rejected[adjustments] == "stock_adjustment").all()
    free = src.index[(qty > 0) & (price <= 0) & ~codes.isin(NON_MERCHANDISE)]
    assert len(free) > 0 and (rejected[free] == "no_price").all()


def test_cancellations_become_return_lines(home, imported) -> None:
    _, _, src = imported
    tx = validated(home, "transactions")
    returns = tx[tx["order_id"].str.startswith("C")]
    expected = src[src["InvoiceNo"].str.startswith("C") & ~src["StockCode"].str.upper().isin(NON_MERCHANDISE)]
    assert len(returns) == len(expected) > 20
    assert returns["returned"].all() and (returns["qty"] < 0).all()
    assert not tx.loc[~tx["order_id"].str.startswith("C"), "returned"].any()
    assert sorted(returns["qty"]) == sorted(expected["Quantity"].astype(int))


def test_guests_and_customers(home, imported) -> None:
    _, _, src = imported
    tx = validated(home, "transactions")
    mapped = src.loc[_mapped_rows(home, src)]
    assert tx["customer_ref"].isna().sum() == (mapped["CustomerID"] == "").sum() > 0
    ids = validated(home, "identities")
    assert set(ids["customer_ref"]) == {"web:" + c for c in mapped["CustomerID"] if c}
    assert (ids["source_system"] == "web").all()
    first = tx.dropna(subset=["customer_ref"]).groupby("customer_ref")["ts"].min()
    assert (ids.set_index("customer_ref")["first_seen"] == first.reindex(ids["customer_ref"])).all()


def test_known_line_maps_field_by_field(home, imported) -> None:
    tx = validated(home, "transactions")
    # 577058,22111,SCOTTIE DOG HOT WATER BOTTLE,1,2011-11-17 14:29:00,4.95,18122,United Kingdom
    line = tx[(tx["order_id"] == "577058") & (tx["sku"] == "22111")].iloc[0]
    assert line["customer_ref"] == "web:18122"
    assert line["qty"] == 1 and line["unit_price"] == 4.95 and not line["returned"]
    assert line["ts"] == pd.Timestamp("2011-11-17T14:29:00Z")  # GMT in November
    assert (line["channel"], line["fulfilment"], line["location_id"]) == ("web", "ship", "web-united-kingdom")
    # a summer (BST) line is one hour ahead of UTC
    summer = tx[(tx["order_id"] == "565847")]
    assert (summer["ts"] == pd.Timestamp("2011-09-07T11:44:00Z")).all()


def test_lines_are_numbered_within_an_invoice_in_file_order(home, imported) -> None:
    _, _, src = imported
    tx = validated(home, "transactions")
    invoice = tx[tx["order_id"] == "569372"]
    assert list(invoice["line"]) == list(range(1, len(invoice) + 1))
    kept = src.loc[_mapped_rows(home, src)]
    assert list(invoice["sku"]) == list(kept.loc[kept["InvoiceNo"] == "569372", "StockCode"].str.upper())
    assert not tx.duplicated(["order_id", "line"]).any()


def test_products_one_per_stock_code(home, imported) -> None:
    _, _, src = imported
    kept = src.loc[_mapped_rows(home, src)].assign(sku=lambda d: d["StockCode"].str.upper())
    products = validated(home, "products").set_index("sku")
    assert set(products.index) == set(kept["sku"])
    assert "72807C" in products.index  # lower-case codes are the same SKU
    sales = kept[~kept["InvoiceNo"].str.startswith("C")]
    median = sales.assign(p=sales["UnitPrice"].astype(float)).groupby("sku")["p"].median()
    assert (products.loc[median.index, "list_price"] == median).all()
    assert products.loc["22111", "name"] == "SCOTTIE DOG HOT WATER BOTTLE"
    assert products.loc["22111", "category"] == "kitchen_dining"
    assert products["category"].notna().all()


def test_sales_value_is_preserved(home, imported) -> None:
    _, _, src = imported
    tx = validated(home, "transactions")
    kept = src.loc[_mapped_rows(home, src)]
    expected = (kept["Quantity"].astype(int) * kept["UnitPrice"].astype(float)).sum()
    assert (tx["qty"] * tx["unit_price"]).sum() == pytest.approx(expected, rel=1e-12)


def test_one_location_per_country(home, imported) -> None:
    _, _, src = imported
    locations = validated(home, "locations")
    kept = src.loc[_mapped_rows(home, src)]
    assert set(locations["region"]) == set(kept["Country"])
    assert "web-united-kingdom" in set(locations["location_id"])


def test_edge_lines(home, tmp_path: Path) -> None:
    """Hand-written lines for cases the sample lacks: US dates, bad debt, odd ids, a bad sign."""
    path = tmp_path / "edge.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123a,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
        "536365,85123A,CREAM HANGING HEART T-LIGHT HOLDER,2,12/1/2010 8:26,2.55,17850.0,United Kingdom\n"
        "A563185,B,Adjust bad debt,1,8/12/2011 14:50,11062.06,,United Kingdom\n"
        "C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,1,12/1/2010 9:49,4.65,15311,United Kingdom\n"
        "536999,22111,SCOTTIE DOG HOT WATER BOTTLE,1,someday,4.95,,France\n"
        "537000,22111,SCOTTIE DOG HOT WATER BOTTLE,1,12/2/2010 9:00,4.95,abc,France\n"
        "537001,22111,SCOTTIE DOG HOT WATER BOTTLE,0,12/2/2010 9:00,4.95,,France\n"
    )
    counts = import_online_retail(path, home["raw"])
    report = ingest(home["raw"], home["validated"], home["quarantine"]).to_dict()
    reasons = pd.read_parquet(home["quarantine"] / "online_retail.parquet").set_index("_row")["_reason"]
    assert reasons.to_dict() == {
        2: "bad_debt_adjustment", 4: "type:InvoiceDate", 5: "type:CustomerID", 6: "zero_quantity"
    }
    assert counts["transactions"] == 3
    # the C line with a positive quantity reaches ingest, whose sign rule quarantines it
    assert report["tables"]["transactions"]["reasons"] == {"rule:qty_sign_matches_returned": 1}
    tx = validated(home, "transactions")
    assert list(tx["customer_ref"]) == ["web:17850", "web:17850"]
    assert list(tx["line"]) == [1, 2] and set(tx["sku"]) == {"85123A"}
    assert tx["ts"].iloc[0] == pd.Timestamp("2010-12-01T08:26:00Z")
    products = validated(home, "products")
    assert len(products[products["sku"] == "85123A"]) == 1
    # tie between the two descriptions: alphabetical first
    assert products.loc[products["sku"] == "85123A", "name"].item() == "CREAM HANGING HEART T-LIGHT HOLDER"


def test_parse_invoice_dates_both_formats_and_dst() -> None:
    got = parse_invoice_dates(pd.Series(["12/1/2010 8:26", "2011-06-01 10:00:00", "6/1/2011 10:00", "x"]))
    assert list(got[:3]) == [
        pd.Timestamp("2010-12-01T08:26:00Z"),
        pd.Timestamp("2011-06-01T09:00:00Z"),
        pd.Timestamp("2011-06-01T09:00:00Z"),
    ]
    assert pd.isna(got[3])


def test_xlsx_export_is_read(home, online_retail_cut, tmp_path: Path) -> None:
    xlsx = tmp_path / "Online Retail.xlsx"
    source(online_retail_cut).head(40).to_excel(xlsx, index=False)
    counts = import_online_retail(xlsx, home["raw"])
    assert counts["transactions"] + counts["rejected"] == 40


def test_import_replaces_the_previous_retailer(home, online_retail_cut) -> None:
    home["raw"].mkdir(parents=True)
    pd.DataFrame({"event_id": ["e"]}).to_parquet(home["raw"] / "events.parquet")
    import_online_retail(online_retail_cut, home["raw"])
    assert not (home["raw"] / "events.parquet").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("a,b\n1,2\n", "missing columns")],
)
def test_unusable_files_are_clear_errors(home, tmp_path: Path, content, message) -> None:
    path = tmp_path / "retail.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AdapterError, match=message):
        import_online_retail(path, home["raw"])
    assert not home["raw"].exists()


def _mapped_rows(home: dict[str, Path], src: pd.DataFrame) -> pd.Index:
    rejected = pd.read_parquet(home["quarantine"] / "online_retail.parquet")["_row"]
    return src.index.difference(rejected)
