"""`omnicast data generate` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from omnicast.cli import app

runner = CliRunner()


def test_generate_writes_the_data_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = runner.invoke(app, ["--home", str(home), "data", "generate", "--size", "tiny", "--seed", "3",
                                 "--bad-row-rate", "0.01", "--customers", "300"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((home / "raw/manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["config"]["customers"] == 300
    assert manifest["config"]["bad_row_rate"] == 0.01 and manifest["faults"]
    assert f"{manifest['row_counts']['transactions']:,}" in result.output


def test_bad_size_and_bad_rate_are_user_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path), "data", "generate", "--size", "huge"])
    assert result.exit_code == 2 and "demo" in result.output and "large" in result.output
    result = runner.invoke(app, ["--home", str(tmp_path), "data", "generate", "--bad-row-rate", "0.9"])
    assert result.exit_code == 2 and "bad_row_rate" in result.output
    assert not (tmp_path / "raw").exists()
