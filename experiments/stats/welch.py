"""Absolute difference in means with Welch's unequal-variance t interval.

Same statistic as scipy.stats.ttest_ind(equal_var=False) and gbstats' TwoSidedTTest
with difference_type="absolute".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from experiments.stats.estimate import Estimate, t_interval


def welch_dof(var_a: ArrayLike, n_a: ArrayLike, var_b: ArrayLike, n_b: ArrayLike) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom."""
    va, vb = np.asarray(var_a, float) / np.asarray(n_a, float), np.asarray(var_b, float) / np.asarray(n_b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((va + vb) ** 2 / (va**2 / (np.asarray(n_a, float) - 1) + vb**2 / (np.asarray(n_b, float) - 1)))


def welch_diff(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    alpha: float = 0.05,
) -> Estimate:
    """Treatment (b) minus control (a), with a Welch t interval.

    Each input is a float or one value per cell (numpy array, pandas Series).
    """
    se = np.sqrt(np.asarray(var_a, float) / np.asarray(n_a, float) + np.asarray(var_b, float) / np.asarray(n_b, float))
    point = np.asarray(mean_b, dtype=float) - np.asarray(mean_a, dtype=float)
    return t_interval(point, se, welch_dof(var_a, n_a, var_b, n_b), alpha)
