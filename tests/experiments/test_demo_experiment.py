"""On a tiny generated retailer, the offer-policy report's intervals cover the generator's true effect."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.demo import EXPERIMENT_ID
from experiments.service import ExperimentReport
from omnicast.paths import DataHome


def test_demo_report_covers_the_truth(retailer: Path, demo_report: ExperimentReport) -> None:
    out = demo_report
    truth = json.loads(DataHome(retailer).truth_file("experiment.json").read_text())
    assert out.units == truth["units"]["control"] + truth["units"]["treatment"]
    checks = {t.metric: t for t in out.truth}
    assert checks["revenue"].true_effect == truth["att_revenue_per_unit"]
    assert checks["revenue"].covered and checks["converted"].covered
    # the conversion effect is large enough here to be detected
    assert checks["converted"].lower > 0
    html = out.files.html.read_text()
    assert "Ground truth check" in html and EXPERIMENT_ID in html and 'id="chart-over-time"' in html
    assert out.headline.startswith("treatment ")


def test_day_by_day_ends_where_the_analysis_does(demo_report: ExperimentReport) -> None:
    out = demo_report
    report = json.loads(out.files.json.read_text())
    points = report["trajectory"]
    assert len(points) >= 10 and [p["look"] for p in points] == sorted(p["look"] for p in points)
    for p in points:
        assert p["seq_lower"] <= p["lower"] <= p["estimate"] <= p["upper"] <= p["seq_upper"]
    final = points[-1]
    revenue = next(m for m in report["metrics"] if m["spec"]["name"] == "revenue")["comparisons"][0]
    assert (final["n_control"], final["n_variant"]) == (revenue["n_control"], revenue["n_variant"])
    assert final["estimate"] == pytest.approx(revenue["absolute"]["estimate"], rel=1e-9)
    assert (final["lower"], final["upper"]) == pytest.approx((revenue["absolute"]["lower"], revenue["absolute"]["upper"]), rel=1e-9)
    daily = pd.read_csv(out.files.daily_csv)
    assert len(daily) == len(points) and daily["estimate"].iloc[-1] == pytest.approx(final["estimate"])
