"""Demand forecasting: a global LightGBM forecaster, honest backtests and MLflow tracking.

`DemandForecaster` and `PanelSpec` load on first use, so importing a light module of
this package (tracking, the registry plumbing) does not import LightGBM and pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training.demand.forecaster import DemandForecaster
    from training.demand.panel import PanelSpec

__all__ = ["DemandForecaster", "PanelSpec"]


def __getattr__(name: str) -> Any:
    if name == "DemandForecaster":
        from training.demand.forecaster import DemandForecaster

        return DemandForecaster
    if name == "PanelSpec":
        from training.demand.panel import PanelSpec

        return PanelSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
