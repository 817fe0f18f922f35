"""Validated tables as DuckDB views, with the identity map and the erasure ledger applied."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from features.contracts import CONTRACTS
from omnicast.errors import OmnicastError

REQUIRED = ("identities", "transactions", "events", "products", "locations")
OPTIONAL = ("consents", "prices", "inventory")
# Large tables that name nobody: DuckDB scans their Parquet files directly
# instead of holding them in pandas (they need no erasure filtering).
SCANNED = ("prices", "inventory")


class ProfileInputError(OmnicastError):
    """A validated table needed by the profile build is missing or malformed."""


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose date arithmetic is in UTC (the contracts' time zone)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def read_validated(validated_dir: Path, table: str) -> pd.DataFrame | Path:
    """One validated table: a DataFrame, or the Parquet path for a SCANNED table.

    An optional table that is absent is an empty frame with the contract columns.
    """
    path = Path(validated_dir) / f"{table}.parquet"
    if not path.exists():
        if table in REQUIRED:
            raise ProfileInputError(
                f"validated table {path} is missing: run `omnicast data ingest` first"
            )
        return empty_table(table)
    columns = pq.read_schema(path).names
    missing = set(CONTRACTS[table].column_names) - set(columns)
    if missing:
        raise ProfileInputError(f"{path} lacks contract columns {sorted(missing)}")
    return path if table in SCANNED else pd.read_parquet(path)


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
    con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame | Path], identity_map: pd.DataFrame
) -> None:
    """Register source tables and `identity_map` (customer_ref -> customer_id) as views."""
    for name, frame in tables.items():
        if isinstance(frame, Path):
            path = str(frame.resolve()).replace("'", "''")
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        else:
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
