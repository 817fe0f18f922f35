"""The one shape every frequentist estimate takes: point, standard error, interval, p-value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error, a two-sided interval and p-value.

    Fields are numpy arrays: one entry per cell, or 0-d for a single comparison.
    """

    point: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_value: np.ndarray
    dof: np.ndarray


def t_interval(point: ArrayLike, se: ArrayLike, dof: ArrayLike, alpha: float) -> Estimate:
    """Two-sided Student-t interval and p-value for H0: effect = 0."""
    est, err, df = (np.asarray(v, dtype=float) for v in (point, se, dof))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = est / err
        half = stats.t.ppf(1 - alpha / 2, df) * err
        p = 2 * stats.t.sf(np.abs(tstat), df)
        return Estimate(est, err, est - half, est + half, p, df)
