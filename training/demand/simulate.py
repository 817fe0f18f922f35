"""Simulated demand panels with a known true mean, for tests, examples and scaling runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.demand.panel import PanelSpec


def simulate_panel(n_series: int = 40, days: int = 400, seed: int = 0, stockouts: bool = False) -> pd.DataFrame:
    """Daily store x SKU panel: Poisson demand with level, weekly shape, promotions.

    The true mean `truth` is kept so tests can compare against the achievable floor.
    Series start at staggered dates (new SKUs); with `stockouts`, some days sell only
    a fraction of demand and carry `stockout=True`.
    """
    rng = np.random.default_rng(seed)
    sid = np.repeat(np.arange(n_series), days)
    day = np.tile(np.arange(days), n_series)
    level = rng.lognormal(0.5, 1.0, n_series)[sid]
    weekly = np.array([0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 0.8])
    shape = weekly[(day + 3) % 7]  # day 0 = 1970-01-01 is a Thursday
    promo = rng.random(len(sid)) < 0.08
    price = np.where(promo, 0.75, 1.0) * 10.0
    truth = level * shape * np.where(promo, 1.8, 1.0) * (1 + 0.3 * np.sin(2 * np.pi * day / 365))
    units = rng.poisson(truth).astype(float)
    stockout = np.zeros(len(sid), bool)
    if stockouts:
        stockout = rng.random(len(sid)) < 0.1
        units = np.where(stockout, np.floor(units * 0.3), units)
    starts = rng.integers(0, days // 3, n_series)
    keep = day >= starts[sid]
    frame = pd.DataFrame(
        {
            "store": (sid % 4).astype(str),
            "sku": sid.astype(str),
            "category": (sid % 3).astype(str),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
            "units": units,
            "price": price,
            "promo": promo.astype(float),
            "stockout": stockout,
            "truth": truth,
        }
    )
    return frame.loc[keep].reset_index(drop=True)


SIM_SPEC = PanelSpec(
    id_cols=("store", "sku"),
    time_col="date",
    target_col="units",
    freq="D",
    static_cols=("category",),
    future_cols=("price", "promo"),
)
"""How the columns of `simulate_panel` map onto a PanelSpec."""
