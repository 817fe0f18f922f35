"""Run a metric family over a per-unit table: SRM first, then every comparison, then the verdict.

Input is one row per randomization unit with an arm column, metric columns,
optional pre-period covariates (CUPED) and optional segment columns. Output is a
typed, JSON-serialisable `ExperimentResult` that the report renders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from experiments.metrics import MetricSpec, check_metrics
from experiments.stats import bayes, cuped, sequential
from experiments.stats.delta import ratio_moments, relative_lift
from experiments.stats.estimate import Estimate
from experiments.stats.multiple import holm
from experiments.stats.power import detectable_effect
from experiments.stats.srm import SRM_THRESHOLD, srm_test
from experiments.stats.welch import welch_diff
from omnicast.errors import OmnicastError
from omnicast.progress import track

MIN_SEGMENT_UNITS = 100  # per arm; smaller cells are listed as skipped, not analysed


class ExperimentDataError(OmnicastError):
    """The per-unit data cannot be analysed as declared (missing arm, column, covariate)."""


class AnalysisConfig(BaseModel):
    """How to analyse: error rate, covariates, segments, planned split, decision rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alpha: float = Field(0.05, gt=0, lt=0.5)
    covariates: list[str] = Field(default_factory=list)
    segments: list[str] = Field(default_factory=list)
    weights: dict[str, float] | None = None  # planned traffic share per arm; None = equal
    srm_threshold: float = SRM_THRESHOLD
    sequential_tuning: float = Field(sequential.DEFAULT_TUNING, gt=0)
    prior_variance: float | None = Field(None, gt=0)  # proper N(0, v) prior on relative lift
    decide_with: Literal["fixed", "sequential"] = "fixed"

    @property
    def level(self) -> str:
        """The intervals' confidence level as the report writes it: alpha 0.05 -> '95%'."""
        return confidence_label(self.alpha)

    @field_validator("weights")
    @classmethod
    def _positive_weights(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None and any(w <= 0 for w in v.values()):
            raise ValueError(f"planned weights must be > 0, got {v}")
        return v

    @classmethod
    def build(cls, **values: object) -> AnalysisConfig:
        """Construct, turning pydantic's errors into one readable OmnicastError."""
        from pydantic import ValidationError

        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ExperimentDataError(f"invalid analysis settings: {problems}") from None


class Interval(BaseModel):
    estimate: float
    lower: float
    upper: float
    p_value: float | None = None


class Comparison(BaseModel):
    """One variant against control on one metric, overall or within one segment."""

    metric: str
    variant: str
    segment: str | None = None
    segment_value: str | None = None
    n_control: int
    n_variant: int
    mean_control: float
    mean_variant: float
    absolute: Interval
    relative: Interval
    cuped_absolute: Interval | None = None
    cuped_relative: Interval | None = None
    cuped_shrink: float | None = None  # 1 - CUPED interval width / plain width
    cuped_theta: list[float] | None = None
    sequential_absolute: Interval
    sequential_relative: Interval
    chance_to_win: float
    loss_if_ship: float  # relative, expected shortfall of shipping the variant
    loss_if_keep: float  # relative, expected gain forgone by keeping control
    bayes_scale: Literal["relative", "absolute"] = "relative"
    decided_with: Literal["fixed", "sequential"] = "fixed"
    p_value: float  # the p-value of the decision estimate (before Holm)
    p_value_holm: float | None = None
    significant: bool = False
    better: bool | None = None  # effect is in the metric's good direction

    @property
    def decision_relative(self) -> Interval:
        """The interval the verdict quotes: CUPED when used; always-valid when deciding sequentially."""
        if self.decided_with == "sequential":
            return self.sequential_relative
        return self.cuped_relative or self.relative

    @property
    def decision_absolute(self) -> Interval:
        if self.decided_with == "sequential":
            return self.sequential_absolute
        return self.cuped_absolute or self.absolute


class SRMCheck(BaseModel):
    observed: dict[str, int]
    expected: dict[str, float]
    chi2: float
    p_value: float
    threshold: float
    passed: bool


class MetricResult(BaseModel):
    spec: MetricSpec
    comparisons: list[Comparison]
    segments: list[Comparison] = Field(default_factory=list)
    mde_relative: float | None = None  # detectable at 80% power with this many units


class Verdict(BaseModel):
    variant: str
    status: Literal["winner", "loser", "inconclusive", "no_difference", "vetoed", "blocked"]
    headline: str
    vetoed_by: list[str] = Field(default_factory=list)


class TruthCheck(BaseModel):
    """Synthetic data only: the known true effect against the estimate."""

    metric: str
    variant: str
    true_effect: float
    estimate: float
    lower: float
    upper: float
    covered: bool


class TrajectoryPoint(BaseModel):
    """The difference from control as an analyst peeking on `look` would have seen it."""

    metric: str
    variant: str
    look: str
    n_control: int
    n_variant: int
    estimate: float
    lower: float
    upper: float
    seq_lower: float
    seq_upper: float


class ExperimentResult(BaseModel):
    name: str
    arm: str
    control: str
    variants: list[str]
    n_units: int
    config: AnalysisConfig
    srm: SRMCheck
    metrics: list[MetricResult]
    verdicts: list[Verdict]
    warnings: list[str]
    skipped_segments: list[str] = Field(default_factory=list)
    truth: list[TruthCheck] = Field(default_factory=list)
    trajectory: list[TrajectoryPoint] = Field(default_factory=list)
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def metric(self, name: str) -> MetricResult:
        for m in self.metrics:
            if m.spec.name == name:
                return m
        raise KeyError(name)


def truth_checks(result: ExperimentResult, true_effects: dict[str, float]) -> list[TruthCheck]:
    """Compare each metric's absolute estimate (CUPED when used) with a known true effect."""
    out = []
    for name, truth in true_effects.items():
        for c in result.metric(name).comparisons:
            est = c.decision_absolute
            out.append(TruthCheck(metric=name, variant=c.variant, true_effect=truth, estimate=est.estimate,
                                  lower=est.lower, upper=est.upper, covered=est.lower <= truth <= est.upper))
    return out


def _f(x: object) -> float:
    return float(np.asarray(x))


def _interval(e: Estimate) -> Interval:
    return Interval(estimate=_f(e.point), lower=_f(e.lower), upper=_f(e.upper), p_value=_f(e.p_value))


def _moments(spec: MetricSpec, frame: pd.DataFrame) -> tuple[float, float, int]:
    """(mean, per-unit variance, n) of one arm; the delta method for ratios."""
    if spec.kind == "ratio":
        return ratio_moments(frame[spec.numerator].to_numpy(float), frame[spec.denominator].to_numpy(float))
    y = frame[spec.column].to_numpy(float)
    return (float(y.mean()) if y.size else np.nan), (float(y.var(ddof=1)) if y.size > 1 else 0.0), int(y.size)


def _cuped(
    spec: MetricSpec, control: pd.DataFrame, variant: pd.DataFrame, covariates: list[str], plain: Estimate, alpha: float
) -> tuple[Estimate, Estimate, float, list[float]]:
    """(absolute, relative, interval shrink, theta) after CUPED; relative to the unadjusted control mean."""
    na = len(control)
    y = np.concatenate([control[spec.column].to_numpy(float), variant[spec.column].to_numpy(float)])
    x = np.concatenate([control[covariates].to_numpy(float), variant[covariates].to_numpy(float)])
    coef = cuped.theta(y, x)
    adj = cuped.adjust(y, x, coef, x.mean(axis=0))
    ya, yb = adj[:na], adj[na:]
    ama, ava, amb, avb = ya.mean(), ya.var(ddof=1), yb.mean(), yb.var(ddof=1)
    absolute = welch_diff(ama, ava, na, amb, avb, yb.size, alpha)
    relative = relative_lift(ama, ava, na, amb, avb, yb.size, alpha, base_a=y[:na].mean(), base_b=y[na:].mean())
    width = _f(plain.upper) - _f(plain.lower)
    shrink = 1 - (_f(absolute.upper) - _f(absolute.lower)) / width if width > 0 else 0.0
    return absolute, relative, shrink, coef.tolist()


def _always_valid(est: Estimate, n_total: int, config: AnalysisConfig) -> Interval:
    var = _f(est.se) ** 2
    lo, hi = sequential.confidence_sequence(est.point, var, n_total, config.alpha, config.sequential_tuning)
    p = sequential.always_valid_p(est.point, var, n_total, config.alpha, config.sequential_tuning)
    return Interval(estimate=_f(est.point), lower=_f(lo), upper=_f(hi), p_value=_f(p))


def compare(
    spec: MetricSpec,
    control: pd.DataFrame,
    variant: pd.DataFrame,
    name: str,
    config: AnalysisConfig,
    segment: tuple[str, str] | None = None,
) -> Comparison:
    """Every estimate for one variant vs control on one metric."""
    alpha = config.alpha
    ma, va, na = _moments(spec, control)
    mb, vb, nb = _moments(spec, variant)
    absolute = welch_diff(ma, va, na, mb, vb, nb, alpha)
    relative = relative_lift(ma, va, na, mb, vb, nb, alpha)
    decided_abs, decided_rel, shrink, theta = absolute, relative, None, None
    if config.covariates and spec.kind != "ratio":
        decided_abs, decided_rel, shrink, theta = _cuped(spec, control, variant, config.covariates, absolute, alpha)
    seq_abs, seq_rel = (_always_valid(e, na + nb, config) for e in (decided_abs, decided_rel))

    # The posterior is on the relative scale (as gbstats); when control's mean is 0 the
    # relative change is undefined and the absolute scale is used instead.
    scale_rel = bool(np.isfinite(_f(decided_rel.se)) and _f(decided_rel.se) > 0)
    on = decided_rel if scale_rel else decided_abs
    post = bayes.posterior(
        on.point, on.se, alpha, spec.lower_is_better, prior_variance=config.prior_variance if scale_rel else None
    )
    point = _f(decided_abs.point)
    return Comparison(
        metric=spec.name,
        variant=name,
        segment=segment[0] if segment else None,
        segment_value=segment[1] if segment else None,
        n_control=na,
        n_variant=nb,
        mean_control=ma,
        mean_variant=mb,
        absolute=_interval(absolute),
        relative=_interval(relative),
        cuped_absolute=None if theta is None else _interval(decided_abs),
        cuped_relative=None if theta is None else _interval(decided_rel),
        cuped_shrink=shrink,
        cuped_theta=theta,
        sequential_absolute=seq_abs,
        sequential_relative=seq_rel,
        chance_to_win=_f(post.chance_to_win),
        loss_if_ship=_f(post.loss_if_ship),
        loss_if_keep=_f(post.loss_if_keep),
        bayes_scale="relative" if scale_rel else "absolute",
        decided_with=config.decide_with,
        p_value=seq_abs.p_value if config.decide_with == "sequential" else _f(decided_abs.p_value),
        better=None if point == 0 or not np.isfinite(point) else (point < 0) == spec.lower_is_better,
    )


def _apply_holm(comparisons: list[Comparison], alpha: float) -> None:
    adjusted = holm([c.p_value for c in comparisons])
    for c, p in zip(comparisons, adjusted):
        c.p_value_holm = None if not np.isfinite(p) else float(p)
        c.significant = bool(np.isfinite(p) and p < alpha)


def _check_data(units: pd.DataFrame, arm: str, control: str, metrics: list[MetricSpec], config: AnalysisConfig) -> list[str]:
    if arm not in units.columns:
        raise ExperimentDataError(f"arm column {arm!r} is not in the data ({list(units.columns)})")
    blank = int(units[arm].isna().sum())
    if blank:
        raise ExperimentDataError(f"{blank} units have no value in arm column {arm!r}; drop or fix them first")
    arms = [str(a) for a in pd.unique(units[arm])]
    if control not in arms:
        raise ExperimentDataError(f"control arm {control!r} not found in column {arm!r}; arms are {sorted(arms)}")
    if len(arms) < 2:
        raise ExperimentDataError(f"column {arm!r} holds only one arm ({control!r}); nothing to compare")
    check_metrics(metrics, units.columns)
    for col in config.covariates + config.segments:
        if col not in units.columns:
            raise ExperimentDataError(f"column {col!r} is not in the data ({list(units.columns)})")
    for col in config.covariates:
        values = pd.to_numeric(units[col], errors="coerce")
        if values.isna().any():
            raise ExperimentDataError(f"covariate {col!r} must be numeric with no blanks ({int(values.isna().sum())} bad)")
    if config.weights is not None and set(config.weights) != set(arms):
        raise ExperimentDataError(f"weights name arms {sorted(config.weights)} but the data has {sorted(arms)}")
    return [control] + sorted(a for a in arms if a != control)


def _srm(units: pd.DataFrame, arm: str, arms: list[str], config: AnalysisConfig) -> SRMCheck:
    observed = units[arm].astype(str).value_counts().reindex(arms, fill_value=0)
    weights = config.weights or {a: 1.0 for a in arms}
    chi2, p, expected = srm_test({str(k): int(v) for k, v in observed.items()}, weights)
    return SRMCheck(
        observed={k: int(v) for k, v in observed.items()},
        expected=expected,
        chi2=chi2,
        p_value=p,
        threshold=config.srm_threshold,
        passed=p >= config.srm_threshold,
    )


def _segment_comparisons(
    spec: MetricSpec, units: pd.DataFrame, arm: str, arms: list[str], config: AnalysisConfig, skipped: list[str]
) -> list[Comparison]:
    out: list[Comparison] = []
    for col in config.segments:
        family: list[Comparison] = []
        for value, cell in units.groupby(col, observed=True, sort=True):
            groups = {str(a): g for a, g in cell.groupby(arm, observed=True)}
            control = groups.get(arms[0])
            for variant in arms[1:]:
                treated = groups.get(variant)
                sizes = [0 if g is None else len(g) for g in (control, treated)]
                if control is None or treated is None or min(sizes) < MIN_SEGMENT_UNITS:
                    note = f"{col}={value} ({variant}): {min(sizes)} units in an arm, fewer than {MIN_SEGMENT_UNITS}"
                    if note not in skipped:
                        skipped.append(note)
                    continue
                family.append(compare(spec, control, treated, variant, config, (col, str(value))))
        _apply_holm(family, config.alpha)
        out.extend(family)
    return out


def analyze(
    units: pd.DataFrame,
    arm: str,
    control: str,
    metrics: list[MetricSpec],
    config: AnalysisConfig | None = None,
    name: str = "experiment",
) -> ExperimentResult:
    """Analyse a randomized experiment from one row per unit."""
    config = config or AnalysisConfig()
    arms = _check_data(units, arm, control, metrics, config)
    units = units.assign(**{arm: units[arm].astype(str)})
    srm = _srm(units, arm, arms, config)
    by_arm = {str(a): g for a, g in units.groupby(arm, sort=False)}
    warnings: list[str] = []
    if not srm.passed:
        warnings.append(
            f"Sample ratio mismatch: the split {srm.observed} is very unlikely under the planned weights "
            f"(chi-square p = {srm.p_value:.2g} < {srm.threshold}). Assignment or logging is broken; "
            "no result below can be trusted until it is fixed."
        )
    small = {a: n for a, n in srm.observed.items() if n < MIN_SEGMENT_UNITS}
    if small:
        warnings.append(f"Very few units in {small}: intervals are wide and approximations may be poor.")

    warnings.extend(_thin_tail_warnings(metrics, by_arm))
    results: list[MetricResult] = []
    skipped: list[str] = []
    for spec in track(metrics, "analysing metrics"):
        comps = [compare(spec, by_arm[control], by_arm[v], v, config) for v in arms[1:]]
        results.append(MetricResult(spec=spec, comparisons=comps, segments=_segment_comparisons(spec, units, arm, arms, config, skipped)))
    decision = [c for r in results if not r.spec.guardrail for c in r.comparisons]
    _apply_holm(decision, config.alpha)
    for r in results:
        if r.spec.guardrail:  # harm is judged per guardrail, uncorrected: being wrong about harm costs more
            for c in r.comparisons:
                c.p_value_holm = c.p_value
                c.significant = c.p_value < config.alpha
        r.mde_relative = _mde(r.spec, by_arm[control], srm.observed, arms, config)
    if config.segments:
        n_looks = sum(len(r.segments) for r in results)
        warnings.append(
            f"Segment results are {n_looks} extra looks at the same experiment. Their p-values are Holm-adjusted "
            "within each segment breakdown, but treat a segment that differs from the overall result as a "
            "hypothesis to test again, not as a finding."
        )
    if config.decide_with == "fixed":
        warnings.append(
            "Fixed-horizon p-values assume the sample size was set in advance; if you stop as soon as a result "
            "looks significant, use the always-valid (sequential) intervals instead."
        )
    return ExperimentResult(
        name=name,
        arm=arm,
        control=control,
        variants=arms[1:],
        n_units=int(len(units)),
        config=config,
        srm=srm,
        metrics=results,
        verdicts=[_verdict(v, results, srm, config) for v in arms[1:]],
        warnings=warnings,
        skipped_segments=skipped,
    )


THIN_NONZERO = 300  # below this many non-zero outcomes per arm, relative intervals run narrow


def _thin_tail_warnings(metrics: list[MetricSpec], by_arm: dict[str, pd.DataFrame]) -> list[str]:
    """Flag continuous metrics where few units have a non-zero value (see docs/EXPERIMENTS.md)."""
    out = []
    for spec in metrics:
        if spec.kind != "continuous":
            continue
        nonzero = min(int((g[spec.column] != 0).sum()) for g in by_arm.values())
        if nonzero < THIN_NONZERO:
            out.append(
                f"{spec.title}: only {nonzero} units in the smallest arm have a non-zero value; with so few, "
                "relative-change intervals tend to be too narrow (in simulations with 60 such units they missed "
                "the true change 1.4 to 1.6 times as often as their nominal rate). "
                "Read the absolute difference first."
            )
    return out


def _mde(spec: MetricSpec, control: pd.DataFrame, observed: dict[str, int], arms: list[str], config: AnalysisConfig) -> float | None:
    """Relative effect this test could detect at 80% power (per variant, smallest arm)."""
    mean, var, n = _moments(spec, control)
    n_variant = min(observed[a] for a in arms[1:])
    if n < 2 or not np.isfinite(mean) or mean == 0 or var <= 0:
        return None
    return detectable_effect(mean, n, sd=float(np.sqrt(var)), alpha=config.alpha, ratio=n_variant / n)


def certainty(c: Comparison) -> str:
    """Plain words for how sure we are, from the chance that the variant beats control."""
    p_good = c.chance_to_win if c.better else 1 - c.chance_to_win
    if c.significant and p_good >= 0.99:
        return "very likely real"
    if c.significant:
        return "likely real"
    if p_good >= 0.9:
        return "a hint, not yet conclusive"
    return "could easily be chance"


def pct(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x * 100:+.1f}%".replace("+-", "-")


def _excludes_zero(i: Interval) -> bool:
    return i.lower > 0 or i.upper < 0


def confidence_label(alpha: float) -> str:
    """'95%' for alpha 0.05, '90%' for 0.1, '99.5%' for 0.005: every interval label derives from alpha."""
    return f"{round((1 - alpha) * 100, 6):g}%"


def describe_change(c: Comparison, spec: MetricSpec, level: str) -> str:
    """'raised spend per customer by 7.7% (95% CI 3.1% to 12.4%)', with `level` the interval's ('95%').

    The decision rests on the absolute test; the relative (delta-method) interval
    is quoted only when it tells the same story (both exclude zero, or both
    include it). Otherwise a reader would see "likely real" next to an interval
    spanning zero, so the absolute interval is quoted, with the relative change
    as context.
    """
    rel, a = c.decision_relative, c.decision_absolute
    verb = "raised" if a.estimate > 0 else "lowered"
    absolute = f"by {abs(a.estimate):,.3g} ({level} CI {a.lower:+,.3g} to {a.upper:+,.3g})"
    if not np.isfinite(rel.estimate):  # control mean 0: no relative change, say it in units
        return f"{verb} {spec.title} {absolute} from zero"
    if _excludes_zero(rel) != _excludes_zero(a):
        return f"{verb} {spec.title} {absolute}, a {pct(rel.estimate)} change"
    return (
        f"{verb} {spec.title} by {abs(rel.estimate) * 100:.1f}% "
        f"({level} CI {pct(rel.lower)} to {pct(rel.upper)})"
    )


def _verdict(variant: str, results: list[MetricResult], srm: SRMCheck, config: AnalysisConfig) -> Verdict:
    primary = next(r for r in results if not r.spec.guardrail)
    c = next(x for x in primary.comparisons if x.variant == variant)
    if not srm.passed:
        return Verdict(
            variant=variant,
            status="blocked",
            headline=(
                f"No verdict for {variant}: the traffic split is broken (sample ratio mismatch, p = {srm.p_value:.2g}), "
                "so every number in this report is suspect. Fix assignment or exposure logging and rerun."
            ),
        )
    harmed = [
        r.spec.title
        for r in results
        if r.spec.guardrail
        for g in r.comparisons
        if g.variant == variant and g.significant and g.better is False
    ]
    change = describe_change(c, primary.spec, config.level)
    if c.significant and c.better:
        status, text = "winner", f"{variant} {change}; {certainty(c)}."
    elif c.significant:
        status, text = "loser", f"{variant} {change}; {certainty(c)}. Do not roll it out."
    elif (c.chance_to_win if c.better else 1 - c.chance_to_win) >= 0.9:
        status = "inconclusive"
        text = f"{variant} {change}; {certainty(c)}. Run longer or on more customers to be sure."
    else:
        status = "no_difference"
        text = (
            f"{variant} made no clear difference to {primary.spec.title} "
            f"({config.level} CI {pct(c.decision_relative.lower)} to {pct(c.decision_relative.upper)}); the gap seen could easily be chance."
        )
    if harmed:
        return Verdict(
            variant=variant,
            status="vetoed",
            headline=f"{text} But it made {', '.join(harmed)} worse, so the guardrail vetoes it.",
            vetoed_by=harmed,
        )
    return Verdict(variant=variant, status=status, headline=text)
