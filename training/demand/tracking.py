"""MLflow for the demand forecaster: runs, the pyfunc model, the registry and its alias.

Kept apart from the forecaster so that it stays a plain estimator. The logged
model is an `mlflow.pyfunc` wrapper: its input is a long panel (history, plus
optional rows with known-future columns and an empty target), its output one
row per series x forecast period with the mean and quantiles, because the
features depend on each series' history and not on one row alone.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from matplotlib.figure import Figure
from mlflow import MlflowClient
from mlflow.models import infer_signature

from omnicast.errors import OmnicastError
from omnicast.settings import Settings
from training.demand.forecaster import DemandForecaster

EXPERIMENT = "omnicast-demand"
MODEL_NAME = "omnicast-demand"
CHAMPION = "champion"


class RegistryError(OmnicastError):
    """A registered model or version asked for does not exist."""


class DemandModel(mlflow.pyfunc.PythonModel):
    """Pyfunc wrapper: panel in, forecasts out."""

    def __init__(self, forecaster: DemandForecaster) -> None:
        self.forecaster = forecaster

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.forecaster.predict(model_input)


def configure(settings: Settings) -> str:
    """Point MLflow at the settings' tracking store; returns the experiment id."""
    settings.paths.mlruns.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    found = mlflow.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        mlflow.set_experiment(EXPERIMENT)
        return found.experiment_id
    # the embedded default keeps artifacts in the data home; a configured tracking
    # server decides its own artifact store
    artifacts = None if settings.mlflow_tracking_uri else settings.paths.mlflow_artifacts.resolve().as_uri()
    experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=artifacts)
    mlflow.set_experiment(EXPERIMENT)
    return experiment_id


def log_figures(figures: dict[str, Figure]) -> None:
    import matplotlib.pyplot as plt

    for name, fig in figures.items():
        mlflow.log_figure(fig, f"plots/{name}.png")
        plt.close(fig)


def log_frames(frames: dict[str, pd.DataFrame]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in frames.items():
            path = Path(tmp) / f"{name}.csv"
            frame.to_csv(path, index=False)
            mlflow.log_artifact(str(path), artifact_path="tables")


def log_model(forecaster: DemandForecaster, sample_panel: pd.DataFrame, register: bool = True) -> str | None:
    """Log the forecaster as a pyfunc with a signature; returns the registered version."""
    sample_out = forecaster.predict(sample_panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # integer-column and input-example hints
        signature = infer_signature(sample_panel, sample_out)
        info = _log_pyfunc(forecaster, signature, register)
    version = getattr(info, "registered_model_version", None)
    return str(version) if version is not None else None


def _log_pyfunc(forecaster: DemandForecaster, signature: Any, register: bool) -> Any:
    import lightgbm
    import numpy
    import sklearn

    return mlflow.pyfunc.log_model(
        name="model",
        python_model=DemandModel(forecaster),
        signature=signature,
        registered_model_name=MODEL_NAME if register else None,
        pip_requirements=[
            f"lightgbm=={lightgbm.__version__}",
            f"pandas=={pd.__version__}",
            f"numpy=={numpy.__version__}",
            f"scikit-learn=={sklearn.__version__}",
        ],
    )


def promote(settings: Settings, version: str, name: str = MODEL_NAME, alias: str = CHAMPION) -> dict[str, str]:
    """Move `alias` to `version` of `name`; returns the previous and new version."""
    configure(settings)
    client = MlflowClient()
    try:
        client.get_registered_model(name)
    except mlflow.exceptions.MlflowException:
        names = sorted(m.name for m in client.search_registered_models())
        raise RegistryError(f"no registered model named {name!r}; registered: {names or 'none'}") from None
    try:
        client.get_model_version(name, str(version))
    except mlflow.exceptions.MlflowException:
        known = [v.version for v in client.search_model_versions(f"name = '{name}'")]
        raise RegistryError(f"{name} has no version {version}; versions: {sorted(known, key=int) or 'none'}") from None
    previous = champion_version(client, name, alias)
    try:
        client.set_registered_model_alias(name, alias, str(version))
    except mlflow.exceptions.MlflowException as exc:  # empty, 'latest', 'v<N>' ... are reserved
        raise RegistryError(f"--alias {alias!r} is not a valid MLflow alias: {exc.message}") from None
    return {"model": name, "alias": alias, "previous": previous or "-", "version": str(version)}


def champion_version(client: MlflowClient, name: str = MODEL_NAME, alias: str = CHAMPION) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except mlflow.exceptions.MlflowException:
        return None


def list_models(settings: Settings) -> list[dict[str, str]]:
    """Every registered version with its aliases, run and headline metrics."""
    configure(settings)
    client = MlflowClient()
    rows = []
    for model in client.search_registered_models():
        found = client.search_model_versions(f"name = '{model.name}'")
        for v in sorted((client.get_model_version(model.name, f.version) for f in found), key=lambda v: int(v.version)):
            metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
            rows.append(
                {
                    "model": model.name,
                    "version": str(v.version),
                    "aliases": ",".join(v.aliases),
                    "run": (v.run_id or "")[:8],
                    "created": pd.Timestamp(v.creation_timestamp, unit="ms").strftime("%Y-%m-%d %H:%M"),
                    "metrics": ", ".join(f"{k}={metrics[k]:.3g}" for k in sorted(metrics)[:3]),
                }
            )
    return rows


def load_champion(settings: Settings, name: str = MODEL_NAME, alias: str = CHAMPION) -> DemandForecaster:
    """The forecaster behind `models:/name@alias`."""
    configure(settings)
    if champion_version(MlflowClient(), name, alias) is None:
        raise RegistryError(
            f"{name} has no '{alias}' alias yet: run `omnicast train demand` and "
            f"`omnicast models promote {name} VERSION`"
        )
    model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    return model.unwrap_python_model().forecaster
