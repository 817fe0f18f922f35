"""CUPED: remove the part of the outcome that pre-period covariates predict.

theta is the pooled regression coefficient of outcome on covariates over the
units being compared (gbstats' compute_theta for one covariate; least squares for
several). Because assignment is random, the covariates are balanced, so the
adjusted difference is unbiased and its variance shrinks by about 1 - R^2.
"""

from __future__ import annotations

import numpy as np


def theta(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Pooled coefficients of y on the columns of x (2-D, one row per unit)."""
    x = np.asarray(x, float).reshape(len(y), -1)
    if len(y) < 3:
        return np.zeros(x.shape[1])
    cov = np.cov(np.column_stack([x, y]), rowvar=False, ddof=1).reshape(x.shape[1] + 1, -1)
    sxx, sxy = cov[:-1, :-1], cov[:-1, -1]
    if not np.all(np.isfinite(sxx)) or np.linalg.matrix_rank(sxx) < sxx.shape[0]:
        return np.zeros(x.shape[1])
    return np.linalg.solve(sxx, sxy)


def adjust(y: np.ndarray, x: np.ndarray, coef: np.ndarray, center: np.ndarray) -> np.ndarray:
    """y - coef . (x - center); centering on the pooled mean keeps adjusted means interpretable."""
    x = np.asarray(x, float).reshape(len(y), -1)
    return np.asarray(np.asarray(y, float) - (x - center) @ coef)
