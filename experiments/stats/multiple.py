"""Holm's step-down correction across a declared family of comparisons."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests


def holm(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN and does not count as a comparison)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
