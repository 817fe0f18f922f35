"""Absolute difference in means with Welch's unequal-variance t interval.

Same statistic as scipy.stats.ttest_ind(equal_var=False) and gbstats' TwoSidedTTest
with difference_type="absolute".
"""

from __future__ import annotations

import numpy as np

from experiments.stats.estimate import Estimate, t_interval


def welch_dof(var_a: np.ndarray, n_a: np.ndarray, var_b: np.ndarray, n_b: np.ndarray) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom."""
    va, vb = np.asarray(var_a) / n_a, np.asarray(var_b) / n_b
    with np.errstate(divide="ignore", invalid="ignore"):
        return (va + vb) ** 2 / (va**2 / (np.asarray(n_a) - 1) + vb**2 / (np.asarray(n_b) - 1))


def welch_diff(
    mean_a: np.ndarray,
    var_a: np.ndarray,
    n_a: np.ndarray,
    mean_b: np.ndarray,
    var_b: np.ndarray,
    n_b: np.ndarray,
    alpha: float = 0.05,
) -> Estimate:
    """Treatment (b) minus control (a), with a Welch t interval."""
    se = np.sqrt(np.asarray(var_a) / n_a + np.asarray(var_b) / n_b)
    point = np.asarray(mean_b, dtype=float) - mean_a
    return t_interval(point, se, welch_dof(var_a, n_a, var_b, n_b), alpha)
