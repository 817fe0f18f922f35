"""The sample-size calculator agrees with statsmodels and with its own inverse."""

from __future__ import annotations

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experiments.stats.power import PowerInputError, detectable_effect, sample_size


def test_binary_sample_size_matches_statsmodels() -> None:
    plan = sample_size(0.10, 0.10)  # 10% -> 11%
    n = NormalIndPower().solve_power(proportion_effectsize(0.11, 0.10), alpha=0.05, power=0.8)
    assert plan.units_control == int(-(-n // 1)) and plan.units_total == 2 * plan.units_control
    assert 14000 < plan.units_control < 15500  # the textbook ~14.7k per arm


def test_continuous_size_and_detectable_effect_are_inverse() -> None:
    plan = sample_size(50.0, 0.05, sd=40.0)
    mde = detectable_effect(50.0, plan.units_control, sd=40.0)
    assert mde == pytest.approx(0.05, rel=0.01)
    cuped = sample_size(50.0, 0.05, sd=40.0, variance_reduction=0.5)
    assert cuped.units_control == pytest.approx(plan.units_control * 0.5, rel=0.01)


@pytest.mark.parametrize(("kwargs", "message"), [({"alpha": 1.5}, "alpha"), ({"baseline": 1.2}, "binary"), ({"sd": -1}, "standard deviation")])
def test_bad_plans_are_rejected(kwargs: dict, message: str) -> None:
    args = {"baseline": 0.1, "relative_mde": 0.1} | kwargs
    with pytest.raises(PowerInputError, match=message):
        sample_size(**args)
