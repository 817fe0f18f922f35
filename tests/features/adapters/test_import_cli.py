"""`omnicast data import ... / summary` end to end through the CLI (OMNICAST_HOME is a tmp dir)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from omnicast.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


def test_import_online_retail_then_summary(online_retail_cut: Path, _isolated_home: Path) -> None:
    result = runner.invoke(app, ["data", "import", "online-retail", str(online_retail_cut)])
    assert result.exit_code == 0, result.output
    assert "online_retail (source lines)" in result.output
    assert (_isolated_home / "offline" / "validated" / "transactions.parquet").is_file()
    assert (_isolated_home / "quarantine" / "online_retail.parquet").is_file()
    summary = runner.invoke(app, ["data", "summary"])
    assert summary.exit_code == 0, summary.output
    assert "transactions" in summary.output and "absent" in summary.output


def test_import_hillstrom_names_the_covariates(hillstrom_cut: Path, _isolated_home: Path) -> None:
    result = runner.invoke(app, ["data", "import", "hillstrom", str(hillstrom_cut)])
    assert result.exit_code == 0, result.output
    assert "hillstrom_covariates.parquet" in result.output.replace("\n", "")


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import", "hillstrom", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_ingest_without_raw_data_exits_2(_isolated_home: Path) -> None:
    result = runner.invoke(app, ["data", "ingest"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
