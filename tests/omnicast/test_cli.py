"""The CLI shell: every stage group is reachable, and bad settings exit 2 with one message."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from omnicast.cli import app

runner = CliRunner()
STAGES = ["data", "features", "train", "backtest", "models", "serve", "experiment", "monitor", "privacy", "demo"]


def test_help_lists_every_stage() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for stage in STAGES:
        assert stage in result.output


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_its_own_help(stage: str) -> None:
    result = runner.invoke(app, [stage, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_bad_setting_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_SEED", "minus-one")
    result = runner.invoke(app, ["data", "--help"])
    assert result.exit_code == 0  # help never needs settings
    result = runner.invoke(app, ["data", "generate", "--size", "demo"])
    assert result.exit_code == 2
    assert "OMNICAST_SEED" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "omnicast" in result.output
