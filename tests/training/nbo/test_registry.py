"""omnicast-nbo in MLflow: train/backtest commands, promotion compiles, and the model loads without the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from model_env import isolated_site
from typer.testing import CliRunner

from omnicast.cli import app
from training import registry
from training.nbo import tracking
from training.nbo.model import example_requests
from training.nbo.pipeline import online_rows

CHECKOUT = Path(__file__).resolve().parents[3]

LOAD_AND_SCORE = r"""
import importlib.util, json, site, sys
args = json.loads(sys.argv[1])
site.addsitedir(args["site"])
assert not [p for p in sys.path if p.startswith(args["checkout"])]
assert importlib.util.find_spec("omnicast") is None
import mlflow, pandas as pd
mlflow.set_tracking_uri(args["tracking_uri"])
model = mlflow.pyfunc.load_model(args["uri"])
model.predict(pd.read_parquet(args["requests"])).to_parquet(args["out"], index=False)
import training.nbo.scorer as scorer
print(json.dumps({"scorer_file": scorer.__file__,
                  "settings_importable": importlib.util.find_spec("omnicast.settings") is not None,
                  "feast_importable": importlib.util.find_spec("feast") is not None,
                  "family": model.metadata.metadata["family"]}))
"""


def test_trained_scorer_loads_in_a_fresh_process_with_only_its_requirements(tiny_settings, trained, tmp_path) -> None:
    assert trained.version is not None
    registry.promote(tiny_settings, tracking.MODEL_NAME, trained.version)
    import mlflow

    registry.configure(tiny_settings)
    local = Path(mlflow.artifacts.download_artifacts(registry.model_uri(tracking.MODEL_NAME), dst_path=str(tmp_path / "dl")))
    requirements = (local / "requirements.txt").read_text().split()
    assert {r.split("==")[0] for r in requirements} >= {"lightgbm", "numpy", "pandas", "scipy"}
    site = isolated_site(requirements, tmp_path / "site")
    now = trained.scorer.items.as_of + 11 * 3600
    requests = example_requests(trained.scorer, now, online_rows(tiny_settings, 4))
    requests.to_parquet(tmp_path / "req.parquet", index=False)
    args = {"site": str(site), "checkout": str(CHECKOUT), "tracking_uri": tiny_settings.tracking_uri,
            "uri": registry.model_uri(tracking.MODEL_NAME), "requests": str(tmp_path / "req.parquet"),
            "out": str(tmp_path / "out.parquet")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OMNICAST_", "VIRTUAL_ENV"))}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    done = subprocess.run([sys.executable, "-I", "-S", "-c", LOAD_AND_SCORE, json.dumps(args)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "/code/training/nbo/scorer.py" in report["scorer_file"]
    assert not report["settings_importable"] and not report["feast_importable"] and report["family"] == "nbo"
    fresh = pd.read_parquet(tmp_path / "out.parquet")
    here = trained.model.predict(None, requests)
    pd.testing.assert_frame_equal(fresh, here, check_dtype=False)
    assert len(fresh) > 0 and set(fresh["fulfilment"]) <= {"bopis_today", "bopis_next_window", "ship"}


def test_promotion_compiles_an_identical_ranker(tiny_settings, trained, tmp_path) -> None:
    done = tracking.promote(tiny_settings, trained.version or "")
    report = done["compiled"]
    assert report.max_abs_diff <= 1e-9
    scorer = tracking.load_champion(tiny_settings)
    assert scorer.version == trained.version
    rows = trained.scorer.validation_rows[:200]
    if report.used:
        assert scorer._ranker_predict is not None
        assert np.allclose(scorer._ranker_predict(rows), trained.scorer.ranker.score(rows), atol=1e-9, rtol=0)
    # a stale cache (another model's text) is never used
    meta = tiny_settings.paths.compiled_models / f"omnicast-nbo-{trained.version}" / "compiled.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "model_sha256": "0" * 64}))
    assert tracking.load_champion(tiny_settings)._ranker_predict is None


def test_train_and_backtest_commands(tiny_settings, tmp_path) -> None:
    home = tmp_path / "home"
    shutil.copytree(tiny_settings.paths.root, home, ignore=shutil.ignore_patterns("mlruns", "feast"))
    runner = CliRunner()
    args = ["--home", str(home)]
    res = runner.invoke(app, [*args, "backtest", "nbo", "--learners", "nope"])
    assert res.exit_code == 2 and "--learners 'nope'" in res.output
    res = runner.invoke(app, [*args, "backtest", "nbo", "--cutoffs", "2", "--max-customers", "200",
                              "--learners", "logit_t,t"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    for method in ("LightGBM lambdarank", "popularity", "item-item", "implicit ALS", "oracle (true value)"):
        assert method in out
    res = runner.invoke(app, [*args, "train", "nbo", "--cutoffs", "1", "--max-customers", "200", "--learners", "logit_t"])
    assert res.exit_code == 0, res.output
    assert "registered omnicast-nbo version 1" in res.output
    res = runner.invoke(app, [*args, "models", "promote", "omnicast-nbo", "1"])
    assert res.exit_code == 0 and "compiled ranker" in res.output, res.output
    ref = pd.read_parquet(home / "offline" / "identity_map.parquet")["customer_ref"].iloc[0]
    res = runner.invoke(app, [*args, "nbo", "recommend", ref, "--k", "2"])
    assert res.exit_code == 0 and "mode:" in res.output, res.output
    res = runner.invoke(app, [*args, "nbo", "recommend", "web:NOBODY"])
    assert res.exit_code == 2 and "no shopper" in res.output


def test_commands_name_missing_stages(tmp_path) -> None:
    res = CliRunner().invoke(app, ["--home", str(tmp_path / "empty"), "train", "nbo"])
    assert res.exit_code == 2 and "missing" in res.output


def test_compiled_uplift_boosters_are_identical(tmp_path) -> None:
    from training.nbo.compiled import compile_boosters, load_compiled_boosters
    from training.nbo.uplift import UpliftModel

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 5))
    arm = rng.integers(0, 3, 4000)
    y = (rng.random(4000) < 0.2 + 0.1 * (x[:, 0] > 0) * (arm == 1)).astype(float)
    model = UpliftModel(("a", "b"), "t", n_estimators=20).fit(x, arm, y)
    plain = model.predict_uplift(x[:50])
    report = compile_boosters(model.boosters_, tmp_path / "u", x[:200])
    assert report.max_abs_diff <= 1e-9
    model.compiled_ = load_compiled_boosters(tmp_path / "u", model.boosters_) if report.used else None
    assert np.allclose(model.predict_uplift(x[:50]), plain, atol=1e-9, rtol=0)
    other = UpliftModel(("a", "b"), "t", n_estimators=21).fit(x, arm, y)
    assert load_compiled_boosters(tmp_path / "u", other.boosters_) is None  # another model: not used
