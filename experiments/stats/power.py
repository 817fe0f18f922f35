"""Sample size and minimum detectable effect for planning a two-arm test.

Binary metrics use Cohen's h with statsmodels' NormalIndPower; continuous ones
use statsmodels' TTestIndPower on effect / sd. CUPED is planned for by shrinking
the variance by 1 - R^2 (the covariate's squared correlation with the outcome).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from omnicast.errors import OmnicastError


class PowerInputError(OmnicastError):
    """A planning input is out of range."""


@dataclass(frozen=True)
class PowerPlan:
    """The answer of the calculator, with its inputs for the record."""

    metric_kind: str
    baseline: float
    sd: float | None
    relative_mde: float
    absolute_mde: float
    alpha: float
    power: float
    ratio: float
    variance_reduction: float
    units_control: int
    units_treatment: int
    units_total: int

    def to_dict(self) -> dict:
        return asdict(self)


def _check(alpha: float, power: float, ratio: float, r2: float) -> None:
    if not 0 < alpha < 1:
        raise PowerInputError(f"alpha must be in (0, 1), got {alpha}")
    if not 0 < power < 1:
        raise PowerInputError(f"power must be in (0, 1), got {power}")
    if ratio <= 0:
        raise PowerInputError(f"ratio (treatment / control units) must be > 0, got {ratio}")
    if not 0 <= r2 < 1:
        raise PowerInputError(f"variance reduction (R^2) must be in [0, 1), got {r2}")


def sample_size(
    baseline: float,
    relative_mde: float,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    variance_reduction: float = 0.0,
) -> PowerPlan:
    """Units needed to detect a relative change of `relative_mde` from `baseline`.

    sd=None means a binary metric (baseline is a rate in (0, 1)).
    """
    _check(alpha, power, ratio, variance_reduction)
    if relative_mde == 0:
        raise PowerInputError("the minimum detectable effect must not be 0")
    absolute = baseline * relative_mde
    shrink = math.sqrt(1 - variance_reduction)
    if sd is None:
        if not 0 < baseline < 1 or not 0 < baseline + absolute < 1:
            raise PowerInputError(
                f"a binary metric needs baseline and baseline x (1 + mde) in (0, 1), got {baseline} and {baseline + absolute}"
            )
        effect = abs(proportion_effectsize(baseline + absolute, baseline)) / shrink
        n1 = NormalIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=ratio)
        kind = "binary"
    else:
        if sd <= 0:
            raise PowerInputError(f"the standard deviation must be > 0, got {sd}")
        effect = abs(absolute) / (sd * shrink)
        n1 = TTestIndPower().solve_power(effect_size=effect, alpha=alpha, power=power, ratio=ratio)
        kind = "continuous"
    n_control = int(math.ceil(float(np.squeeze(n1))))
    n_treat = int(math.ceil(n_control * ratio))
    return PowerPlan(kind, baseline, sd, relative_mde, absolute, alpha, power, ratio, variance_reduction,
                     n_control, n_treat, n_control + n_treat)


def detectable_effect(
    baseline: float,
    units_control: int,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    variance_reduction: float = 0.0,
) -> float:
    """Smallest relative change detectable with `units_control` control units (normal approximation)."""
    _check(alpha, power, ratio, variance_reduction)
    if units_control < 2:
        raise PowerInputError(f"need at least 2 control units, got {units_control}")
    from scipy import stats

    sd_unit = math.sqrt(baseline * (1 - baseline)) if sd is None else sd
    se = sd_unit * math.sqrt(1 - variance_reduction) * math.sqrt(1 / units_control + 1 / (units_control * ratio))
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * se / abs(baseline)) if baseline else float("inf")
