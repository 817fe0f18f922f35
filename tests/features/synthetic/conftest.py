"""One clean and one faulty tiny retailer per test session (each takes about two seconds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pytest

from features.contracts import CONTRACTS
from features.synthetic import GeneratorConfig, generate


@dataclass
class Generated:
    raw: Path
    manifest: dict
    config: GeneratorConfig

    @cached_property
    def con(self) -> duckdb.DuckDBPyConnection:
        """DuckDB over the written files: tables by name, truth as truth_<name>."""
        con = duckdb.connect()
        for name in CONTRACTS:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{self.raw / name}.parquet')")
        for path in sorted((self.raw / "truth").glob("*.parquet")):
            con.execute(f"CREATE VIEW truth_{path.stem} AS SELECT * FROM read_parquet('{path}')")
        return con

    def rows(self, query: str) -> list[tuple]:
        return self.con.execute(query).fetchall()

    def value(self, query: str):
        return self.rows(query)[0][0]


def _generate(root: Path, preset: str = "tiny", **overrides) -> Generated:
    config = GeneratorConfig.preset(preset, **overrides)
    raw = root / "raw"
    return Generated(raw, generate(config, raw), config)


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate(tmp_path_factory.mktemp("clean"), seed=7)


@pytest.fixture(scope="session")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate(tmp_path_factory.mktemp("faulty"), seed=7, bad_row_rate=0.05)


@pytest.fixture
def retailer(tmp_path: Path) -> Callable[..., Generated]:
    """Generate a retailer of a given preset and overrides into this test's tmp dir."""
    return lambda preset="tiny", **overrides: _generate(tmp_path, preset, **overrides)
