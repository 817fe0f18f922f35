"""Figures for MLflow runs and the demo: forecasts vs actuals, error by horizon, importance."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from training.demand.panel import PanelSpec  # noqa: E402


def sample_series(forecasts: pd.DataFrame, spec: PanelSpec, n: int = 6) -> list[tuple[object, ...]]:
    """The `n` series with the most volume in `forecasts`, spread over the volume ranking."""
    volume = forecasts.groupby(list(spec.id_cols), observed=True)["mean"].sum().sort_values(ascending=False)
    if volume.empty:
        return []
    step = max(1, len(volume) // n)
    picks = volume.index[::step][:n]
    return [p if isinstance(p, tuple) else (p,) for p in picks]


def forecast_figure(
    history: pd.DataFrame,
    forecasts: pd.DataFrame,
    spec: PanelSpec,
    series: Sequence[tuple[object, ...]],
    actual_col: str | None = None,
    lookback: int = 56,
) -> Figure:
    """One panel per series: recent history, the forecast mean and its 10-90% band,
    and the actuals over the forecast window when known (`actual_col`)."""
    n = max(1, len(series))
    fig, axes = plt.subplots(n, 1, figsize=(9, 2.2 * n), squeeze=False)
    ids = list(spec.id_cols)
    for ax, key in zip(axes[:, 0], series):
        h = history.loc[(history[ids] == list(key)).all(axis=1)].sort_values(spec.time_col).tail(lookback)
        f = forecasts.loc[(forecasts[ids] == list(key)).all(axis=1)].sort_values(spec.time_col)
        ax.plot(h[spec.time_col], h[spec.target_col], color="0.4", lw=1, label="history")
        if {"q0.1", "q0.9"} <= set(f.columns):
            ax.fill_between(f[spec.time_col], f["q0.1"], f["q0.9"], color="tab:blue", alpha=0.2, label="80% interval (q0.1-q0.9)")
        if "q0.5" in f.columns:
            ax.plot(f[spec.time_col], f["q0.5"], color="tab:blue", lw=1, ls=":", label="median")
        # For an intermittent series the mean can sit above q0.9 (zero on >90% of days): not a crossing.
        ax.plot(f[spec.time_col], f["mean"], color="tab:blue", lw=1.5, label="mean forecast")
        if actual_col and actual_col in f:
            ax.plot(f[spec.time_col], f[actual_col], color="black", lw=1, ls="--", label="actual")
        ax.set_title(" / ".join(map(str, key)), fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def horizon_figure(by_horizon: pd.DataFrame) -> Figure:
    """WAPE and interval coverage by forecast horizon."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(by_horizon["h"], by_horizon["wape"], marker="o", ms=3, label="WAPE")
    cov = [c for c in by_horizon.columns if c.startswith("coverage_")]
    if cov:
        ax.plot(by_horizon["h"], by_horizon[cov[0]], marker="s", ms=3, label=cov[0].replace("_", " ") + "%")
    ax.set_xlabel("horizon (periods ahead)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def importance_figure(importance: pd.Series, top: int = 20) -> Figure:
    imp = importance.head(top)[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(imp) + 1))
    ax.barh(imp.index.astype(str), imp.to_numpy(float))
    ax.set_xlabel("gain (mean model)")
    fig.tight_layout()
    return fig
