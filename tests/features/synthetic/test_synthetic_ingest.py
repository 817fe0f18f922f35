"""Integration with ingestion: exactly the recorded faults land in quarantine, nothing else."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from features.ingest import ingest


def test_quarantine_holds_exactly_the_injected_faults(faulty, tmp_path: Path) -> None:
    report = ingest(faulty.raw, tmp_path / "validated", tmp_path / "quarantine").to_dict()
    faults = pq.read_table(faulty.raw / "truth/faults.parquet").to_pylist()
    for name, t in report["tables"].items():
        expected = {f["row"] for f in faults if f["table"] == name}
        path = tmp_path / "quarantine" / f"{name}.parquet"
        quarantined = set(pq.read_table(path, columns=["_row"])["_row"].to_pylist()) if path.exists() else set()
        assert quarantined == expected, name
        assert t["read"] == faulty.manifest["row_counts"][name]


def test_clean_output_is_accepted_in_full(clean, tmp_path: Path) -> None:
    report = ingest(clean.raw, tmp_path / "validated", tmp_path / "quarantine").to_dict()
    assert report["totals"]["quarantined"] == 0
    assert report["totals"]["accepted"] == sum(clean.manifest["row_counts"].values())
