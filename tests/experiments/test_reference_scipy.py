"""On Hillstrom, Omnicast's numbers equal scipy's and statsmodels' for the same methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind

from experiments.analysis import ExperimentResult

CONTROL = "No E-Mail"

VARIANTS = ["Mens E-Mail", "Womens E-Mail"]
CASES = [(m, v) for m in ("spend", "visit", "conversion") for v in VARIANTS]


def _arms(df: pd.DataFrame, metric: str, variant: str) -> tuple[np.ndarray, np.ndarray]:
    return df.loc[df.segment == CONTROL, metric].to_numpy(float), df.loc[df.segment == variant, metric].to_numpy(float)


@pytest.mark.parametrize(("metric", "variant"), CASES)
def test_welch_matches_scipy(hillstrom: pd.DataFrame, hillstrom_result: ExperimentResult, metric: str, variant: str) -> None:
    a, b = _arms(hillstrom, metric, variant)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    c = next(c for c in hillstrom_result.metric(metric).comparisons if c.variant == variant)
    assert c.absolute.estimate == pytest.approx(b.mean() - a.mean(), rel=1e-12)
    assert c.absolute.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (c.absolute.lower, c.absolute.upper) == pytest.approx((ci.low, ci.high), rel=1e-10)


@pytest.mark.parametrize(("metric", "variant"), CASES)
def test_welch_matches_statsmodels(hillstrom: pd.DataFrame, hillstrom_result: ExperimentResult, metric: str, variant: str) -> None:
    a, b = _arms(hillstrom, metric, variant)
    tstat, p, dof = sm_ttest_ind(b, a, usevar="unequal")
    c = next(c for c in hillstrom_result.metric(metric).comparisons if c.variant == variant)
    assert c.absolute.p_value == pytest.approx(p, rel=1e-9)
    assert c.absolute.estimate / ((c.absolute.upper - c.absolute.lower) / 2 / stats.t.ppf(0.975, dof)) == pytest.approx(tstat, rel=1e-9)


@pytest.mark.parametrize(("metric", "variant"), [c for c in CASES if c[0] != "spend"])
def test_binary_metrics_match_statsmodels_wald_up_to_ddof(
    hillstrom: pd.DataFrame, hillstrom_result: ExperimentResult, metric: str, variant: str
) -> None:
    """statsmodels' Wald test uses p(1-p)/n and z; we use the unbiased variance and Welch's t.

    Our standard error is exactly sqrt(p1(1-p1)/(n1-1) + p2(1-p2)/(n2-1)), so our
    statistic times se/se_wald is exactly statsmodels' z, and the intervals agree
    to the size of that n/(n-1) and t-vs-z difference.
    """
    a, b = _arms(hillstrom, metric, variant)
    c = next(c for c in hillstrom_result.metric(metric).comparisons if c.variant == variant)
    pa, pb, na, nb = a.mean(), b.mean(), a.size, b.size
    se = np.sqrt(pa * (1 - pa) / (na - 1) + pb * (1 - pb) / (nb - 1))
    se_wald = np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    ref = sm_proportion.test_proportions_2indep(b.sum(), nb, a.sum(), na, method="wald", compare="diff")
    assert c.absolute.estimate / se * se / se_wald == pytest.approx(ref.statistic, rel=1e-10)
    dof = stats.ttest_ind(b, a, equal_var=False).df
    assert (c.absolute.upper - c.absolute.estimate) == pytest.approx(stats.t.ppf(0.975, dof) * se, rel=1e-10)
    low, high = sm_proportion.confint_proportions_2indep(b.sum(), nb, a.sum(), na, method="wald", compare="diff")
    assert (c.absolute.lower, c.absolute.upper) == pytest.approx((low, high), rel=2e-4)


def test_srm_matches_scipy_chisquare(hillstrom: pd.DataFrame, hillstrom_result: ExperimentResult) -> None:
    counts = hillstrom["segment"].value_counts()
    ref = stats.chisquare(counts.to_numpy())
    assert hillstrom_result.srm.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert hillstrom_result.srm.passed


def test_holm_matches_statsmodels_over_the_decision_family(hillstrom_result: ExperimentResult) -> None:
    family = [c for m in hillstrom_result.metrics if not m.spec.guardrail for c in m.comparisons]
    assert len(family) == 6
    expected = multipletests([c.p_value for c in family], method="holm")[1]
    assert [c.p_value_holm for c in family] == pytest.approx(expected, rel=1e-12)
