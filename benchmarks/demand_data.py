"""Real public panel for the demand benchmark: weekly units per product, UCI Online Retail.

Built from the 40,000-line sample of the UCI Online Retail data set (2010-12 to
2011-12): sales lines only (cancellations and negative quantities left out),
summed per StockCode and week (weeks start on Monday), the last partial week
dropped, products with at least 10 selling weeks kept. Missing weeks are weeks
without a sale (the forecaster zero-fills them). The derived panel is committed
as tests/fixtures/online_retail_weekly.parquet so that nothing depends on
../shared; rerun this module to rebuild it from the CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "tests" / "fixtures" / "online_retail_weekly.parquet"
CSV = ROOT.parent / "shared" / "data" / "online_retail_sample.csv"
MIN_SELLING_WEEKS = 10


def build_weekly_panel(csv: Path = CSV) -> pd.DataFrame:
    lines = pd.read_csv(csv, dtype={"InvoiceNo": str, "StockCode": str})
    lines = lines.loc[~lines["InvoiceNo"].str.startswith("C") & (lines["Quantity"] > 0)]
    ts = pd.to_datetime(lines["InvoiceDate"])
    lines = lines.assign(week=ts.dt.to_period("W-SUN").dt.start_time)
    last_full = (ts.max().normalize() - pd.Timedelta(days=6)).to_period("W-SUN").start_time
    lines = lines.loc[lines["week"] <= last_full]
    weekly = lines.groupby(["StockCode", "week"], as_index=False).agg(units=("Quantity", "sum"))
    selling = weekly.groupby("StockCode")["week"].transform("size")
    weekly = weekly.loc[selling >= MIN_SELLING_WEEKS].rename(columns={"StockCode": "sku"})
    weekly["units"] = weekly["units"].astype(float)
    return weekly.sort_values(["sku", "week"]).reset_index(drop=True)


def load_weekly_panel() -> pd.DataFrame:
    return pd.read_parquet(PANEL)


if __name__ == "__main__":
    panel = build_weekly_panel(Path(sys.argv[1]) if len(sys.argv) > 1 else CSV)
    panel.to_parquet(PANEL, index=False)
    print(f"{len(panel):,} rows, {panel['sku'].nunique():,} products, {panel['week'].nunique()} weeks -> {PANEL}")
