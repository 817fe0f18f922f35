"""Keep erased shoppers out of ingestion, before any check sees their rows.

The erasure ledger (features.privacy.ledger) holds SHA-256 hashes of erased
customer_refs and of `device:<id>` for devices only they used. A raw file
imported or generated again after `omnicast privacy erase` may still name them;
those rows must reach neither validated/ nor quarantine/ (quarantine keeps raw
values, so it would keep the personal data). The same policy as the ledger's
`without_refs`:

- transactions are kept as guest lines (customer_ref set to null): the sale
  happened and demand needs it; counted as `anonymized` (still accepted or
  quarantined on their own merits);
- every other row that names an erased shopper (identities, consents, events,
  exposures by unit_id) is dropped and counted as `erased`; so are events of a
  device only an erased shopper used.

Matching hashes the distinct values of a column once (DuckDB `sha256`), then
filters with a plain join on the few erased values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from features.ingest.checks import lit, q
from features.privacy.ledger import DEVICE_PREFIX, REF_COLUMNS

LEDGER_TABLE = "erased_ledger"


@dataclass(frozen=True)
class Hidden:
    """Rows of one raw table that erasure took out (`erased`) or stripped of their ref."""

    erased: int = 0
    anonymized: int = 0


def load_ledger(con: duckdb.DuckDBPyConnection, erased: set[str] | None) -> bool:
    """Make the ledger's hashes a table; False when nobody is erased (nothing to filter)."""
    if not erased:
        return False
    con.register(f"{LEDGER_TABLE}_arrow", pa.table({"h": pa.array(sorted(erased), pa.string())}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {LEDGER_TABLE} AS SELECT h FROM {LEDGER_TABLE}_arrow")
    con.unregister(f"{LEDGER_TABLE}_arrow")
    return True


def without_erased(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], raw_view: str, view: str, active: bool
) -> Hidden:
    """Expose `raw_view` minus erased shoppers as `view`; returns what was taken out."""
    column = REF_COLUMNS.get(table)
    if not active or column is None or column not in columns:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {raw_view}")
        return Hidden()
    hit = _erased_values(con, raw_view, column, "", "gone_refs")
    if table == "events" and "device_id" in columns:
        device_hit = _erased_values(con, raw_view, "device_id", DEVICE_PREFIX, "gone_devices")
        hit = f"({hit} OR {device_hit})"
    if table == "transactions":
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * REPLACE "
            f"(CASE WHEN {hit} THEN NULL ELSE {q(column)} END AS {q(column)}) FROM {raw_view}"
        )
        return Hidden(anonymized=_count(con, raw_view, hit))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {raw_view} WHERE NOT {hit}")
    return Hidden(erased=_count(con, raw_view, hit))


def _erased_values(con: duckdb.DuckDBPyConnection, raw_view: str, column: str, prefix: str, name: str) -> str:
    """Store the column's erased values in temp table `name`; returns a null-safe row test."""
    value = f"CAST({q(column)} AS VARCHAR)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT v FROM (SELECT DISTINCT {value} AS v FROM {raw_view} WHERE {q(column)} IS NOT NULL)
        WHERE sha256({lit(prefix)} || v) IN (SELECT h FROM {LEDGER_TABLE})"""
    )
    return f"coalesce({value} IN (SELECT v FROM {name}), false)"


def _count(con: duckdb.DuckDBPyConnection, raw_view: str, hit: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {raw_view} WHERE {hit}").fetchone()
    return int(row[0]) if row else 0
