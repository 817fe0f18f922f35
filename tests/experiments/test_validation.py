"""Error rates at their nominal level (fast Monte Carlo here; bigger under -m slow and in the benchmark)."""

from __future__ import annotations

import pytest

from experiments import validation

# Relative-lift (delta-method) intervals on zero-heavy spend need a few hundred buyers per
# arm; at 2,000 units per arm (about 400 buyers) they are at nominal (see docs/EXPERIMENTS.md).
SIZES = {"binary": 400, "continuous": 2000}


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_aa_false_positive_rate_is_nominal(kind: str) -> None:
    for rate in validation.aa_false_positive_rate(2000, SIZES[kind], kind, seed=11):
        assert rate.within(4), rate


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_ab_intervals_cover_the_true_effect(kind: str) -> None:
    for rate in validation.ab_coverage(2000, SIZES[kind], kind, lift=0.1, seed=12):
        assert rate.within(4), rate


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_cuped_through_the_engine_covers_and_narrows(kind: str) -> None:
    (rate,) = validation.cuped_coverage(300, SIZES[kind], kind, lift=0.1, seed=14)
    assert rate.within(4), rate
    assert "shrink" in rate.name


def test_peeking_inflates_fixed_horizon_but_not_the_always_valid_sequence() -> None:
    fixed, always = validation.peeking(600, 1500, 50, "binary", seed=13)
    assert fixed.rate > 3 * fixed.nominal, fixed  # the problem is real: ~25-30% with 30 looks
    assert always.rate <= always.nominal + 3 * always.se, always


def test_rate_within_detects_a_biased_rate() -> None:
    biased = validation.Rate("x", 0.08, 0.004, 0.05, 3000)
    assert not biased.within(4)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_error_rates_large(kind: str) -> None:
    """20,000 tests per check. Welch and CUPED are at nominal within 4 Monte-Carlo s.e.

    The delta-method relative test is slightly liberal with ~40 conversions or ~400
    buyers per arm (5.4-5.7% false positives across seeds; docs/EXPERIMENTS.md), so it
    is held to a documented 1-point tolerance instead.
    """
    rates = (
        validation.aa_false_positive_rate(20000, SIZES[kind], kind, seed=21)
        + validation.ab_coverage(20000, SIZES[kind], kind, lift=0.1, seed=22)
        + validation.cuped_coverage(3000, SIZES[kind], kind, lift=0.1, seed=24)
    )
    for rate in rates:
        if "relative" in rate.name:
            assert abs(rate.rate - rate.nominal) < 0.01, rate
        else:
            assert rate.within(4), rate
    fixed, always = validation.peeking(4000, 3000, 50, kind, seed=23)
    assert fixed.rate > 0.2 and always.rate <= always.nominal + 3 * always.se
