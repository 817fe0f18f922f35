"""What every adapter shares: reading a source file as strings and replacing the raw tables.

A data home holds ONE retailer: an import replaces the whole raw/ directory
(contract tables, the adapter's rejects, side tables) atomically, so raw/ never
mixes an import with a previous synthetic retailer or another import.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.adapters.errors import AdapterError
from features.contracts import CONTRACTS
from features.ingest.rejects import write_rejects
from features.staging import staged

SIDE_DIR = "side"


def read_strings(path: Path, columns: tuple[str, ...], fmt_name: str) -> pd.DataFrame:
    """The source as all-string columns (blank = ""), checked for the format's columns."""
    path = Path(path)
    if path.is_dir():
        raise AdapterError(f"{path} is a directory: give the {fmt_name} file itself")
    if not path.is_file():
        raise AdapterError(f"{path}: no such file")
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            frame = pd.read_excel(path, dtype=str).fillna("")
        else:
            frame = _read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise AdapterError(f"{path}: cannot read as {fmt_name} ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = list(frame.columns)[:12]
        raise AdapterError(
            f"{path}: not a {fmt_name} file: missing columns {missing} (found {found})"
        )
    if frame.empty:  # importing nothing would replace the home's raw data with empty tables
        raise AdapterError(f"{path}: has the {fmt_name} header but no data rows")
    return frame[list(columns)].reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:  # the UCI exports are often Latin-1
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1")


def first_reason(checks: list[tuple[pd.Series, str]], index: pd.Index) -> pd.Series:
    """Per row, the reason of the first failing check (None when every check passes)."""
    if not checks:
        return pd.Series(None, index=index, dtype=object)
    conditions = [cond.fillna(True).to_numpy(dtype=bool) for cond, _ in checks]
    reasons = np.select(conditions, [r for _, r in checks], default="")
    return pd.Series(reasons, index=index).replace("", None)


def shaped(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the contract's columns in its order (absent optional columns as null)."""
    contract = CONTRACTS[table]
    extra = set(frame.columns) - set(contract.column_names)
    if extra:
        raise AssertionError(f"adapter produced columns {sorted(extra)} not in {table}")
    return frame.reindex(columns=contract.column_names).reset_index(drop=True)


def replace_raw(
    raw_dir: Path,
    tables: dict[str, pd.DataFrame],
    source: str,
    source_rows: pd.DataFrame,
    reasons: pd.Series,
    side: dict[str, pd.DataFrame] | None = None,
) -> dict[str, int]:
    """Write the retailer's raw tables and the rejected source rows; return rows per table."""
    rejected = source_rows[reasons.notna()].copy()
    rejected["_row"] = rejected.index.astype("int64")
    rejected["_reason"] = reasons[reasons.notna()]
    raw_dir = Path(raw_dir)
    raw_dir.parent.mkdir(parents=True, exist_ok=True)
    with staged(raw_dir) as (stage,):
        for name, frame in tables.items():
            shaped(name, frame).to_parquet(stage / f"{name}.parquet", index=False)
        write_rejects(stage, source, rejected.reset_index(drop=True), read=len(source_rows))
        for name, frame in (side or {}).items():
            (stage / SIDE_DIR).mkdir(exist_ok=True)
            frame.to_parquet(stage / SIDE_DIR / f"{name}.parquet", index=False)
    counts = {name: len(frame) for name, frame in tables.items()}
    counts["rejected"] = len(rejected)
    return counts


def blank(series: pd.Series) -> pd.Series:
    return series.str.strip() == ""
