"""`ingest`: raw tables -> validated tables + quarantine + an accounting report.

Per table, one DuckDB projection computes every row's typed values and the
reason of its first failing row check; two UPDATEs then mark unresolved
references (against the accepted rows of tables ingested earlier, INGEST_ORDER)
and repeated keys. Accepted rows are written typed to the contract, in raw
order; quarantined rows as read (strings) with `_row` and `_reason`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from features.contracts import CONTRACTS, INGEST_ORDER, Contract
from features.ingest.checks import (
    REASON,
    lit,
    mark_duplicates,
    mark_references,
    q,
    reason_case,
    reference_checks,
    row_checks,
    typed_select,
)
from features.ingest.erasure import Hidden, load_ledger, without_erased
from features.ingest.errors import IngestError
from features.ingest.reader import RawFile, discover, register
from features.ingest.rejects import carry_over
from features.ingest.report import REPORT_NAME, IngestReport, TableReport
from features.staging import staged
from omnicast.progress import track


def ingest(
    raw_dir: Path, validated_dir: Path, quarantine_dir: Path, erased: set[str] | None = None
) -> IngestReport:
    """Validate every raw table; replace validated/ and quarantine/ only if all went well.

    `erased` holds the erasure ledger's hashes (features.privacy.ledger.erased_hashes):
    rows naming those shoppers are taken out before validation (features.ingest.erasure).
    """
    raw_dir, validated_dir, quarantine_dir = Path(raw_dir), Path(validated_dir), Path(quarantine_dir)
    files = discover(raw_dir, INGEST_ORDER)
    validated_dir.parent.mkdir(parents=True, exist_ok=True)
    quarantine_dir.parent.mkdir(parents=True, exist_ok=True)
    report = IngestReport()
    with (
        staged(validated_dir, quarantine_dir) as (v_stage, q_stage),
        tempfile.TemporaryDirectory(prefix=".ingest-spill-", dir=validated_dir.parent) as spill,
    ):
        con = _connect(Path(spill))
        try:
            ledger = load_ledger(con, erased)
            accepted: dict[tuple[str, str], str] = {}
            for table in track(INGEST_ORDER, "ingest"):
                raw = files[table]
                if raw is None:
                    report.tables[table] = TableReport.absent()
                else:
                    report.tables[table] = _ingest_table(con, raw, v_stage, q_stage, accepted, ledger)
                _keep_referenced(con, CONTRACTS[table], raw is not None, accepted)
        finally:
            con.close()
        report.adapters = carry_over(raw_dir, q_stage)
        report.save(v_stage / REPORT_NAME)
    return report


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {lit(str(spill))}")
    con.execute("SET preserve_insertion_order = true")
    return con


def _ingest_table(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    v_stage: Path,
    q_stage: Path,
    accepted: dict[tuple[str, str], str],
    ledger: bool,
) -> TableReport:
    contract = raw.contract
    register(con, raw, "src_raw")
    try:
        hidden = without_erased(con, contract.name, raw.columns, "src_raw", "src", ledger)
        return _check_and_write(con, contract, raw, v_stage, q_stage, accepted, hidden)
    except duckdb.Error as exc:
        raise IngestError(f"{raw.path}: validation failed ({exc})") from None


def _check_and_write(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    raw: RawFile,
    v_stage: Path,
    q_stage: Path,
    accepted: dict[tuple[str, str], str],
    hidden: Hidden,
) -> TableReport:
    source_types = {row[0]: row[1] for row in con.execute("DESCRIBE src").fetchall()}
    typed_cols = ", ".join(q(c) for c in contract.column_names)
    # Only typed values and reasons are kept; quarantine re-reads the raw values of bad rows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE checked AS
        WITH typed AS (SELECT {typed_select(contract, source_types)} FROM src)
        SELECT _row, {typed_cols}, {reason_case(row_checks(contract))} AS {REASON} FROM typed"""
    )
    references = reference_checks(contract, accepted)
    if references:
        con.execute(mark_references(references, "checked"))
    con.execute(mark_duplicates(contract, "checked"))
    # Projection and UPDATEs keep raw order (preserve_insertion_order), so no sort is
    # needed here; test_accepted_rows_keep_raw_order_across_many_row_groups guards it.
    _copy(con, f"SELECT {typed_cols} FROM checked WHERE {REASON} IS NULL",
          v_stage / f"{contract.name}.parquet")
    raw_cols = ", ".join(f"CAST(s.{q(c)} AS VARCHAR) AS {q(c)}" for c in contract.column_names)
    _copy(
        con,
        f"""SELECT {raw_cols}, s._row, b.{REASON} FROM src AS s
        JOIN (SELECT _row, {REASON} FROM checked WHERE {REASON} IS NOT NULL) AS b USING (_row)
        ORDER BY s._row""",
        q_stage / f"{contract.name}.parquet",
    )
    counts = con.execute(
        f"SELECT coalesce({REASON}, ''), count(*) FROM checked GROUP BY ALL ORDER BY 1"
    ).fetchall()
    reasons = {reason: n for reason, n in counts if reason}
    checked = sum(n for _, n in counts)
    quarantined = sum(reasons.values())
    return TableReport(checked + hidden.erased, checked - quarantined, quarantined, reasons,
                       source=raw.path.name, erased=hidden.erased, anonymized=hidden.anonymized)


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    con.execute(f"COPY ({query}) TO {lit(str(path))} (FORMAT parquet)")


def _keep_referenced(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    present: bool,
    accepted: dict[tuple[str, str], str],
) -> None:
    """Keep the accepted values other tables reference (none when the table is absent)."""
    for column in _referenced_columns(contract.name):
        view = q(f"accepted__{contract.name}__{column}")
        if present:
            query = f"SELECT DISTINCT {q(column)} FROM checked WHERE {REASON} IS NULL"
        else:
            query = f"SELECT CAST(NULL AS VARCHAR) AS {q(column)} WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS {query}")
        accepted[(contract.name, column)] = view


def _referenced_columns(table: str) -> list[str]:
    return sorted(
        {
            col.references[1]
            for c in CONTRACTS.values()
            for col in c.columns
            if col.references is not None and col.references[0] == table
        }
    )

