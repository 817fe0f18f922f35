"""Sample size and minimum detectable effect for planning a two-arm test.

Binary metrics use Cohen's h and the two-sided normal test; continuous ones the
two-sided pooled t test on effect / sd (the power functions of statsmodels'
NormalIndPower and TTestIndPower, with which the tests check agreement). CUPED
is planned for by shrinking the variance by 1 - R^2 (the covariate's squared
correlation with the outcome).

Written on scipy.special (normal and noncentral t distributions) and solved by
bisection rather than through statsmodels, whose import (pandas, scipy.stats,
scipy.optimize) costs several times the calculation: `omnicast experiment power`
answers in a fraction of a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from scipy import special

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

    def to_dict(self) -> dict[str, Any]:
        """The JSON edge (`omnicast experiment power` prints it)."""
        return asdict(self)


def cohens_h(p1: float, p2: float) -> float:
    """Effect size of two proportions on the arcsine scale (statsmodels' proportion_effectsize)."""
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def _effective_n(n_control: float, ratio: float) -> float:
    return 1.0 / (1.0 / n_control + 1.0 / (n_control * ratio))


def normal_power(effect: float, n_control: float, alpha: float, ratio: float = 1.0) -> float:
    """Power of the two-sided two-sample z test (as NormalIndPower.power)."""
    crit = float(special.ndtri(1 - alpha / 2))
    shift = effect * math.sqrt(_effective_n(n_control, ratio))
    return float(special.ndtr(shift - crit) + special.ndtr(-crit - shift))


def t_power(effect: float, n_control: float, alpha: float, ratio: float = 1.0) -> float:
    """Power of the two-sided pooled two-sample t test (as TTestIndPower.power)."""
    df = n_control * (1 + ratio) - 2
    crit = float(special.stdtrit(df, 1 - alpha / 2))
    nc = effect * math.sqrt(_effective_n(n_control, ratio))
    lower = float(special.nctdtr(df, nc, -crit))  # the wrong-sign tail: NaN when it underflows
    return float(1 - special.nctdtr(df, nc, crit)) + (0.0 if math.isnan(lower) else lower)


def solve_n_control(power_of: Callable[[float], float], target: float, low: float = 1.5) -> float:
    """The control-arm size at which the (increasing) power function reaches `target`, by bisection."""
    high = max(2 * low, 4.0)
    while power_of(high) < target:
        low, high = high, high * 2
        if high > 1e15:
            raise PowerInputError("the effect is too small to detect with any feasible sample")
    while high - low > 1e-10 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if power_of(mid) < target else (low, mid)
    return high


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
        effect = abs(cohens_h(baseline + absolute, baseline)) / shrink
        n1 = solve_n_control(lambda n: normal_power(effect, n, alpha, ratio), power)
        kind = "binary"
    else:
        if sd <= 0:
            raise PowerInputError(f"the standard deviation must be > 0, got {sd}")
        effect = abs(absolute) / (sd * shrink)
        # the t test needs df = n (1 + ratio) - 2 > 0
        n1 = solve_n_control(lambda n: t_power(effect, n, alpha, ratio), power, low=2.0 / (1 + ratio) + 1e-9)
        kind = "continuous"
    n_control = int(math.ceil(n1))
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
    sd_unit = math.sqrt(baseline * (1 - baseline)) if sd is None else sd
    se = sd_unit * math.sqrt(1 - variance_reduction) * math.sqrt(1 / units_control + 1 / (units_control * ratio))
    z = float(special.ndtri(1 - alpha / 2) + special.ndtri(power))
    return float(z * se / abs(baseline)) if baseline else float("inf")
