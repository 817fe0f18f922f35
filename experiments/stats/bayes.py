"""Bayesian chance to beat control and expected loss under a Gaussian effect model.

As gbstats' EffectBayesianABTest: the effect estimate is treated as Normal with
its delta-method standard error; the default prior is flat (improper), in which
case the posterior is N(estimate, se^2). A proper Normal prior on the same scale
can be given to shrink noisy results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


@dataclass(frozen=True)
class Posterior:
    """Posterior of the effect, and what it means for the decision."""

    mean: np.ndarray | float
    sd: np.ndarray | float
    chance_to_win: np.ndarray | float
    loss_if_ship: np.ndarray | float  # expected shortfall if we ship the variant and it is worse
    loss_if_keep: np.ndarray | float  # expected gain forgone if we keep control and the variant is better
    lower: np.ndarray | float
    upper: np.ndarray | float


def _expected_shortfall(mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E[max(-D, 0)] for D ~ N(mu, sd^2): the mean loss on the side where D < 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = mu / sd
        return np.asarray(sd * stats.norm.pdf(z) - mu * stats.norm.cdf(-z))


def posterior(
    estimate: ArrayLike,
    se: ArrayLike,
    alpha: float = 0.05,
    lower_is_better: bool = False,
    prior_mean: float = 0.0,
    prior_variance: float | None = None,
) -> Posterior:
    """Posterior of the effect (on the estimate's scale), chance to win and expected losses."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _posterior(np.asarray(estimate, float), np.asarray(se, float), alpha, lower_is_better, prior_mean, prior_variance)


def _posterior(
    estimate: np.ndarray, se: np.ndarray, alpha: float, lower_is_better: bool, prior_mean: float, prior_variance: float | None
) -> Posterior:
    data_prec = 1 / se**2
    if prior_variance is None:
        mean, prec = estimate, data_prec
    else:
        prec = data_prec + 1 / prior_variance
        mean = (estimate * data_prec + prior_mean / prior_variance) / prec
    sd = np.sqrt(1 / prec)
    good = -mean if lower_is_better else mean
    lo, hi = stats.norm.ppf([alpha / 2, 1 - alpha / 2])
    return Posterior(
        mean=mean,
        sd=sd,
        chance_to_win=stats.norm.sf(0, good, sd),
        loss_if_ship=_expected_shortfall(good, sd),
        loss_if_keep=_expected_shortfall(-good, sd),
        lower=mean + lo * sd,
        upper=mean + hi * sd,
    )
