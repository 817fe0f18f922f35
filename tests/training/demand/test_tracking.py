"""MLflow round trip in a tmp tracking dir: train -> register -> promote -> load champion -> forecast."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from omnicast.cli import app
from omnicast.settings import load_settings
from training import registry
from training.demand import tracking
from training.demand.pipeline import train_demand
from training.demand.simulate import SIM_SPEC, simulate_panel

MODEL = tracking.MODEL_NAME
WEEKLY = Path(__file__).resolve().parents[2] / "fixtures" / "online_retail_weekly.parquet"


@pytest.fixture()
def settings(tmp_path: Path):
    return load_settings(home=tmp_path / "home")


def test_register_promote_and_load_champion(settings) -> None:
    panel = simulate_panel(n_series=6, days=150, seed=4)
    small = {"horizon": 7, "n_estimators": 20, "quantile_estimators": 10}
    first = train_demand(settings, panel, SIM_SPEC, "sim", **small)
    second = train_demand(settings, panel, SIM_SPEC, "sim", **{**small, "n_estimators": 30})
    assert (first.version, second.version) == ("1", "2")
    with pytest.raises(registry.RegistryError, match="champion"):
        tracking.load_champion(settings)
    assert registry.promote(settings, MODEL, "2").previous is None
    moved = registry.promote(settings, MODEL, "1")
    assert (moved.previous, moved.version) == ("2", "1")
    champion = tracking.load_champion(settings)
    expected = first.model.predict(panel)
    pd.testing.assert_frame_equal(champion.predict(panel), expected)
    with pytest.raises(registry.RegistryError, match="no version 9"):
        registry.promote(settings, MODEL, "9")
    with pytest.raises(registry.RegistryError, match="no registered model named 'nosuch'.*omnicast-demand"):
        registry.promote(settings, "nosuch", "1")
    with pytest.raises(registry.RegistryError, match="'' is not a valid MLflow alias"):
        registry.promote(settings, MODEL, "1", alias="")
    versions = registry.list_versions(settings)
    assert [(v.version, v.aliases) for v in versions] == [("1", ("champion",)), ("2", ())]
    assert versions[0].tags["family"] == "demand" and len(versions[0].tags["code_sha256"]) == 64
    assert versions[0].metrics["series"] == 6

    # the pyfunc itself: signature over the panel columns, forecasts with quantiles
    import mlflow

    model = mlflow.pyfunc.load_model(f"models:/{tracking.MODEL_NAME}@champion")
    inputs = [c.name for c in model.metadata.get_input_schema().inputs]
    assert sorted(inputs) == sorted(SIM_SPEC.columns)  # exactly what the model reads: no truth column
    outputs = [c.name for c in model.metadata.get_output_schema().inputs]
    assert outputs == model.metadata.metadata["output_columns"]
    assert {"mean", "q0.1", "q0.5", "q0.9", "h"} <= set(outputs)
    assert model.metadata.metadata["panel_spec"]["id_cols"] == list(SIM_SPEC.id_cols)
    assert model.metadata.metadata["horizon"] == 7
    fc = model.predict(panel[inputs])
    assert len(fc) == 6 * 7 and (fc["q0.1"] <= fc["q0.9"]).all()


@pytest.mark.slow
def test_cli_on_a_real_weekly_panel(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    panel_args = ["--panel", str(WEEKLY), "--id", "sku", "--time", "week", "--freq", "W", "--horizon", "4"]
    res = runner.invoke(app, [*home, "backtest", "demand", "--folds", "2", *panel_args])
    assert res.exit_code == 0, res.output
    assert "wape" in res.output and "coverage_80" in res.output
    res = runner.invoke(app, [*home, "train", "demand", *panel_args])
    assert res.exit_code == 0, res.output
    assert "registered omnicast-demand version 1" in res.output
    assert runner.invoke(app, [*home, "models", "promote", "omnicast-demand", "1"]).exit_code == 0
    out = tmp_path / "fc.parquet"
    res = runner.invoke(app, [*home, "forecast", "demand", "--panel", str(WEEKLY), "--out", str(out)])
    assert res.exit_code == 0, res.output
    fc = pd.read_parquet(out)
    weekly = pd.read_parquet(WEEKLY)
    assert fc["sku"].nunique() == weekly["sku"].nunique()
    assert sorted(fc["h"].unique()) == [1, 2, 3, 4]
    assert fc["week"].min() == weekly["week"].max() + pd.Timedelta(weeks=1)


def test_cli_names_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    res = runner.invoke(app, [*home, "train", "demand", "--panel", str(WEEKLY), "--id", "sku", "--time", "week", "--freq", "Q"])
    assert res.exit_code == 2 and "freq" in res.output
    res = runner.invoke(app, [*home, "train", "demand", "--panel", str(WEEKLY), "--id", "store", "--time", "week", "--freq", "W"])
    assert res.exit_code == 2 and "store" in res.output
    res = runner.invoke(app, [*home, "forecast", "demand"])
    assert res.exit_code == 2 and "champion" in res.output
    for out in (tmp_path, tmp_path / "fc.csv"):  # checked before any model is loaded
        res = runner.invoke(app, [*home, "forecast", "demand", "--out", str(out)])
        assert res.exit_code == 2 and "must be a .parquet file name" in " ".join(res.output.split())
    res = runner.invoke(app, [*home, "models", "promote", "omnicast-demand", "3"])
    assert res.exit_code == 2 and "no registered model named 'omnicast-demand'" in res.output


def test_cli_names_unreadable_and_empty_panels(tmp_path: Path) -> None:
    runner = CliRunner()
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    empty = tmp_path / "empty.csv"
    empty.write_text("sku,week,units\n")
    cases = [(garbage, "cannot be read as csv"), (empty, "no rows"), (tmp_path, "is a directory")]
    for path, message in cases:
        args = ["--home", str(tmp_path / "h"), "backtest", "demand", "--panel", str(path)]
        res = runner.invoke(app, [*args, "--id", "sku", "--time", "week", "--freq", "W"])
        assert res.exit_code == 2 and message in res.output, (path, res.output)


def test_backtest_checks_model_options_before_any_fold(tmp_path: Path) -> None:
    args = ["--home", str(tmp_path / "h"), "backtest", "demand", "--panel", str(WEEKLY), "--id", "sku",
            "--time", "week", "--freq", "W"]
    for option, message in ((["--objective", "nope"], "objective must be"), (["--horizon", "0"], "horizon must be"),
                            (["--folds", "40"], "need more than")):
        res = CliRunner().invoke(app, [*args, *option])
        assert res.exit_code == 2 and message in res.output, res.output
        assert "backtest folds" not in res.output  # no progress bar was started


def test_models_list_fits_the_terminal_and_never_cuts_an_identifier(settings, tmp_path: Path) -> None:
    import os
    import re
    import subprocess
    import sys

    panel = simulate_panel(n_series=3, days=120, seed=1)
    train_demand(settings, panel, SIM_SPEC, "sim", horizon=7, n_estimators=10, quantile_estimators=5)
    for columns in (80, 40):  # a real terminal of that width (TTY_COMPATIBLE makes rich treat the pipe as one)
        env = {**os.environ, "TTY_COMPATIBLE": "1", "COLUMNS": str(columns), "NO_COLOR": "1",
               "OMNICAST_HOME": str(settings.home)}
        done = subprocess.run([sys.executable, "-m", "omnicast.cli", "models", "list"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in done.stdout.splitlines()]
        assert any(re.search(r"omnicast-demand(\s+│\s+| v)1\b", line) for line in lines), lines
        assert not any("…" in line for line in lines)
        if columns == 80:
            assert max(len(line) for line in lines if line.startswith(("┏", "│", "└"))) <= 80
        assert f"tracking store: {settings.tracking_uri}" in lines
