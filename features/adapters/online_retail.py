"""UCI Online Retail (Chen, Sain and Guo 2012) -> locations, products, identities, transactions.

Mapping (one source line -> at most one transaction line)
- InvoiceNo -> order_id (kept as is, so a cancellation "C536379" is its own order);
  `line` numbers the mapped lines of an invoice 1.. in file order.
- A cancellation (InvoiceNo starting with "C") -> a return line: returned = true,
  qty = Quantity (negative). A "C" line with a positive quantity is mapped as it
  is and then quarantined by ingest's qty_sign_matches_returned rule.
- CustomerID -> customer_ref "web:<id>" (a trailing ".0" from spreadsheet exports
  is dropped) and one identities row (source_system "web", first_seen = the
  customer's first mapped line); empty CustomerID -> guest (customer_ref null).
- StockCode (upper-cased, so "85123a" and "85123A" are one SKU) -> products: one
  row per SKU; name = most frequent non-blank Description (ties: alphabetical
  first; none: "StockCode <sku>"); category from the name
  (features.adapters.categories); list_price = median UnitPrice of the SKU's sale
  lines (of all its lines if it was only ever returned).
- Country -> region of one location per country: location_id "web-<country
  slug>", kind "dc", name "Online shop, <Country> orders". The data set says
  nothing about sites, and everything ships from the retailer's UK base, so every
  location carries London's coordinates (51.5074, -0.1278), no pickup hours and
  service radius 0 (no pickup).
- channel "web", fulfilment "ship", discount 0; UnitPrice -> unit_price.
- InvoiceDate: "2011-10-30 16:17:00" (ISO, as in the sample) or "12/1/2010 8:26"
  (the original CSV export), UK local time (Europe/London) converted to UTC; a
  time that does not exist or is ambiguous at a clock change is type:InvoiceDate.

Lines that are not sales of merchandise are NOT mapped; they go to
quarantine/online_retail.parquet with the first applicable reason:
missing:<col>, type:<col>, bad_debt_adjustment (InvoiceNo "A..."),
non_merchandise (postage, carriage, manual, discount, samples, fees, bank
charges, commission, tests), zero_quantity, stock_adjustment (negative quantity
outside a cancellation: damages, losses, corrections), no_price (UnitPrice <= 0:
stock corrections and free items, not sales). Source lines = mapped + rejected.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from features.adapters.categories import categorize
from features.adapters.common import blank, first_reason, read_strings, replace_raw

SOURCE = "online_retail"
COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
NON_MERCHANDISE = frozenset(
    {
        "POST", "DOT", "C2", "M", "D", "S", "B", "CRUK", "AMAZONFEE", "BANK CHARGES",
        "ADJUST", "ADJUST2", "TEST001", "TEST002",
    }
)  # fmt: skip
SHOP_LAT, SHOP_LON = 51.5074, -0.1278
SOURCE_TZ = "Europe/London"


def import_online_retail(path: Path, raw_dir: Path) -> dict[str, int]:
    """Map a UCI Online Retail CSV/XLSX onto the contracts in raw_dir; return rows per table."""
    source = read_strings(path, COLUMNS, "UCI Online Retail")
    parsed = _parse(source)
    reasons = _reasons(source, parsed)
    lines = parsed[reasons.isna()]
    tables = {
        "locations": _locations(lines),
        "products": _products(lines),
        "identities": _identities(lines),
        "transactions": _transactions(lines),
    }
    return replace_raw(raw_dir, tables, SOURCE, source, reasons)


def _parse(source: pd.DataFrame) -> pd.DataFrame:
    """Typed values (NaN/NaT where a value does not parse), same index as the source."""
    qty = pd.to_numeric(source["Quantity"].str.strip(), errors="coerce")
    customer = source["CustomerID"].str.strip().str.extract(r"^(\d+)(?:\.0+)?$")[0]
    return pd.DataFrame(
        {
            "order_id": source["InvoiceNo"].str.strip(),
            "sku": source["StockCode"].str.strip().str.upper(),
            "description": source["Description"].str.strip(),
            "qty": qty.where(np.isfinite(qty) & (qty == np.floor(qty))),
            "ts": parse_invoice_dates(source["InvoiceDate"]),
            "unit_price": pd.to_numeric(source["UnitPrice"].str.strip(), errors="coerce"),
            "customer": customer,
            "country": source["Country"].str.strip(),
        },
        index=source.index,
    )


def parse_invoice_dates(values: pd.Series) -> pd.Series:
    """ISO or US "m/d/yyyy H:MM" UK local times -> UTC timestamps; NaT where neither parses."""
    text = values.str.strip()
    local = pd.to_datetime(text, format="ISO8601", errors="coerce")
    us = pd.to_datetime(text, format="%m/%d/%Y %H:%M", errors="coerce")
    local = local.fillna(us)
    return local.dt.tz_localize(SOURCE_TZ, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


def _reasons(source: pd.DataFrame, p: pd.DataFrame) -> pd.Series:
    checks: list[tuple[pd.Series, str]] = [
        (blank(source[c]), f"missing:{c}")
        for c in ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "Country")
    ]
    checks += [
        (p["qty"].isna(), "type:Quantity"),
        (p["ts"].isna(), "type:InvoiceDate"),
        (~np.isfinite(p["unit_price"]), "type:UnitPrice"),
        (~blank(source["CustomerID"]) & p["customer"].isna(), "type:CustomerID"),
        (p["order_id"].str.upper().str.startswith("A"), "bad_debt_adjustment"),
        (p["sku"].isin(NON_MERCHANDISE), "non_merchandise"),
        (p["qty"] == 0, "zero_quantity"),
        ((p["qty"] < 0) & ~_is_cancellation(p), "stock_adjustment"),
        (p["unit_price"] <= 0, "no_price"),
    ]
    return first_reason(checks, source.index)


def _is_cancellation(p: pd.DataFrame) -> pd.Series:
    return p["order_id"].str.upper().str.startswith("C")


def _location_ids(countries: pd.Series) -> pd.Series:
    """"web-<country slug>", computed once per distinct country (a few dozen)."""
    slugs = {c: "web-" + re.sub(r"[^a-z0-9]+", "-", c.lower()).strip("-") for c in countries.unique()}
    return countries.map(slugs)


def _locations(lines: pd.DataFrame) -> pd.DataFrame:
    countries = pd.Series(sorted(lines["country"].unique()), dtype=object)
    return pd.DataFrame(
        {
            "location_id": _location_ids(countries),
            "kind": "dc",
            "name": "Online shop, " + countries + " orders",
            "lat": SHOP_LAT,
            "lon": SHOP_LON,
            "region": countries,
            "pickup_open_hour": pd.array([None] * len(countries), dtype="Int64"),
            "pickup_close_hour": pd.array([None] * len(countries), dtype="Int64"),
            "service_radius_km": 0.0,
        }
    )


def _products(lines: pd.DataFrame) -> pd.DataFrame:
    skus = pd.Index(sorted(lines["sku"].unique()), name="sku")
    described = lines[lines["description"] != ""]
    counts = described.groupby(["sku", "description"]).size().rename("n").reset_index()
    counts = counts.sort_values(["sku", "n", "description"], ascending=[True, False, True])
    names = counts.drop_duplicates("sku").set_index("sku")["description"].reindex(skus)
    names = names.fillna("StockCode " + skus.to_series())
    sales = lines[~_is_cancellation(lines)]
    price = sales.groupby("sku")["unit_price"].median().reindex(skus)
    price = price.fillna(lines.groupby("sku")["unit_price"].median().reindex(skus))
    return pd.DataFrame(
        {
            "sku": skus,
            "name": names.to_numpy(),
            "category": categorize(names).to_numpy(),
            "list_price": price.to_numpy(),
        }
    )


def _identities(lines: pd.DataFrame) -> pd.DataFrame:
    known = lines[lines["customer"].notna()]
    first = known.groupby("customer")["ts"].min().sort_index()
    ids = first.index.to_series()
    return pd.DataFrame(
        {
            "customer_ref": ("web:" + ids).to_numpy(),
            "source_system": "web",
            "source_customer_id": ids.to_numpy(),
            "first_seen": first.to_numpy(),
        }
    )


def _transactions(lines: pd.DataFrame) -> pd.DataFrame:
    customer_ref = ("web:" + lines["customer"]).where(lines["customer"].notna(), None)
    return pd.DataFrame(
        {
            "order_id": lines["order_id"],
            "line": lines.groupby("order_id").cumcount().astype("int64") + 1,
            "customer_ref": customer_ref,
            "channel": "web",
            "location_id": _location_ids(lines["country"]),
            "sku": lines["sku"],
            "qty": lines["qty"].astype("int64"),
            "unit_price": lines["unit_price"].astype("float64"),
            "discount": 0.0,
            "ts": lines["ts"],
            "fulfilment": "ship",
            "returned": _is_cancellation(lines),
        }
    )
