"""Hillstrom MineThatData e-mail test (2008) -> identities, exposures, events, transactions.

Mapping (source row i, 0-based, is one customer)
- identities: customer_ref "email:<i>", source_system "email", first_seen = SEND_TS.
- exposures: experiment "hillstrom-2008", unit_id = customer_ref, variant =
  segment ("Mens E-Mail", "Womens E-Mail", "No E-Mail"), ts = SEND_TS, channel "email".
- visit = 1 -> one events row: "view" of the placeholder SKU on the web, at OUTCOME_TS.
- conversion = 1 -> one transactions line: qty 1, unit_price = spend, at OUTCOME_TS,
  so the sum of spend is preserved exactly.
- The data set records neither items nor places: one placeholder product
  (BASKET_SKU, category "unknown", list_price = median spend of conversions) and
  one location ("hillstrom-web", a US web shop at the centre of the contiguous US)
  stand in, so transactions and events satisfy their references.
- The data set has no dates: SEND_TS is a nominal e-mail send time (2008-03-01
  UTC) and outcomes are placed mid-way through the two-week outcome window.
- Pre-period covariates (recency, history_segment, history, mens, womens,
  zip_code, newbie, channel) and the arm and outcomes, one row per unit_id, go to
  the side table raw/side/hillstrom_covariates.parquet (COVARIATES), which the
  experiment analysis joins on unit_id (e.g. for CUPED). The original flat CSV
  stays usable on its own by `omnicast experiment report --data hillstrom.csv`.

Rows that cannot be mapped go to quarantine/hillstrom.parquet with the first
reason: missing:<col>, type:<col> (non-numeric, or a flag that is not 0/1),
range:<col> (negative recency/history/spend), conversion_without_spend,
spend_without_conversion, conversion_without_visit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.adapters.common import SIDE_DIR, blank, first_reason, read_strings, replace_raw

SOURCE = "hillstrom"
COLUMNS = (
    "recency",
    "history_segment",
    "history",
    "mens",
    "womens",
    "zip_code",
    "newbie",
    "channel",
    "segment",
    "visit",
    "conversion",
    "spend",
)
FLAGS = ("mens", "womens", "newbie", "visit", "conversion")
NUMBERS = ("recency", "history", "spend")
EXPERIMENT_ID = "hillstrom-2008"
SEND_TS = pd.Timestamp("2008-03-01T00:00:00Z")
OUTCOME_TS = SEND_TS + pd.Timedelta(days=7)
BASKET_SKU = "hillstrom-basket"
LOCATION_ID = "hillstrom-web"
COVARIATES = f"{SIDE_DIR}/hillstrom_covariates.parquet"


def import_hillstrom(path: Path, raw_dir: Path) -> dict[str, int]:
    """Map the Hillstrom CSV onto the contracts in raw_dir; return rows per table."""
    source = read_strings(path, COLUMNS, "Hillstrom MineThatData")
    values = _parse(source)
    reasons = _reasons(source, values)
    rows = values[reasons.isna()]
    refs = "email:" + rows.index.astype(str).to_series(index=rows.index)
    tables = {
        "locations": _locations(),
        "products": _products(rows),
        "identities": _identities(refs),
        "exposures": _exposures(rows, refs),
        "events": _events(rows, refs),
        "transactions": _transactions(rows, refs),
    }
    side = {"hillstrom_covariates": _covariates(source.loc[rows.index], rows, refs)}
    return replace_raw(raw_dir, tables, SOURCE, source, reasons, side=side)


def _parse(source: pd.DataFrame) -> pd.DataFrame:
    numbers = {c: pd.to_numeric(source[c].str.strip(), errors="coerce") for c in FLAGS + NUMBERS}
    return pd.DataFrame(numbers, index=source.index).assign(
        segment=source["segment"].str.strip()
    )


def _reasons(source: pd.DataFrame, v: pd.DataFrame) -> pd.Series:
    checks: list[tuple[pd.Series, str]] = [(blank(source[c]), f"missing:{c}") for c in COLUMNS]
    checks += [(~v[c].isin([0, 1]), f"type:{c}") for c in FLAGS]
    checks += [(~np.isfinite(v[c]), f"type:{c}") for c in NUMBERS]
    checks += [(v["recency"] != np.floor(v["recency"]), "type:recency")]
    checks += [(v[c] < 0, f"range:{c}") for c in NUMBERS]
    checks += [
        ((v["conversion"] == 1) & (v["spend"] <= 0), "conversion_without_spend"),
        ((v["conversion"] == 0) & (v["spend"] > 0), "spend_without_conversion"),
        ((v["conversion"] == 1) & (v["visit"] == 0), "conversion_without_visit"),
    ]
    return first_reason(checks, source.index)


def _locations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "location_id": [LOCATION_ID],
            "kind": ["dc"],
            "name": ["MineThatData web shop (Hillstrom test)"],
            "lat": [39.83],
            "lon": [-98.58],
            "region": ["US"],
            "pickup_open_hour": pd.array([None], dtype="Int64"),
            "pickup_close_hour": pd.array([None], dtype="Int64"),
            "service_radius_km": [0.0],
        }
    )


def _products(rows: pd.DataFrame) -> pd.DataFrame:
    spend = rows.loc[rows["conversion"] == 1, "spend"]
    return pd.DataFrame(
        {
            "sku": [BASKET_SKU],
            "name": ["Hillstrom basket (items not recorded)"],
            "category": ["unknown"],
            "list_price": [float(spend.median()) if len(spend) else 0.0],
        }
    )


def _identities(refs: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_ref": refs.to_numpy(),
            "source_system": "email",
            "source_customer_id": refs.index.astype(str),
            "first_seen": SEND_TS,
        }
    )


def _exposures(rows: pd.DataFrame, refs: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "experiment_id": EXPERIMENT_ID,
            "unit_id": refs.to_numpy(),
            "variant": rows["segment"].to_numpy(),
            "ts": SEND_TS,
            "channel": "email",
        }
    )


def _events(rows: pd.DataFrame, refs: pd.Series) -> pd.DataFrame:
    visited = rows["visit"] == 1
    return pd.DataFrame(
        {
            "event_id": ("hillstrom:visit:" + rows.index[visited].astype(str)),
            "ts": OUTCOME_TS,
            "customer_ref": refs[visited].to_numpy(),
            "channel": "web",
            "type": "view",
            "sku": BASKET_SKU,
            "source": "email",
        }
    )


def _transactions(rows: pd.DataFrame, refs: pd.Series) -> pd.DataFrame:
    bought = rows["conversion"] == 1
    return pd.DataFrame(
        {
            "order_id": ("hillstrom:" + rows.index[bought].astype(str)),
            "line": 1,
            "customer_ref": refs[bought].to_numpy(),
            "channel": "web",
            "location_id": LOCATION_ID,
            "sku": BASKET_SKU,
            "qty": 1,
            "unit_price": rows.loc[bought, "spend"].astype("float64").to_numpy(),
            "discount": 0.0,
            "ts": OUTCOME_TS,
            "fulfilment": "ship",
            "returned": False,
        }
    )


def _covariates(source: pd.DataFrame, rows: pd.DataFrame, refs: pd.Series) -> pd.DataFrame:
    """One typed row per unit: pre-period covariates, the arm and the outcomes."""
    out = pd.DataFrame({"unit_id": refs.to_numpy()})
    for col in ("history_segment", "zip_code", "channel"):
        out[col] = source[col].str.strip().to_numpy()
    for col in ("recency", "mens", "womens", "newbie", "visit", "conversion"):
        out[col] = rows[col].astype("int64").to_numpy()
    for col in ("history", "spend"):
        out[col] = rows[col].astype("float64").to_numpy()
    out["segment"] = rows["segment"].to_numpy()
    return out
