"""Sample-ratio mismatch: is the observed split consistent with the planned weights?

A broken split (a bug in assignment, logging or filtering) biases every other
number, so this runs first and blocks a verdict when it fails. Pearson's
chi-square goodness of fit, as gbstats' check_srm; the default threshold 0.001
is GrowthBook's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

SRM_THRESHOLD = 0.001


def srm_test(observed: Mapping[str, int], weights: Mapping[str, float]) -> tuple[float, float, dict[str, float]]:
    """(chi-square statistic, p-value, expected counts) for the observed arm sizes."""
    arms = list(weights)
    obs = np.array([observed.get(a, 0) for a in arms], dtype=float)
    w = np.array([weights[a] for a in arms], dtype=float)
    total = obs.sum()
    if total == 0 or len(arms) < 2:
        return 0.0, 1.0, {a: 0.0 for a in arms}
    expected = w / w.sum() * total
    chi2, p = stats.chisquare(obs, expected)
    return float(chi2), float(p), dict(zip(arms, expected.tolist()))
