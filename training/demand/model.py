"""The demand forecaster as an MLflow pyfunc: a long panel in, one row per series x period out.

Kept in its own small module because it is what a registered model unpickles:
it and the modules it imports (the forecaster, its features, metrics and panel
code, `omnicast.errors`) are all a loading process needs besides the pinned
third-party requirements. Nothing here may import settings, MLflow tracking,
plotting or another stage.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

from training.demand.forecaster import DemandForecaster


class DemandModel(PythonModel):
    """Pyfunc wrapper: its input is a panel (history, plus optional future rows with
    known-future columns and an empty target), because each forecast depends on the
    series' history and not on one row alone."""

    def __init__(self, forecaster: DemandForecaster) -> None:
        self.forecaster = forecaster

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self.forecaster.predict(model_input)
