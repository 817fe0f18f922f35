"""The one shape every frequentist estimate takes: point, standard error, interval, p-value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error, a two-sided interval and p-value.

    Fields may be numpy arrays (one entry per cell) or floats.
    """

    point: np.ndarray | float
    se: np.ndarray | float
    lower: np.ndarray | float
    upper: np.ndarray | float
    p_value: np.ndarray | float
    dof: np.ndarray | float


def t_interval(point: np.ndarray, se: np.ndarray, dof: np.ndarray, alpha: float) -> Estimate:
    """Two-sided Student-t interval and p-value for H0: effect = 0."""
    point, se, dof = (np.asarray(v, dtype=float) for v in (point, se, dof))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = point / se
        half = stats.t.ppf(1 - alpha / 2, dof) * se
        p = 2 * stats.t.sf(np.abs(tstat), dof)
        return Estimate(point, se, point - half, point + half, p, dof)
