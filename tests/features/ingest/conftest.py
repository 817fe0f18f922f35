"""Fixtures for ingestion tests; the raw-table builders live in tests/raw_retail.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_retail import data_home


@pytest.fixture
def home(tmp_path: Path) -> dict[str, Path]:
    return data_home(tmp_path)
