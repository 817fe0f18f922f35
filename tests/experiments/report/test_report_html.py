"""The page's content without a browser: SRM failure first, plain-words verdict, every number downloadable."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis import analyze
from experiments.metrics import MetricSpec
from experiments.report.files import comparisons_frame
from experiments.report.html import render_html


def _broken_split() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    arm = np.where(rng.random(10000) < 0.55, "control", "treatment")
    return pd.DataFrame({"arm": arm, "spend": rng.gamma(2, 10, arm.size)})


def test_srm_failure_is_shown_before_anything_else() -> None:
    result = analyze(_broken_split(), "arm", "control", [MetricSpec(name="spend", kind="continuous", column="spend")])
    html = render_html(result)
    assert html.index('id="srm-alert"') < html.index('id="verdict"') < html.index('id="health"')
    assert 'data-status="blocked"' in html and "FAILED" in html


def test_every_comparison_is_a_csv_row_with_the_same_numbers(hillstrom_result) -> None:
    frame = comparisons_frame(hillstrom_result)
    n = sum(len(m.comparisons) + len(m.segments) for m in hillstrom_result.metrics)
    assert len(frame) == n
    c = hillstrom_result.metric("spend").comparisons[0]
    row = frame[(frame.metric == "spend") & frame.segment.isna() & (frame.variant == c.variant)].iloc[0]
    assert row["cuped_relative_lower"] == c.cuped_relative.lower and row["p_value_holm"] == c.p_value_holm
    assert {"sequential_relative_upper", "chance_to_win", "loss_if_ship"} <= set(frame.columns)


def test_headline_reads_like_the_issue_asks(hillstrom_report) -> None:
    html = hillstrom_report.html.read_text()
    assert "Mens E-Mail raised spend per customer by" in html and "very likely real" in html
    assert "Womens E-Mail" in html and "Methods" in html
