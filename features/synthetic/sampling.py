"""Vectorised weighted sampling shared by the generator's components."""

from __future__ import annotations

import numpy as np


def weighted_choice(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` indices drawn with probability proportional to `weights` (with replacement)."""
    cdf = np.cumsum(weights, dtype=np.float64)
    if size == 0 or cdf[-1] <= 0:
        return np.zeros(size, dtype=np.int64)
    idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


def row_choice(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row of a (n, k) weight matrix."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return np.minimum((u[:, None] >= cdf).sum(axis=1), weights.shape[1] - 1)


def skus_by_preference(category_pref: np.ndarray, sku_category: np.ndarray, sku_weight: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """A SKU per row: category by that row's preference vector, SKU by `sku_weight` within it."""
    n_cat = category_pref.shape[1]
    present = np.bincount(sku_category, minlength=n_cat) > 0
    cat = row_choice(category_pref * present[None, :], rng)
    out = np.empty(len(category_pref), dtype=np.int64)
    for c in np.flatnonzero(present):
        rows = np.flatnonzero(cat == c)
        skus = np.flatnonzero(sku_category == c)
        out[rows] = skus[weighted_choice(sku_weight[skus], rows.size, rng)]
    return out
