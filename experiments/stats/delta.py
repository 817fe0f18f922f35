"""Delta-method variances: relative lift (b / a - 1) and ratio-of-sums metrics.

Relative lift: Var(mb/ma) ~ vb/(ma^2 nb) + va mb^2/(ma^4 na), with the Welch
degrees of freedom of the absolute difference, as gbstats does. Ratio metrics
(e.g. AOV = revenue / orders) are a ratio of two per-unit means; the delta
method turns the unit-level (numerator, denominator) pairs into one per-unit
variance so the ratio can be compared like any mean.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from experiments.stats.estimate import Estimate, t_interval
from experiments.stats.welch import welch_dof


def relative_lift(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    alpha: float = 0.05,
    base_a: ArrayLike | None = None,
    base_b: ArrayLike | None = None,
) -> Estimate:
    """(mean_b - mean_a) / base_a with a delta-method t interval.

    `base_a`/`base_b` are the unadjusted means when mean_a/mean_b are CUPED-adjusted
    (the lift is relative to what control really did); they default to the means.
    """
    ma, mb = np.asarray(mean_a, float), np.asarray(mean_b, float)
    ba = ma if base_a is None else np.asarray(base_a, float)
    bb = mb if base_b is None else np.asarray(base_b, float)
    va, vb, na, nb = (np.asarray(v, float) for v in (var_a, var_b, n_a, n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        point = (mb - ma) / ba
        var = vb / (ba**2 * nb) + va * bb**2 / (ba**4 * na)
    return t_interval(point, np.sqrt(var), welch_dof(var_a, n_a, var_b, n_b), alpha)


def ratio_moments(num: np.ndarray, den: np.ndarray) -> tuple[float, float, int]:
    """(ratio of sums, per-unit delta-method variance, units) for one arm.

    The variance returned is on the per-unit scale (divide by n for the variance
    of the ratio), matching gbstats' RatioStatistic.
    """
    num, den = np.asarray(num, float), np.asarray(den, float)
    n = num.size
    mu_n, mu_d = num.mean(), den.mean()
    if n < 2 or mu_d == 0:
        return (np.nan if mu_d == 0 else mu_n / mu_d), 0.0, n
    var_n, var_d = num.var(ddof=1), den.var(ddof=1)
    cov = np.cov(num, den, ddof=1)[0, 1]
    var = var_n / mu_d**2 - 2 * cov * mu_n / mu_d**3 + mu_n**2 * var_d / mu_d**4
    return mu_n / mu_d, float(var), n
