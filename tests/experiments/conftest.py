"""Shared fixtures for the experiments tests: the real Hillstrom data and its analysis."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis import AnalysisConfig, ExperimentResult, analyze
from experiments.metrics import MetricSpec, infer_metric, parse_ratio
from experiments.report.files import ReportFiles, write_report
from experiments.service import ExperimentReport
from omnicast.paths import DataHome

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HILLSTROM = FIXTURES / "hillstrom.csv"
CONTROL = "No E-Mail"


@pytest.fixture(scope="session")
def hillstrom() -> pd.DataFrame:
    return pd.read_csv(HILLSTROM)


def hillstrom_metrics(df: pd.DataFrame) -> list[MetricSpec]:
    return [
        infer_metric("spend", df["spend"], label="spend per customer", unit="currency"),
        infer_metric("visit", df["visit"], label="visit rate"),
        infer_metric("conversion", df["conversion"], label="conversion rate"),
        parse_ratio("spend_per_visit=spend/visit", label="spend per visit", guardrail=True),
    ]


@pytest.fixture(scope="session")
def hillstrom_result(hillstrom: pd.DataFrame) -> ExperimentResult:
    config = AnalysisConfig(covariates=["history"], segments=["zip_code", "channel"])
    return analyze(hillstrom, "segment", CONTROL, hillstrom_metrics(hillstrom), config, name="hillstrom")


@pytest.fixture(scope="session")
def hillstrom_report(hillstrom_result: ExperimentResult, tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    """The Hillstrom report written once (rendering its charts takes a few seconds)."""

    return write_report(hillstrom_result, tmp_path_factory.mktemp("report"), "hillstrom")


@pytest.fixture(scope="session")
def retailer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny generated retailer, ingested (its offer-policy test has a known true effect)."""
    from features.ingest import ingest
    from features.synthetic import GeneratorConfig, generate

    root = tmp_path_factory.mktemp("retailer")
    home = DataHome(root)
    config = GeneratorConfig.preset("demo", seed=7, customers=3000, days=120, skus=40, stores=2,
                                    experiment_uplift_scale=2.0)
    generate(config, home.raw)
    ingest(home.raw, home.validated, home.quarantine)
    return root


@pytest.fixture(scope="session")
def demo_report(retailer: Path) -> ExperimentReport:
    """The offer-policy report of that retailer, written once."""
    from experiments.demo import report_demo_experiment

    home = DataHome(retailer)
    return report_demo_experiment(home.truth, home.validated, home.experiment_reports)
