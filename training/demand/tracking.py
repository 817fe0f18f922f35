"""MLflow for the demand forecaster: its experiment, the logged pyfunc and the registry entries.

Kept apart from the forecaster so that it stays a plain estimator; the generic
plumbing (portable models, aliases, loading) is `training.registry`, shared with
the other model families. The logged model carries its code and pinned
requirements, and its MLmodel metadata says what a server needs without
unpickling it: the panel spec (columns and their roles), horizon, quantiles and
output columns.

Importing this module is cheap: MLflow and matplotlib load when a function needs them.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training import registry
from training.registry import CHAMPION, RegistryError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from omnicast.settings import Settings
    from training.demand.forecaster import DemandForecaster

EXPERIMENT = "omnicast-demand"
MODEL_NAME = "omnicast-demand"
FAMILY = "demand"
# third-party distributions the pickled forecaster needs (MLflow adds itself and cloudpickle)
REQUIREMENTS = ("lightgbm", "pandas", "numpy", "scikit-learn")
# what the pickled model refers to; registry.code_closure adds what these import
CODE_ROOTS = ("training.demand.model",)
TRAIN_HINT = f"run `omnicast train demand` and `omnicast models promote {MODEL_NAME} VERSION`"

__all__ = ["CHAMPION", "EXPERIMENT", "MODEL_NAME", "RegistryError", "configure", "load_champion", "log_model"]


def configure(settings: Settings) -> str:
    """Point MLflow at the settings' tracking store and the demand experiment; returns its id."""
    return registry.use_experiment(settings, EXPERIMENT)


def log_figures(figures: dict[str, Figure]) -> None:
    import matplotlib.pyplot as plt
    import mlflow

    for name, fig in figures.items():
        mlflow.log_figure(fig, f"plots/{name}.png")
        plt.close(fig)


def log_frames(frames: dict[str, pd.DataFrame]) -> None:
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in frames.items():
            path = Path(tmp) / f"{name}.csv"
            frame.to_csv(path, index=False)
            mlflow.log_artifact(str(path), artifact_path="tables")


def model_metadata(forecaster: DemandForecaster) -> dict[str, Any]:
    """What a consumer of the registered model needs to build its input and read its output."""
    from training.demand.metrics import quantile_column

    spec = forecaster.spec
    return {
        "panel_spec": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(spec).items()},
        "horizon": int(forecaster.horizon),
        "quantiles": [float(q) for q in forecaster.quantiles],
        "output_columns": [*spec.id_cols, spec.time_col, "h", "mean", *(quantile_column(q) for q in sorted(forecaster.quantiles))],
    }


def log_model(
    forecaster: DemandForecaster, sample_panel: pd.DataFrame, register: bool = True
) -> registry.LoggedModel:
    """Log the forecaster as a portable pyfunc with a signature (and register it) in the active run."""
    from mlflow.models import infer_signature

    from training.demand.model import DemandModel

    sample_out = forecaster.predict(sample_panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # integer-column hints
        signature = infer_signature(sample_panel, sample_out)
    return registry.log_pyfunc(
        DemandModel(forecaster),
        family=FAMILY,
        signature=signature,
        requirements=REQUIREMENTS,
        code_roots=CODE_ROOTS,
        registered_name=MODEL_NAME if register else None,
        metadata=model_metadata(forecaster),
    )


def load_champion(settings: Settings, name: str = MODEL_NAME, alias: str = CHAMPION) -> DemandForecaster:
    """The forecaster behind `models:/name@alias`."""
    from training.demand.model import DemandModel

    registry.configure(settings)
    return registry.load_python_model(settings, name, DemandModel, alias, hint=TRAIN_HINT).forecaster


def __getattr__(name: str) -> Any:
    """Versions logged before the wrapper moved to training.demand.model unpickle `tracking.DemandModel`."""
    if name == "DemandModel":
        from training.demand.model import DemandModel

        return DemandModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
