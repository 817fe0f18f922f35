"""Omnicast equals GrowthBook's gbstats 0.8.0 on Hillstrom where the method is the same.

The reference figures are pinned in tests/fixtures/gbstats_hillstrom.json, produced
by the command recorded inside it (gbstats runs in an isolated environment; it is
never a project dependency).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis import AnalysisConfig, compare
from experiments.metrics import MetricSpec

CONTROL = "No E-Mail"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

REFERENCE = json.loads((FIXTURES / "gbstats_hillstrom.json").read_text())
CASES = sorted(k for k in REFERENCE["results"] if not k.endswith("|proportion"))


def _close(mine: float, theirs: float) -> bool:
    # gbstats computes p as 2 * (1 - cdf), which loses digits below ~1e-12; we use sf.
    return mine == pytest.approx(theirs, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_matches_gbstats(hillstrom: pd.DataFrame, case: str) -> None:
    metric, variant, kind = case.split("|")
    ref = REFERENCE["results"][case]
    if kind == "ratio":
        spec = MetricSpec(name=metric, kind="ratio", numerator="spend", denominator="visit")
    else:
        spec = MetricSpec(name=metric, kind="continuous", column=metric)
    config = AnalysisConfig(covariates=["history"] if kind == "cuped" else [], sequential_tuning=5000)
    c = compare(spec, hillstrom[hillstrom.segment == CONTROL], hillstrom[hillstrom.segment == variant], variant, config)
    pairs = {
        "ttest_absolute": c.decision_absolute,
        "ttest_relative": c.decision_relative,
        "sequential_absolute": c.sequential_absolute,
        "sequential_relative": c.sequential_relative,
    }
    for key, mine in pairs.items():
        theirs = ref[key]
        assert _close(mine.estimate, theirs["expected"]), key
        assert _close(mine.lower, theirs["ci"][0]) and _close(mine.upper, theirs["ci"][1]), key
        assert _close(mine.p_value, theirs["p_value"]), key
    bayes = ref["bayes_relative"]
    assert _close(c.chance_to_win, bayes["chance_to_win"])
    assert _close(c.loss_if_keep, bayes["risk"][0]) and _close(c.loss_if_ship, bayes["risk"][1])


@pytest.mark.parametrize("case", sorted(k for k in REFERENCE["results"] if k.endswith("|proportion")))
def test_proportion_statistic_differs_only_by_ddof(hillstrom: pd.DataFrame, case: str) -> None:
    """gbstats' ProportionStatistic uses p(1-p); we use the unbiased n/(n-1) variance (documented)."""
    metric, variant, _ = case.split("|")
    plain = REFERENCE["results"][f"{metric}|{variant}|plain"]["ttest_absolute"]
    prop = REFERENCE["results"][case]["ttest_absolute"]
    assert prop["expected"] == pytest.approx(plain["expected"], rel=1e-12)
    n = min((hillstrom.segment == CONTROL).sum(), (hillstrom.segment == variant).sum())
    ratio = (prop["ci"][1] - prop["ci"][0]) / (plain["ci"][1] - plain["ci"][0])
    assert ratio == pytest.approx(1.0, abs=2 / n) and ratio < 1


def test_srm_matches_gbstats(hillstrom_result) -> None:
    assert hillstrom_result.srm.p_value == pytest.approx(REFERENCE["srm"]["p_value"], rel=1e-12)
