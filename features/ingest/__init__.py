"""Ingestion: validate raw source tables against the contracts (features.contracts).

`ingest(raw_dir, validated_dir, quarantine_dir, erased=None)` reads `raw_dir/<table>.parquet`
(or `.csv`) for every table of INGEST_ORDER and writes

- `validated_dir/<table>.parquet`: accepted rows, only the contract's columns,
  typed (timestamp[us, tz=UTC], date32, bool, int64, float64, string);
- `quarantine_dir/<table>.parquet`: rejected rows as read (strings), plus `_row`
  (0-based row in the raw file) and `_reason` (the first failing check);
- `validated_dir/_ingest_report.json`: per table read / accepted / quarantined /
  reasons, and totals; read == accepted + quarantined + erased, always.

Erased shoppers (`erased`: the erasure ledger's hashes) are taken out before any
check and written nowhere; their transaction lines stay as guest lines
(features.ingest.erasure).

Decisions
- Required tables: locations, products, transactions (nothing downstream runs
  without them). Every other table is optional and reported as "absent".
- Check order (first failure wins): missing:<col> (null or blank in a
  non-nullable column), type:<col>, not_allowed:<col>, pattern:<col>,
  range:<col>, rule:<name>, unknown_reference:<col>-><table>, duplicate_key.
- References are checked against the ACCEPTED rows of the referenced table. An
  absent optional table has no accepted rows, so rows referencing it (e.g. a
  customer_ref when identities.parquet is missing) are quarantined: every
  validated row's references resolve, which downstream code relies on.
- Duplicate keys: among rows that pass every other check, the first by raw row
  order is kept, later ones are quarantined as duplicate_key.
- A blank string is null; timestamps without an offset are UTC; int columns
  accept only integral values; float columns reject NaN and infinities.
- Any file problem (missing raw dir or required file, wrong/unexpected columns,
  unreadable file) raises IngestError before anything is replaced: outputs are
  built in staging directories and swapped in only at the end.
- Rows a real-format adapter could not map (raw/_rejected/) are copied to
  quarantine/<source>.parquet and accounted for under "adapters" in the report.
- Re-running on the same raw files gives identical outputs.
"""

from features.ingest.engine import ingest
from features.ingest.errors import IngestError
from features.ingest.reader import REQUIRED_TABLES
from features.ingest.report import REPORT_NAME, IngestReport, TableReport
from features.ingest.summary import summarize

__all__ = [
    "REPORT_NAME",
    "REQUIRED_TABLES",
    "IngestError",
    "IngestReport",
    "TableReport",
    "ingest",
    "summarize",
]
