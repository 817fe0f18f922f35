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


def test_directory_is_named_as_a_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import", "online-retail", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_wrong_format_names_the_columns_found(hillstrom_cut: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "import", "online-retail", str(hillstrom_cut)])
    assert result.exit_code == 2
    assert "not a UCI Online Retail file" in result.output
    assert "found" in result.output and "recency" in result.output


def test_header_only_file_is_an_error_and_keeps_raw(hillstrom_cut: Path, tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text(hillstrom_cut.read_text().splitlines()[0] + "\n")
    result = runner.invoke(app, ["data", "import", "hillstrom", str(header_only)])
    assert result.exit_code == 2
    assert "no data rows" in result.output
