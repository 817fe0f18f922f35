"""Shared test plumbing: an isolated data home per test and the real-server policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicast.env import disable_telemetry

disable_telemetry()  # MLflow, Feast, BentoML, Evidently: in tests and their subprocesses too


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write a data home left by anything else."""
    home = tmp_path / "omnicast-home"
    monkeypatch.setenv("OMNICAST_HOME", str(home))
    monkeypatch.delenv("OMNICAST_CONFIG", raising=False)
    return home
