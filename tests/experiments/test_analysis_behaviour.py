"""What the analysis decides: SRM blocks, CUPED narrows, guardrails veto, Holm, segments, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import AnalysisConfig, ExperimentDataError, analyze
from experiments.metrics import MetricError, MetricSpec, infer_metric, parse_ratio


def _units(n: int, lift: float = 0.0, seed: int = 0, rho: float = 0.8, split: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < split, "control", "treatment")
    pre = rng.normal(100, 20, n)
    noise = rng.normal(0, 20, n)
    spend = rho * (pre - 100) + np.sqrt(1 - rho**2) * noise + 100 + lift * 100 * (arm == "treatment")
    returns = rng.poisson(1, n).astype(float)
    return pd.DataFrame({"arm": arm, "spend": spend, "pre": pre, "returns": returns,
                         "region": rng.choice(["north", "south"], n), "orders": rng.poisson(2, n) + 1.0})


SPEND = MetricSpec(name="spend", kind="continuous", column="spend")


def test_cuped_narrows_the_interval_by_about_one_minus_sqrt_one_minus_r2() -> None:
    df = _units(20000, lift=0.02, rho=0.8)
    c = analyze(df, "arm", "control", [SPEND], AnalysisConfig(covariates=["pre"])).metrics[0].comparisons[0]
    assert c.cuped_shrink == pytest.approx(1 - np.sqrt(1 - 0.8**2), abs=0.02)
    assert c.cuped_absolute.lower < 2 < c.cuped_absolute.upper  # true effect is 2
    no_corr = analyze(_units(20000, rho=0.0), "arm", "control", [SPEND], AnalysisConfig(covariates=["pre"]))
    assert abs(no_corr.metrics[0].comparisons[0].cuped_shrink) < 0.01


def test_srm_failure_blocks_the_verdict_and_comes_first() -> None:
    df = _units(20000, lift=0.05, split=0.52)
    result = analyze(df, "arm", "control", [SPEND])
    assert not result.srm.passed and result.srm.p_value < 1e-3
    assert [v.status for v in result.verdicts] == ["blocked"]
    assert result.warnings[0].startswith("Sample ratio mismatch")
    planned = analyze(df, "arm", "control", [SPEND], AnalysisConfig(weights={"control": 0.52, "treatment": 0.48}))
    assert planned.srm.passed and planned.verdicts[0].status == "winner"


def test_guardrail_vetoes_a_winner() -> None:
    df = _units(20000, lift=0.05)
    df.loc[df.arm == "treatment", "returns"] += 0.2  # more returns: worse
    metrics = [SPEND, MetricSpec(name="returns", kind="continuous", column="returns", direction="decrease", guardrail=True)]
    verdict = analyze(df, "arm", "control", metrics).verdicts[0]
    assert verdict.status == "vetoed" and verdict.vetoed_by == ["returns"]
    assert "raised spend" in verdict.headline and "guardrail vetoes" in verdict.headline
    df["returns"] = np.random.default_rng(5).poisson(1, len(df))
    assert analyze(df, "arm", "control", metrics).verdicts[0].status == "winner"


def test_no_effect_reads_as_no_clear_difference() -> None:
    df = _units(4000, lift=0.0, seed=3)
    df["spend"] -= df.groupby("arm")["spend"].transform("mean") - 100  # equal means by construction
    result = analyze(df, "arm", "control", [SPEND])
    assert result.verdicts[0].status == "no_difference"
    assert "could easily be chance" in result.verdicts[0].headline


def test_loser_and_lower_is_better() -> None:
    df = _units(20000, lift=-0.05)
    assert analyze(df, "arm", "control", [SPEND]).verdicts[0].status == "loser"
    cost = MetricSpec(name="spend", kind="continuous", column="spend", direction="decrease")
    assert analyze(df, "arm", "control", [cost]).verdicts[0].status == "winner"


def test_holm_family_excludes_guardrails_and_segments_have_their_own() -> None:
    df = _units(6000, lift=0.01)
    metrics = [SPEND, MetricSpec(name="pre", kind="continuous", column="pre"),
               MetricSpec(name="orders", kind="continuous", column="orders", guardrail=True)]
    result = analyze(df, "arm", "control", metrics, AnalysisConfig(segments=["region"]))
    spend, pre, orders = (m.comparisons[0] for m in result.metrics)
    lo, hi = sorted([spend.p_value, pre.p_value])
    assert min(spend.p_value_holm, pre.p_value_holm) == pytest.approx(min(1, 2 * lo))
    assert orders.p_value_holm == orders.p_value
    segs = result.metrics[0].segments
    assert {s.segment_value for s in segs} == {"north", "south"}
    assert all(s.p_value_holm >= s.p_value for s in segs)
    assert any("extra looks" in w for w in result.warnings)


def test_ratio_metric_uses_ratio_of_sums() -> None:
    df = _units(3000)
    result = analyze(df, "arm", "control", [parse_ratio("aov=spend/orders")])
    c = result.metrics[0].comparisons[0]
    ctrl = df[df.arm == "control"]
    assert c.mean_control == pytest.approx(ctrl.spend.sum() / ctrl.orders.sum())
    assert c.cuped_absolute is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"control": "nope"}, "control arm 'nope' not found"),
        ({"arm": "missing"}, "arm column 'missing'"),
        ({"config": AnalysisConfig(covariates=["ghost"])}, "column 'ghost'"),
        ({"metrics": [MetricSpec(name="x", kind="continuous", column="x")]}, "needs column(s) ['x']"),
        ({"units": _units(300).assign(arm=lambda d: d.arm.where(d.index % 7 > 0))}, "43 units have no value"),
    ],
)
def test_bad_input_names_the_problem(kwargs: dict, message: str) -> None:
    args = {"units": _units(300), "arm": "arm", "control": "control", "metrics": [SPEND]} | kwargs
    with pytest.raises((ExperimentDataError, MetricError), match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        analyze(**args)


def test_infer_metric_kinds_and_rejects_text() -> None:
    assert infer_metric("c", pd.Series([0, 1, 1])).kind == "binary"
    assert infer_metric("s", pd.Series([0, 1.5])).kind == "continuous"
    with pytest.raises(MetricError, match="numeric"):
        infer_metric("s", pd.Series(["a", "1"]))
    with pytest.raises(MetricError, match="name=numerator/denominator"):
        parse_ratio("aov:spend")


def test_sequential_decisions_quote_the_always_valid_interval() -> None:
    df = _units(4000, lift=0.012, seed=8)
    fixed = analyze(df, "arm", "control", [SPEND]).metrics[0].comparisons[0]
    seq = analyze(df, "arm", "control", [SPEND], AnalysisConfig(decide_with="sequential")).metrics[0].comparisons[0]
    assert fixed.significant and not seq.significant  # a fixed-horizon "win" that peeking must not trust
    assert seq.decision_relative == seq.sequential_relative
    assert seq.decision_relative.lower < fixed.decision_relative.lower
    assert seq.p_value == seq.sequential_absolute.p_value > fixed.p_value


def _comparison(absolute: tuple[float, float, float], relative: tuple[float, float, float]):
    from experiments.analysis import Comparison, Interval

    a, r = Interval(estimate=absolute[0], lower=absolute[1], upper=absolute[2]), Interval(
        estimate=relative[0], lower=relative[1], upper=relative[2]
    )
    return Comparison(
        metric="revenue", variant="treatment", n_control=400, n_variant=400, mean_control=15.7,
        mean_variant=37.9, absolute=a, relative=r, sequential_absolute=a, sequential_relative=r,
        chance_to_win=0.97, loss_if_ship=0.0, loss_if_keep=1.2, p_value=0.007, significant=True, better=True,
    )


def test_headline_never_quotes_an_interval_that_contradicts_the_decision() -> None:
    from experiments.analysis import describe_change

    spec = MetricSpec(name="revenue", kind="continuous", column="revenue", label="revenue per customer")
    # The demo's case: absolute test significant, delta-method relative interval spanning zero.
    text = describe_change(_comparison((18.9, 5.24, 32.5), (1.202, -0.011, 2.41)), spec, "95%")
    assert text == "raised revenue per customer by 18.9 (95% CI +5.24 to +32.5), a +120.2% change"
    # When both agree, the relative interval is what a marketer reads.
    text = describe_change(_comparison((18.9, 5.24, 32.5), (1.202, 0.21, 2.41)), spec, "95%")
    assert text == "raised revenue per customer by 120.2% (95% CI +21.0% to +241.0%)"
