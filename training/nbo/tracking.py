"""MLflow for next best offer: the `omnicast-nbo` experiment, the registered pyfunc, compiled champions.

Runs log parameters, metrics, plots (gain curve of the ranker, uplift/Qini
curves, feature importance) and the scorer as a portable pyfunc
(`training.nbo.model.NBOModel`, shipped with its own code via
`training.registry`). `promote` moves `champion` and compiles the champion's
ranker with lleaves into the data home when that gives identical predictions
(checked on the model's own validation rows); `load_champion` returns the
scorer with the compiled predictor installed when its cache matches.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from training import registry

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from omnicast.settings import Settings
    from training.nbo.model import NBOModel
    from training.nbo.scorer import NBOScorer

log = logging.getLogger(__name__)
EXPERIMENT = "omnicast-nbo"
MODEL_NAME = "omnicast-nbo"
FAMILY = "nbo"
REQUIREMENTS = ("lightgbm", "pandas", "numpy", "scipy", "scikit-learn")
CODE_ROOTS = ("training.nbo.model",)
TRAIN_HINT = f"run `omnicast train nbo` and `omnicast models promote {MODEL_NAME} VERSION`"


def configure(settings: Settings) -> str:
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


def log_model(model: NBOModel, sample: pd.DataFrame, register: bool, metadata: dict[str, Any]) -> registry.LoggedModel:
    from mlflow.models import infer_signature

    out = model.predict(None, sample)
    signature = infer_signature(sample, out)
    return registry.log_pyfunc(model, family=FAMILY, signature=signature, requirements=REQUIREMENTS,
                               code_roots=CODE_ROOTS, registered_name=MODEL_NAME if register else None,
                               metadata=metadata)


def load_model(settings: Settings, alias: str = registry.CHAMPION) -> NBOModel:
    from training.nbo.model import NBOModel

    registry.configure(settings)
    return registry.load_python_model(settings, MODEL_NAME, NBOModel, alias, hint=TRAIN_HINT)


def load_champion(settings: Settings, alias: str = registry.CHAMPION, compiled: bool = True) -> NBOScorer:
    """The champion's scorer, with its compiled ranker when the promotion built one."""
    model = load_model(settings, alias)
    scorer = model.scorer
    version = registry.alias_version(settings, MODEL_NAME, alias)
    scorer.version = version
    if compiled:
        from training.nbo.compiled import load_compiled, load_compiled_boosters

        where = settings.paths.compiled_models / f"{MODEL_NAME}-{version}"
        scorer.use_compiled(load_compiled(where, scorer.ranker))
        if scorer.uplift is not None and scorer.uplift.boosters_:
            scorer.uplift.compiled_ = load_compiled_boosters(where / "uplift", scorer.uplift.boosters_)
    return scorer


def promote(settings: Settings, version: str, alias: str = registry.CHAMPION, compile_model: bool = True) -> dict[str, Any]:
    """Move the alias, then compile the new champion's ranker (once, here, never per request)."""
    moved = registry.promote(settings, MODEL_NAME, version, alias)
    out: dict[str, Any] = {"promotion": moved, "compiled": None, "compiled_uplift": None}
    if compile_model:
        from training.nbo.compiled import compile_boosters, compile_ranker

        model = load_model(settings, alias)
        where = settings.paths.compiled_models / f"{MODEL_NAME}-{version}"
        out["compiled"] = compile_ranker(model.scorer.ranker, where, model.scorer.validation_rows)
        up = model.scorer.uplift
        if up is not None and up.boosters_ and model.scorer.uplift_rows is not None:
            rows = model.scorer.uplift_rows
            if up.learner == "s":
                rows = np.column_stack([rows, np.zeros(len(rows))])
            out["compiled_uplift"] = compile_boosters(up.boosters_, where / "uplift", rows)
    return out
