"""Every interval label follows the configured alpha: with alpha 0.1 the report says 90%, never 95%."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from experiments.analysis import AnalysisConfig, analyze, confidence_label, truth_checks
from experiments.metrics import infer_metric, parse_ratio
from experiments.report import charts
from experiments.report.files import write_report
from experiments.trajectory import trajectory


@pytest.mark.parametrize(("alpha", "label"), [(0.05, "95%"), (0.1, "90%"), (0.2, "80%"), (0.01, "99%"), (0.005, "99.5%")])
def test_confidence_label(alpha: float, label: str) -> None:
    assert confidence_label(alpha) == label == AnalysisConfig(alpha=alpha).level


def _daily(rng: np.random.Generator) -> pd.DataFrame:
    """Cumulative per-look sufficient statistics of a small two-arm test (outcomes.daily_outcomes' shape)."""
    looks = pd.date_range("2026-01-01", periods=12, freq="D", tz="UTC")
    rows = []
    for variant, lift in (("No E-Mail", 0.0), ("Mens E-Mail", 0.3)):
        n = np.arange(1, 13) * 150  # units exposed so far, look by look
        y = rng.gamma(2.0, 5.0 + lift, size=n[-1])
        for k, look in enumerate(looks):
            part = y[: n[k]]
            rows.append({"look": look, "variant": variant, "n": n[k], "spend_sum": part.sum(),
                         "spend_ss": (part**2).sum()})
    return pd.DataFrame(rows)


def _texts(fig: object) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))  # type: ignore[attr-defined]


def test_report_with_alpha_0_1_says_90_percent_everywhere(hillstrom: pd.DataFrame, tmp_path: Path) -> None:
    config = AnalysisConfig(alpha=0.1, covariates=["history"], segments=["channel"])
    metrics = [infer_metric("spend", hillstrom["spend"], unit="currency"), infer_metric("visit", hillstrom["visit"]),
               parse_ratio("spend_per_visit=spend/visit", guardrail=True)]
    result = analyze(hillstrom, "segment", "No E-Mail", metrics, config, name="alpha")
    result.truth = truth_checks(result, {"spend": 0.5})
    result.trajectory = trajectory(_daily(np.random.default_rng(1)), "No E-Mail", "spend", config)
    assert result.trajectory  # the day-by-day section and its chart are rendered too

    files = write_report(result, tmp_path, "alpha")
    html = files.html.read_text()
    assert "90%" in html and "95%" not in html
    assert "90% CI" in html and "9 times out of 10" in html
    assert all("90% CI" in v.headline for v in result.verdicts)
    report = json.loads(files.json.read_text())
    assert "95%" not in json.dumps(report) and report["config"]["alpha"] == 0.1
    for csv in (files.csv, files.health_csv, files.daily_csv):
        assert csv is not None and "95" not in csv.read_text().splitlines()[0]  # headers

    # the charts are PNGs inside the page: check the text they were drawn with
    spend = result.metric("spend")
    lift = _texts(charts.lift_figure(spend.comparisons, "spend", config.level))
    daily = _texts(charts.trajectory_figure(result.trajectory, "spend", "difference", config.level))
    legend = charts.trajectory_figure(result.trajectory, "spend", "difference", config.level).axes[0].get_legend()
    assert "90%" in lift and "95%" not in lift
    assert "90%" in daily and "95%" not in daily and legend is not None
