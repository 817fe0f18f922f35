"""Property: for any mix of good and bad transaction lines, the accounting adds up exactly and
the accepted rows are exactly those an independent (pandas) reading of the contract accepts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_retail import as_strings, data_home, run_ingest

from features.contracts import FULFILMENTS, SALES_CHANNELS

# (valid values, invalid values) per column.
POOLS: dict[str, tuple[list[str | None], list[str | None]]] = {
    "order_id": ([f"O{i}" for i in range(12)], [None, " "]),
    "line": (["1", "2", "3", "2.0"], ["0", "1.5", "x"]),
    "customer_ref": ([None, "web:1"], ["web:404"]),
    "channel": (["web", "store"], ["fax"]),
    "location_id": (["S1", "DC1"], ["S9"]),
    "sku": (["P1", "P2"], ["NOPE"]),
    "qty": (["1", "3", "-1"], ["0", "2.5", "abc"]),
    "unit_price": (["4.5", "0"], ["-1", "nan"]),
    "discount": (["0", "0.5"], ["-0.1"]),
    "ts": (["2024-01-05T10:00:00Z", "2024-01-05 10:00:00"], ["bad", None]),
    "fulfilment": (["ship", "bopis"], ["teleport"]),
    "returned": (["true", "false"], ["yes?"]),
}
FAULTS = [(col, value) for col, (_, bad) in POOLS.items() for value in bad]
FAULTS += [("returned", "true"), ("returned", "false")]  # may break qty_sign_matches_returned


@st.composite
def rows_(draw: st.DrawFn) -> dict[str, str | None]:
    """A clean line (returned agrees with the sign of qty), then zero to two faults."""
    row = {col: draw(st.sampled_from(good)) for col, (good, _) in POOLS.items()}
    row["returned"] = "true" if row["qty"].startswith("-") else "false"
    for col, value in draw(st.lists(st.sampled_from(FAULTS), max_size=2)):
        row[col] = value
    return row


ROW = rows_()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=0, max_size=30))
def test_accounting_and_accepted_rows_match_the_contract(rows: list[dict]) -> None:
    needed = ("locations", "products", "identities")  # what transactions refer to
    tables = {name: frame for name, frame in as_strings().items() if name in needed}
    tx = pd.DataFrame(rows, columns=list(POOLS)).astype(object)
    tables["transactions"] = tx
    with tempfile.TemporaryDirectory() as tmp:
        home = data_home(Path(tmp))
        report = run_ingest(home, tables).tables["transactions"]
        accepted = pd.read_parquet(home["validated"] / "transactions.parquet")
        quarantine = pd.read_parquet(home["quarantine"] / "transactions.parquet")
    assert report.read == len(rows) == report.accepted + report.quarantined + report.erased
    assert (len(accepted), len(quarantine)) == (report.accepted, report.quarantined)
    assert quarantine["_reason"].notna().all()
    expected_ok = _oracle(tx)
    assert set(range(len(rows))) - set(quarantine["_row"]) == set(np.flatnonzero(expected_ok))
    assert not accepted.duplicated(["order_id", "line"]).any()


def _oracle(tx: pd.DataFrame) -> np.ndarray:
    """Which rows the contract accepts, written independently of the SQL checks."""
    def num(col: str) -> pd.Series:
        return pd.to_numeric(tx[col], errors="coerce")

    qty, line = num("qty"), num("line")
    price, discount = num("unit_price"), num("discount")
    returned = tx["returned"].map({"true": True, "false": False})
    ts = pd.to_datetime(tx["ts"], errors="coerce", utc=True, format="mixed")
    ok = (
        tx["order_id"].fillna("").str.strip().ne("")
        & (line == line.round()) & (line >= 1)
        & tx["customer_ref"].isin([None, "web:1"])
        & tx["channel"].isin(SALES_CHANNELS)
        & tx["location_id"].isin(["S1", "S2", "DC1"])
        & tx["sku"].isin(["P1", "P2", "P3"])
        & (qty == qty.round())
        & np.isfinite(price) & (price >= 0)
        & (discount >= 0)
        & ts.notna()
        & tx["fulfilment"].isin(FULFILMENTS)
        & returned.notna()
        & (((qty > 0) & (returned == False)) | ((qty < 0) & (returned == True)))  # noqa: E712
    ).fillna(False).to_numpy(dtype=bool)
    keys = pd.DataFrame({"order_id": tx["order_id"], "line": line})
    first = ~keys[ok].duplicated()
    ok[np.flatnonzero(ok)[~first.to_numpy()]] = False
    return ok
