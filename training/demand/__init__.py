"""Demand forecasting: a global LightGBM forecaster, honest backtests and MLflow tracking."""

from training.demand.forecaster import DemandForecaster
from training.demand.panel import PanelSpec

__all__ = ["DemandForecaster", "PanelSpec"]
