"""Validated tables as DuckDB views, with the identity map and the erasure ledger applied."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from features.contracts import CONTRACTS
from omnicast.errors import OmnicastError

REQUIRED = ("identities", "transactions", "events", "products", "locations")
OPTIONAL = ("consents", "prices", "inventory")


class ProfileInputError(OmnicastError):
    """A validated table needed by the profile build is missing or malformed."""


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose date arithmetic is in UTC (the contracts' time zone)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def read_validated(validated_dir: Path, table: str) -> pd.DataFrame:
    """One validated table; an empty frame with the contract columns when optional and absent."""
    path = Path(validated_dir) / f"{table}.parquet"
    if not path.exists():
        if table in REQUIRED:
            raise ProfileInputError(
                f"validated table {path} is missing: run `omnicast data ingest` first"
            )
        return empty_table(table)
    frame = pd.read_parquet(path)
    missing = set(CONTRACTS[table].column_names) - set(frame.columns)
    if missing:
        raise ProfileInputError(f"{path} lacks contract columns {sorted(missing)}")
    return frame


def empty_table(table: str) -> pd.DataFrame:
    """Typed empty frame for a contract table (so SQL over it still binds)."""
    dtypes = {
        "string": "string",
        "int": "int64",
        "float": "float64",
        "bool": "bool",
        "timestamp": "datetime64[us, UTC]",
        "date": "datetime64[s]",
    }
    return pd.DataFrame(
        {c.name: pd.Series(dtype=dtypes[c.kind]) for c in CONTRACTS[table].columns}
    )


def register(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], identity_map: pd.DataFrame
) -> None:
    """Register source tables and `identity_map` (customer_ref -> customer_id) as views."""
    for name, frame in tables.items():
        con.register(name, frame)
    con.register("identity_map", identity_map[["customer_ref", "customer_id"]])
    # Each source row that names a known shopper, with their resolved customer_id.
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW customer_tx AS
        SELECT m.customer_id, t.*, CAST(t.ts AS DATE) AS d
        FROM transactions t JOIN identity_map m USING (customer_ref);
        CREATE OR REPLACE TEMP VIEW customer_events AS
        SELECT m.customer_id, e.*, CAST(e.ts AS DATE) AS d
        FROM events e JOIN identity_map m USING (customer_ref);
        """
    )
