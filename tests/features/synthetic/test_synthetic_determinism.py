"""Same seed -> byte-identical files; another seed -> another retailer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from features.contracts import CONTRACTS
from features.synthetic import GeneratorConfig, generate

ROOT = Path(__file__).resolve().parents[3]


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


def test_same_bytes_from_another_process(faulty, tmp_path: Path) -> None:
    """No dependence on hash randomisation or process state: a fresh interpreter writes the same files."""
    raw = tmp_path / "raw"
    code = ("import sys; from pathlib import Path; from features.synthetic import GeneratorConfig, generate; "
            "generate(GeneratorConfig.preset('tiny', seed=7, bad_row_rate=0.05), Path(sys.argv[1]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(raw)], check=True, env=env, cwd=ROOT)
    assert _files(raw) == _files(faulty.raw)
