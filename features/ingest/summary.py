"""`omnicast data summary`: row counts per table in raw/validated/quarantine and the last report."""

from __future__ import annotations

from pathlib import Path

from features.contracts import INGEST_ORDER
from features.ingest.reader import RAW_SUFFIXES, count_rows
from features.ingest.report import REPORT_NAME, IngestReport


def summarize(raw_dir: Path, validated_dir: Path, quarantine_dir: Path) -> dict:
    """{"tables": {name: {"raw", "validated", "quarantine"}}, "last_ingest": report or None}.

    Counts come from Parquet footers (no rows are read); None means no file.
    Quarantine files that are not contract tables (adapter rejects) are listed too.
    """
    names = list(INGEST_ORDER)
    if Path(quarantine_dir).is_dir():
        names += sorted(p.stem for p in Path(quarantine_dir).glob("*.parquet") if p.stem not in names)
    tables = {
        name: {
            "raw": _rows(_raw_file(Path(raw_dir), name)),
            "validated": _rows(Path(validated_dir) / f"{name}.parquet"),
            "quarantine": _rows(Path(quarantine_dir) / f"{name}.parquet"),
        }
        for name in names
    }
    report_path = Path(validated_dir) / REPORT_NAME
    last = IngestReport.load(report_path).to_dict() if report_path.is_file() else None
    return {"tables": tables, "last_ingest": last}


def _raw_file(raw_dir: Path, table: str) -> Path | None:
    for suffix in RAW_SUFFIXES:
        if (raw_dir / f"{table}{suffix}").is_file():
            return raw_dir / f"{table}{suffix}"
    return None


def _rows(path: Path | None) -> int | None:
    if path is None or not path.is_file():
        return None
    return count_rows(path)
