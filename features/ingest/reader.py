"""Find raw files, check their columns against the contracts, expose them to DuckDB.

Every raw file is checked before any row is validated, so a wrong column in the
last table fails the run before the first table is touched.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from features.contracts import CONTRACTS, Contract
from features.ingest.errors import IngestError

RAW_SUFFIXES = (".parquet", ".csv")
ROW_COLUMN = "_row"
# Tables without which nothing downstream can run; every other table is optional
# and reported as "absent" when its file is missing.
REQUIRED_TABLES = frozenset({"locations", "products", "transactions"})


@dataclass(frozen=True)
class RawFile:
    """One raw table file whose columns match its contract."""

    table: str
    path: Path
    columns: tuple[str, ...]

    @property
    def contract(self) -> Contract:
        return CONTRACTS[self.table]


def find_raw_file(raw_dir: Path, table: str) -> Path | None:
    """The raw file of `table` (.parquet or .csv); two candidates are ambiguous."""
    found = [raw_dir / f"{table}{suffix}" for suffix in RAW_SUFFIXES]
    found = [p for p in found if p.exists()]
    if len(found) > 1:
        raise IngestError(
            f"{raw_dir}: both {found[0].name} and {found[1].name} exist for table "
            f"{table!r}; keep one"
        )
    return found[0] if found else None


def read_columns(path: Path) -> tuple[str, ...]:
    """Column names from the file's header or schema, without reading the rows."""
    try:
        if path.suffix == ".parquet":
            return tuple(pq.read_schema(path).names)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return tuple(next(csv.reader(handle), []))
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as exc:
        raise IngestError(f"{path}: cannot read the file ({_first_line(exc)})") from None


def check_columns(path: Path, contract: Contract, columns: tuple[str, ...]) -> None:
    """Raise one error naming every missing and unexpected column."""
    expected = contract.column_names
    missing = [c for c in expected if c not in columns]
    unexpected = [c for c in columns if c not in expected]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing contract columns {missing}")
    if unexpected:
        problems.append(f"unexpected columns {unexpected}")
    if duplicated:
        problems.append(f"repeated columns {duplicated}")
    if problems:
        raise IngestError(
            f"{path}: {'; '.join(problems)} (table {contract.name!r} expects {expected})"
        )


def discover(raw_dir: Path, tables: tuple[str, ...]) -> dict[str, RawFile | None]:
    """Every table's raw file, checked; None for an absent optional table."""
    if not raw_dir.is_dir():
        raise IngestError(
            f"raw data directory {raw_dir} does not exist; run `omnicast data generate` "
            "or `omnicast data import ...` first"
        )
    found: dict[str, RawFile | None] = {}
    for table in tables:
        path = find_raw_file(raw_dir, table)
        if path is None:
            if table in REQUIRED_TABLES:
                raise IngestError(
                    f"{raw_dir}: required table {table!r} is missing "
                    f"(expected {table}.parquet or {table}.csv)"
                )
            found[table] = None
            continue
        columns = read_columns(path)
        check_columns(path, CONTRACTS[table], columns)
        found[table] = RawFile(table, path, columns)
    return found


def register(con: duckdb.DuckDBPyConnection, raw: RawFile, view: str) -> None:
    """Expose the raw rows as `view` with a 0-based `_row` in file order."""
    cols = ", ".join(_quote(c) for c in raw.columns)
    try:
        if raw.path.suffix == ".parquet":
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT file_row_number AS {ROW_COLUMN}, "
                f"{cols} FROM read_parquet({_literal(str(raw.path))}, file_row_number = true)"
            )
            con.execute(f"SELECT count(*) FROM {view}").fetchone()
        else:
            table = _read_csv(raw.path)
            table = table.append_column(ROW_COLUMN, pa.array(range(table.num_rows), pa.int64()))
            con.register(f"{view}_arrow", table)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {ROW_COLUMN}, {cols} "
                f"FROM {view}_arrow"
            )
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        raise IngestError(f"{raw.path}: cannot read the file ({_first_line(exc)})") from None


def count_rows(path: Path) -> int:
    """Rows of a raw file: from the Parquet footer, or by streaming the CSV as strings."""
    try:
        if path.suffix == ".parquet":
            return pq.read_metadata(path).num_rows
        options = _csv_convert_options({name: pa.string() for name in read_columns(path)})
        with pacsv.open_csv(path, convert_options=options) as reader:
            return sum(batch.num_rows for batch in reader)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"{path}: cannot read the file ({_first_line(exc)})") from None


def _read_csv(path: Path) -> pa.Table:
    """All columns as strings: typing is validation's job, so nothing is coerced here."""
    names = read_columns(path)
    options = _csv_convert_options({name: pa.string() for name in names})
    return pacsv.read_csv(path, convert_options=options)


def _csv_convert_options(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types=types,
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
