"""`omnicast experiment report|power|assign` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from omnicast.cli import app

runner = CliRunner()
HILLSTROM = Path(__file__).resolve().parents[1] / "fixtures" / "hillstrom.csv"


def _cut(tmp_path: Path, bad_rows: bool = False) -> Path:
    df = pd.read_csv(HILLSTROM, nrows=9000)
    if bad_rows:
        df = df.astype({"spend": object, "segment": object})
        df.loc[3, "spend"] = "oops"
        df.loc[5, "segment"] = None
    path = tmp_path / "cut.csv"
    df.to_csv(path, index=False)
    return path


def test_report_on_a_csv_writes_html_json_csv(tmp_path: Path) -> None:
    data = _cut(tmp_path, bad_rows=True)
    out = tmp_path / "out"
    result = runner.invoke(app, [
        "experiment", "report", "--data", str(data), "--arm", "segment", "--control", "No E-Mail",
        "--metric", "spend", "--metric", "visit", "--ratio", "spv=spend/visit", "--guardrail", "spv",
        "--covariate", "history", "--segment", "channel", "--out", str(out), "--name", "cut",
        "--sequential", "--sequential-tuning", "9000",
    ])
    assert result.exit_code == 0, result.output
    assert "Mens E-Mail" in result.output
    files = {p.name for p in out.iterdir()}
    assert {"cut.html", "cut.json", "cut_comparisons.csv", "cut_health.csv", "cut_rejected.csv"} <= files
    rejected = pd.read_csv(out / "cut_rejected.csv")
    assert sorted(rejected["reason"]) == ["blank segment", "spend not a number"]
    report = json.loads((out / "cut.json").read_text())
    assert sum(report["srm"]["observed"].values()) == 9000 - 2
    assert any("2 of 9,000 rows" in w for w in report["warnings"])
    assert report["config"]["decide_with"] == "sequential" and report["config"]["sequential_tuning"] == 9000
    table = pd.read_csv(out / "cut_comparisons.csv")
    assert set(table["metric"]) == {"spend", "visit", "spv"} and table["segment"].notna().any()


def test_report_with_a_metrics_file(tmp_path: Path) -> None:
    data = _cut(tmp_path)
    spec = tmp_path / "metrics.yaml"
    spec.write_text(
        "metrics:\n"
        "  - {name: conversion, kind: binary, column: conversion, label: conversion rate}\n"
        "  - {name: spv, kind: ratio, numerator: spend, denominator: visit, guardrail: true}\n"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment", "--control",
                                 "No E-Mail", "--metrics-file", str(spec), "--out", str(out), "--name", "m"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "m.json").read_text())
    assert [m["spec"]["name"] for m in report["metrics"]] == ["conversion", "spv"]
    assert report["metrics"][1]["spec"]["guardrail"] is True
    spec.write_text("- {name: x, kind: ratio, numerator: spend}\n")
    bad = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment", "--metrics-file", str(spec)])
    assert bad.exit_code == 2 and "needs a numerator and a denominator" in bad.output


def test_report_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    data = _cut(tmp_path)
    result = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment",
                                 "--control", "Nobody", "--metric", "spend", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "control arm 'Nobody' not found" in result.output
    result = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment",
                                 "--metric", "nothing", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nothing" in result.output
    result = runner.invoke(app, ["experiment", "report", "--metric", "x"])
    assert result.exit_code == 2 and "exactly one of --data" in result.output
    result = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment", "--metric", "spend",
                                 "--alpha", "2", "--weights", "a=0,b=1"])
    assert result.exit_code == 2 and "alpha" in result.output and "weights" in result.output


def test_power_prints_the_sample_size() -> None:
    result = runner.invoke(app, ["experiment", "power", "--baseline", "0.1", "--mde", "0.1", "--daily-units", "1000"])
    assert result.exit_code == 0, result.output
    assert "14,745 control" in result.output and "about 30 days" in result.output
    bad = runner.invoke(app, ["experiment", "power", "--baseline", "0.1", "--mde", "0.1", "--power", "2"])
    assert bad.exit_code == 2 and "power must be" in bad.output


def test_assign_is_deterministic() -> None:
    first = runner.invoke(app, ["experiment", "assign", "exp1", "cus_1", "cus_2", "--holdout", "0.1"])
    again = runner.invoke(app, ["experiment", "assign", "exp1", "cus_1", "cus_2", "--holdout", "0.1"])
    assert first.exit_code == 0 and first.output == again.output
    assert first.output.count("\n") == 2


def test_unreadable_empty_or_all_bad_csvs_are_named(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("segment,spend\n")
    text_metric = tmp_path / "text.csv"
    text_metric.write_text("segment,spend\nNo E-Mail,abc\nMens E-Mail,xyz\n")
    cases = [
        (garbage, "cannot be read as a CSV"),
        (empty, "cannot be read as a CSV"),
        (header_only, "no data rows"),
        (text_metric, "spend not a number: 2"),
        (tmp_path, "is a directory"),
    ]
    for path, message in cases:
        result = runner.invoke(app, [
            "experiment", "report", "--data", str(path), "--arm", "segment", "--control", "No E-Mail",
            "--metric", "spend", "--out", str(tmp_path / "out"),
        ])
        assert result.exit_code == 2, (path, result.output)
        assert message in " ".join(result.output.split()), (path, result.output)


def test_csv_only_options_are_refused_with_experiment(tmp_path: Path) -> None:
    result = runner.invoke(app, ["experiment", "report", "--experiment", "x", "--metric", "spend"])
    assert result.exit_code == 2
    assert "--metric only apply with --data" in " ".join(result.output.split())


def test_window_days_must_be_positive(tmp_path: Path) -> None:
    result = runner.invoke(app, ["experiment", "report", "--experiment", "x", "--window-days", "-1"])
    assert result.exit_code == 2
    assert "--window-days must be > 0" in " ".join(result.output.split())


def test_a_binary_metrics_file_is_named(tmp_path: Path) -> None:
    data = _cut(tmp_path)
    spec = tmp_path / "metrics.yaml"
    spec.write_bytes(bytes(range(128, 256)))
    result = runner.invoke(app, ["experiment", "report", "--data", str(data), "--arm", "segment", "--control",
                                 "No E-Mail", "--metrics-file", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "cannot read metrics file" in result.output


def test_assign_names_bad_variants_without_a_traceback() -> None:
    cases = [
        (["exp1", "u1", "--variants", "a=0,b=0"], "positive sum"),
        (["exp1", "u1", "--variants", "a=1"], "at least two variants"),
        (["exp1", "u1", "--variants", "a=1,a=2"], "--variants names 'a' twice"),
        (["exp1", "u1", "--variants", "=1,b=1"], "--variants must look like"),
        (["", "u1"], "invalid experiment ''"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["experiment", "assign", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)


def test_power_refuses_a_non_positive_daily_rate() -> None:
    result = runner.invoke(app, ["experiment", "power", "--baseline", "0.1", "--mde", "0.05", "--daily-units", "0"])
    assert result.exit_code == 2
    assert "daily-units" in result.output
