"""One tiny synthetic retailer with profile tables, and a scorer trained on it, per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicast.settings import Settings, load_settings


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from features.ingest import ingest
    from features.pipeline import build_tables
    from features.synthetic import GeneratorConfig, generate

    home = tmp_path_factory.mktemp("nbo") / "home"
    settings = load_settings(home=home)
    generate(GeneratorConfig.preset("tiny", seed=11, explore_rounds=2, explore_days=21), settings.paths.raw)
    ingest(settings.paths.raw, settings.paths.validated, settings.paths.quarantine)
    build_tables(settings)
    return settings


@pytest.fixture(scope="session")
def history(tiny_settings: Settings):
    from training.nbo.pipeline import history_of

    return history_of(tiny_settings)


@pytest.fixture(scope="session")
def trained(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """A registered scorer (small budget) in its own data home copy's MLflow store."""
    from training.nbo.pipeline import NBOOptions, train_nbo

    return train_nbo(tiny_settings, NBOOptions(train_cutoffs=2, max_customers=300, n_estimators=30,
                                               learners=("logit_t", "t")))


def fixture_path(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures" / name
