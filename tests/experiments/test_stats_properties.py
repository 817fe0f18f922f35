"""Properties of the estimators (hypothesis): invariances, symmetry, and agreement of the pieces."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from statsmodels.stats.multitest import multipletests

from experiments.stats import bayes, sequential
from experiments.stats.delta import ratio_moments, relative_lift
from experiments.stats.multiple import holm
from experiments.stats.welch import welch_diff

values = arrays(np.float64, st.integers(5, 60), elements=st.floats(-1e3, 1e3, allow_nan=False, width=32))


def _welch(a: np.ndarray, b: np.ndarray):
    return welch_diff(a.mean(), a.var(ddof=1), a.size, b.mean(), b.var(ddof=1), b.size)


def _spread(x: np.ndarray) -> bool:
    return x.std() > 1e-3 * (1 + np.abs(x).max())


@settings(max_examples=60, deadline=None)
@given(values, values, st.floats(-1e4, 1e4))
def test_shifting_all_outcomes_leaves_the_difference_unchanged(a, b, shift) -> None:
    if not (_spread(a) and _spread(b)):
        return
    e, f = _welch(a, b), _welch(a + shift, b + shift)
    scale = 1 + abs(shift) + np.abs(a).max() + np.abs(b).max()
    assert float(f.point) == pytest.approx(float(e.point), abs=1e-6 * scale)
    assert float(f.upper - f.lower) == pytest.approx(float(e.upper - e.lower), rel=1e-4, abs=1e-6 * scale)


@settings(max_examples=60, deadline=None)
@given(values, values, st.floats(0.01, 100))
def test_scaling_scales_the_interval_and_keeps_p(a, b, c) -> None:
    if not (_spread(a) and _spread(b)):
        return
    e, f = _welch(a, b), _welch(a * c, b * c)
    assert float(f.lower) == pytest.approx(float(e.lower) * c, rel=1e-6, abs=1e-9)
    assert float(f.p_value) == pytest.approx(float(e.p_value), rel=1e-6, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(values, values)
def test_swapping_arms_negates_the_effect_and_matches_scipy(a, b) -> None:
    if not (_spread(a) and _spread(b)):
        return
    e, f = _welch(a, b), _welch(b, a)
    assert float(f.point) == pytest.approx(-float(e.point))
    assert float(f.p_value) == pytest.approx(float(e.p_value), rel=1e-9)
    assert float(e.p_value) == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-6, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 1)))
def test_holm_nan_is_not_a_comparison(p) -> None:
    # statsmodels' multipletests runs gc.collect() per call, so it is compared on fixed cases below
    with_nan = np.append(p, np.nan)
    adj = holm(with_nan)
    assert np.isnan(adj[-1]) and adj[:-1] == pytest.approx(holm(p), abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 1)))
def test_holm_is_at_least_raw_at_most_one_and_keeps_order(p) -> None:
    adj = holm(p)
    assert np.all(adj >= p - 1e-15) and np.all(adj <= 1)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(0.01, 5))
def test_chance_to_win_flips_with_direction_and_losses_are_consistent(mu, sd) -> None:
    up = bayes.posterior(mu, sd)
    down = bayes.posterior(mu, sd, lower_is_better=True)
    assert float(up.chance_to_win) + float(down.chance_to_win) == pytest.approx(1)
    # E[max(D,0)] - E[max(-D,0)] = E[D]
    assert float(up.loss_if_keep) - float(up.loss_if_ship) == pytest.approx(mu, abs=1e-9 * (1 + abs(mu)))


@settings(max_examples=40, deadline=None)
@given(st.floats(-1, 1), st.floats(1e-4, 1.0), st.integers(20, 10**6))
def test_always_valid_interval_contains_the_fixed_one(point, variance, n) -> None:
    lo, hi = sequential.confidence_sequence(point, variance / n, n)
    z = stats.norm.ppf(0.975) * np.sqrt(variance / n)
    assert lo <= point - z + 1e-12 and hi >= point + z - 1e-12
    p = sequential.always_valid_p(point, variance / n, n)
    assert (p < 0.05) == (lo > 0 or hi < 0) or abs(p - 0.05) < 1e-6


def test_relative_lift_of_equal_means_is_zero_and_ratio_moments_match_numpy() -> None:
    e = relative_lift(2.0, 1.0, 100, 2.0, 1.0, 100)
    assert float(e.point) == 0 and float(e.lower) < 0 < float(e.upper)
    rng = np.random.default_rng(0)
    num, den = rng.gamma(2, 3, 500), rng.poisson(2, 500) + 1.0
    r, var, n = ratio_moments(num, den)
    assert r == pytest.approx(num.sum() / den.sum())
    # delta-method variance equals the variance of the linearised unit values
    lin = (num - r * den) / den.mean()
    assert var == pytest.approx(lin.var(ddof=1), rel=1e-9)


@pytest.mark.parametrize(
    "p",
    [[0.01, 0.04, 0.03, 0.005], [0.2, 0.2, 0.01, 0.5, 0.049], [0.5], [1e-12, 0.9, 1.0, 0.3, 0.3, 0.02, 0.0]],
)
def test_holm_equals_statsmodels(p: list[float]) -> None:
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)
