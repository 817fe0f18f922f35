"""Rows a real-format adapter could not map: kept, with a reason, and carried into quarantine.

An adapter (features.adapters) writes `raw/_rejected/<source>.parquet` (the source
columns as strings + `_row` + `_reason`) and `<source>.json` (its accounting:
source rows read = mapped + rejected). Ingest copies both into its own outputs so
that quarantine/ and the ingest report cover every source row, not only the rows
that reached the contract tables.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from features.ingest.errors import IngestError
from features.ingest.report import TableReport

REJECTS_DIR = "_rejected"


def write_rejects(raw_dir: Path, source: str, rejects: pd.DataFrame, read: int) -> TableReport:
    """Save an adapter's rejected rows and its accounting; `rejects` has `_row` and `_reason`."""
    out = raw_dir / REJECTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    reasons = rejects["_reason"].value_counts().sort_index()
    report = TableReport(
        read=read,
        accepted=read - len(rejects),
        quarantined=len(rejects),
        reasons={str(k): int(v) for k, v in reasons.items()},
        source=source,
    )
    rejects.to_parquet(out / f"{source}.parquet", index=False)
    (out / f"{source}.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    return report


def carry_over(raw_dir: Path, quarantine_dir: Path) -> dict[str, TableReport]:
    """Copy every adapter's rejects into `quarantine_dir`; return their accounting."""
    reports: dict[str, TableReport] = {}
    folder = raw_dir / REJECTS_DIR
    for meta in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        source = meta.stem
        rows = folder / f"{source}.parquet"
        try:
            report = TableReport(**json.loads(meta.read_text()))
            n_rows = pq.read_metadata(rows).num_rows
        except (OSError, ValueError, TypeError, AssertionError) as exc:
            raise IngestError(f"{meta}: cannot read the adapter's rejects ({exc})") from None
        if n_rows != report.quarantined:
            raise IngestError(
                f"{rows}: holds {n_rows} rows but {meta.name} says {report.quarantined} were rejected"
            )
        shutil.copyfile(rows, quarantine_dir / f"{source}.parquet")
        reports[source] = report
    return reports
