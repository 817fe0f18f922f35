"""Holm's step-down correction across a declared family of comparisons.

Written out in numpy rather than calling statsmodels' multipletests, which runs
gc.collect() on every call (~75 ms; it dominated segment analysis). Tests pin
equality with statsmodels.
"""

from __future__ import annotations

import numpy as np


def holm(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN and does not count as a comparison)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:
        order = ok[np.argsort(p[ok], kind="stable")]
        m = order.size
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(stepped, 1.0)
    return out
