"""Same seed -> byte-identical files; another seed -> another retailer."""

from __future__ import annotations

from pathlib import Path

from features.contracts import CONTRACTS
from features.synthetic import GeneratorConfig, generate


def _files(raw: Path) -> dict[str, bytes]:
    return {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_atomic_replace(clean, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "stale.parquet").parent.mkdir(parents=True)
    (raw / "stale.parquet").write_text("left over from an earlier run")
    manifest = generate(clean.config, raw)
    again, before = _files(raw), _files(clean.raw)
    assert set(again) == set(before)
    assert "stale.parquet" not in again  # the previous raw/ was replaced, not merged
    assert {f"{t}.parquet" for t in CONTRACTS} <= set(again)
    for name in before:
        assert again[name] == before[name], name
    assert manifest["row_counts"] == clean.manifest["row_counts"]
    assert not [p for p in tmp_path.iterdir() if p.name != "raw"]  # no staging dirs left


def test_other_seed_other_data(clean, tmp_path: Path) -> None:
    other = generate(GeneratorConfig.preset("tiny", seed=clean.config.seed + 1), tmp_path / "raw")
    assert other["row_counts"]["transactions"] != clean.manifest["row_counts"]["transactions"]
    assert (tmp_path / "raw/transactions.parquet").read_bytes() != (clean.raw / "transactions.parquet").read_bytes()
