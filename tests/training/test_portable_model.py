"""A registered demand model loads and predicts without the checkout: only its requirements and its own code.

The fresh process is started with `python -I -S` (no site-packages, no
PYTHONPATH, no current folder) and given one site directory holding exactly the
distributions of the model's logged requirements.txt and their dependencies.
Omnicast is not on that path: the model must bring the code it unpickles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from model_env import isolated_site

from omnicast.settings import load_settings
from training import registry
from training.demand import tracking
from training.demand.pipeline import train_demand
from training.demand.simulate import SIM_SPEC, simulate_panel

CHECKOUT = Path(__file__).resolve().parents[2]

LOAD_AND_PREDICT = r"""
import importlib.util, json, site, sys
args = json.loads(sys.argv[1])
site.addsitedir(args["site"])
leaks = [p for p in sys.path if p.startswith(args["checkout"])]
assert not leaks, leaks
assert importlib.util.find_spec("omnicast") is None, "Omnicast importable before the model is loaded"

import mlflow
import pandas as pd

mlflow.set_tracking_uri(args["tracking_uri"])
model = mlflow.pyfunc.load_model(args["uri"])
panel = pd.read_parquet(args["panel"])
model.predict(panel).to_parquet(args["out"], index=False)

import training.demand.forecaster as forecaster
print(json.dumps({
    "forecaster_file": forecaster.__file__,
    "settings_importable": importlib.util.find_spec("omnicast.settings") is not None,
    "features_importable": importlib.util.find_spec("features") is not None,
    "typer_importable": importlib.util.find_spec("typer") is not None,
    "feast_importable": importlib.util.find_spec("feast") is not None,
    "metadata": model.metadata.metadata,
}))
"""


def test_registered_demand_model_loads_with_only_its_requirements(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    panel = simulate_panel(n_series=5, days=140, seed=8)
    trained = train_demand(settings, panel, SIM_SPEC, "sim", horizon=7, n_estimators=15, quantile_estimators=8)
    registry.promote(settings, tracking.MODEL_NAME, trained.version or "")

    import mlflow

    registry.configure(settings)
    local = Path(mlflow.artifacts.download_artifacts(registry.model_uri(tracking.MODEL_NAME), dst_path=str(tmp_path / "dl")))
    requirements = (local / "requirements.txt").read_text().split()
    assert {r.split("==")[0] for r in requirements} >= {"mlflow", "lightgbm", "pandas", "numpy", "scikit-learn"}
    assert all("==" in r for r in requirements), requirements  # pinned to what it was trained with
    assert not (local / "uv.lock").exists()  # the environment is requirements.txt, not the project's lock

    site = isolated_site(requirements, tmp_path / "site")
    inputs = panel[SIM_SPEC.columns]
    inputs.to_parquet(tmp_path / "panel.parquet", index=False)
    args = {
        "site": str(site),
        "checkout": str(CHECKOUT),
        "tracking_uri": settings.tracking_uri,
        "uri": registry.model_uri(tracking.MODEL_NAME),
        "panel": str(tmp_path / "panel.parquet"),
        "out": str(tmp_path / "fc.parquet"),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OMNICAST_", "VIRTUAL_ENV"))}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LOAD_AND_PREDICT, json.dumps(args)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    # the model's own shipped code ran, and nothing else of Omnicast was there
    assert not report["forecaster_file"].startswith(str(CHECKOUT)), report["forecaster_file"]
    assert "/code/training/demand/forecaster.py" in report["forecaster_file"]
    assert not report["settings_importable"] and not report["features_importable"]
    assert not report["typer_importable"] and not report["feast_importable"]
    assert report["metadata"]["family"] == "demand" and report["metadata"]["horizon"] == 7

    # and it forecasts exactly what the fitted model forecasts in this process
    fresh = pd.read_parquet(tmp_path / "fc.parquet")
    pd.testing.assert_frame_equal(fresh, trained.model.predict(inputs), check_dtype=False)


@pytest.mark.parametrize("root", ["training.demand.model"])
def test_code_closure_is_the_model_and_what_it_imports(root: str) -> None:
    modules = registry.code_closure(root)
    assert "training.demand.forecaster" in modules and "omnicast.errors" in modules
    # nothing that pulls settings, tracking, plotting or another stage
    for heavy in ("omnicast.settings", "training.demand.tracking", "training.demand.plots", "training.registry"):
        assert heavy not in modules
    assert not [m for m in modules if m.split(".")[0] in {"features", "experiments", "serving", "monitoring"}]
