"""Paths of the real-data cuts (copied from ../shared/data into tests/fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_retail import data_home

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, Path]:
    return data_home(tmp_path)


@pytest.fixture
def online_retail_cut() -> Path:
    """360 lines of the UCI sample: cancellations, guests, odd stock codes, adjustments, whole invoices."""
    return FIXTURES / "online_retail_cut.csv"


@pytest.fixture
def hillstrom_cut() -> Path:
    """The first 270 Hillstrom rows plus the first 30 conversions."""
    return FIXTURES / "hillstrom_cut.csv"
