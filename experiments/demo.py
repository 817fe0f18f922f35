"""The demo's experiment: analyse the synthetic retailer's offer-policy test and check it against the truth.

The generator knows the exact effect in its sample (raw/truth/experiment.json:
the average effect on the treated of revenue per unit and conversion, over
purchase lines from exposure to the end of the experiment window). The report
uses that same outcome definition, so its estimate and the truth measure the
same thing; the report shows whether its interval covers the truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.service import ExperimentReport, report_platform_experiment
from omnicast.errors import OmnicastError

EXPERIMENT_ID = "offer-policy-v1"
TRUTH_METRICS = {"revenue": "att_revenue_per_unit", "converted": "att_conversion"}


def read_truth(truth_dir: Path) -> dict[str, Any]:
    """The generator's experiment.json (JSON edge: the file's own shape)."""
    path = Path(truth_dir) / "experiment.json"
    if not path.exists():
        raise OmnicastError(f"no experiment truth at {path}; generate the synthetic retailer first")
    truth: dict[str, Any] = json.loads(path.read_text())
    return truth


def report_demo_experiment(
    truth_dir: Path, validated_dir: Path, out_dir: Path, experiment_id: str = EXPERIMENT_ID
) -> ExperimentReport:
    """Write the offer-policy report; its `truth` holds estimate-vs-truth per metric."""
    truth = read_truth(truth_dir)
    window = truth["window"]
    days = (pd.Timestamp(window["end_exclusive"]) - pd.Timestamp(window["start"])).days
    return report_platform_experiment(
        validated_dir,
        experiment_id,
        out_dir,
        window_days=days,
        window_end=window["end_exclusive"],
        purchases_only=True,
        truth={metric: truth[key] for metric, key in TRUTH_METRICS.items() if key in truth},
    )
