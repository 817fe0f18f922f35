"""Fixtures for ingestion tests; the data builders live in ingest_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path) -> dict[str, Path]:
    """raw / validated / quarantine paths laid out like a data home."""
    return {
        "raw": tmp_path / "raw",
        "validated": tmp_path / "offline" / "validated",
        "quarantine": tmp_path / "quarantine",
    }
