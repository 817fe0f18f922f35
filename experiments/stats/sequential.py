"""Always-valid inference: an asymptotic confidence sequence (Waudby-Smith et al. 2023).

The interval is valid simultaneously at every sample size, so a result may be
looked at every day and stopped on without inflating false positives. Formulas
are gbstats' SequentialTwoSidedTTest (eqs. 9, 155 and 161 of arXiv:2103.06476v7):
`tuning` (N*) is the total sample size at which the sequence is tightest.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_TUNING = 5000.0


def rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Mixture width tuned so the sequence is tightest at `tuning` total units."""
    return float(np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning))


def confidence_sequence(
    point: ArrayLike, variance: ArrayLike, n_total: ArrayLike, alpha: float = 0.05, tuning: float = DEFAULT_TUNING
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of the always-valid interval for an estimate with `variance`."""
    est, var, n = (np.asarray(v, float) for v in (point, variance, n_total))
    r2 = rho(alpha, tuning) ** 2
    s2 = var * n
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.sqrt(s2) * np.sqrt(2 * (n * r2 + 1) * np.log(np.sqrt(n * r2 + 1) / alpha) / (n**2 * r2))
        return est - half, est + half


def always_valid_p(
    point: ArrayLike, variance: ArrayLike, n_total: ArrayLike, alpha: float = 0.05, tuning: float = DEFAULT_TUNING
) -> np.ndarray:
    """Always-valid p-value: 1 / e-value of the normal mixture, capped at 1."""
    est, var, n = (np.asarray(v, float) for v in (point, variance, n_total))
    r2 = rho(alpha, tuning) ** 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        st2 = est**2 * n / var
        tr2p1 = n * r2 + 1
        log_e = r2 * st2 / (2 * tr2p1) - 0.5 * np.log(tr2p1)
        return np.asarray(np.minimum(np.exp(-log_e), 1.0))
