"""The demo stage on a tiny synthetic retailer: panel -> backtest -> train -> champion -> forecast."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from omnicast.settings import load_settings


@pytest.mark.slow
def test_demand_stage_end_to_end(tmp_path: Path) -> None:
    from features.ingest import ingest
    from features.synthetic import GeneratorConfig, generate
    from training.demand.pipeline import run_demand_stage

    settings = load_settings(home=tmp_path / "home")
    generate(GeneratorConfig.preset("tiny", seed=3), settings.paths.raw)
    ingest(settings.paths.raw, settings.paths.validated, settings.paths.quarantine)
    out = run_demand_stage(settings)
    assert out.registered_version == "1" and out.promoted_champion == "1"
    assert out.forecast_plot.stat().st_size > 10_000
    fc = pd.read_parquet(out.forecasts)
    panel = pd.read_parquet(settings.paths.demand_panel)
    active = panel.loc[pd.to_datetime(panel.date) == pd.to_datetime(panel.date).max(), ["location_id", "sku"]]
    assert len(fc.drop_duplicates(["location_id", "sku"])) == len(active)
    assert sorted(fc.h.unique()) == list(range(1, 29))
    # the truth is known: the error of the true expected demand is the floor we are scored against
    assert out.truth_wape is not None and 0 < out.truth_wape < 2 and out.wape < 1.25 * out.truth_wape
