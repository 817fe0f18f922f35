"""The main job's stages, in data-flow order (DESIGN.md, "Data flow").

Each capability appends its stage to STAGES; `omnicast demo` runs them all on
the embedded default and reports where each artefact landed. A stage takes the
settings and what earlier stages returned, and returns lines for the summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnicast.progress import track
from omnicast.settings import Settings

log = logging.getLogger(__name__)
Stage = Callable[[Settings, dict[str, Any]], dict[str, str]]


def _generate(settings: Settings, ctx: dict[str, Any]) -> dict[str, str]:
    from features.synthetic import GeneratorConfig, generate

    config = GeneratorConfig.preset(ctx["size"], seed=settings.seed, bad_row_rate=ctx["bad_row_rate"])
    manifest = generate(config, settings.paths.raw)
    return {"raw tables": f"{settings.paths.raw} ({sum(manifest['row_counts'].values()):,} rows)"}


def _ingest(settings: Settings, ctx: dict[str, Any]) -> dict[str, str]:
    from features.ingest import ingest
    from features.privacy.ledger import erased_hashes

    report = ingest(settings.paths.raw, settings.paths.validated, settings.paths.quarantine, erased_hashes(settings))
    totals = report.to_dict()["totals"]
    return {
        "validated": f"{settings.paths.validated} ({totals['accepted']:,} rows accepted)",
        "quarantine": f"{settings.paths.quarantine} ({totals['quarantined']:,} rows with reasons)",
    }


def _features(settings: Settings, ctx: dict[str, Any]) -> dict[str, str]:
    from features.pipeline import build_features

    summary = build_features(settings)
    ident = summary["identity"]
    truth = ident.get("truth")
    quality = f", pairwise precision {truth['precision']:.3f} / recall {truth['recall']:.3f}" if truth else ""
    return {
        "identity": f"{ident['customers']:,} customers from {ident['refs']:,} source ids{quality}",
        "feature store": f"{summary['feast_repo']} (online: {settings.online_store})",
    }


def _demand(settings: Settings, ctx: dict[str, Any]) -> dict[str, str]:
    from training.demand.pipeline import run_demand_stage

    r = run_demand_stage(settings)
    truth = f", true-mean WAPE {r.truth_wape:.3f}" if r.truth_wape is not None else ""
    return {
        "demand backtest": f"WAPE {r.wape:.3f}, weighted quantile loss {r.wql:.3f}{truth}",
        "demand model": f"omnicast-demand v{r.registered_version} in {settings.tracking_uri}",
        "forecasts": f"{r.forecasts} (plot: {r.forecast_plot})",
    }


def _experiment(settings: Settings, ctx: dict[str, Any]) -> dict[str, str]:
    from experiments.demo import report_demo_experiment

    r = report_demo_experiment(settings.paths.truth, settings.paths.validated, settings.paths.experiment_reports)
    return {"A/B report": r["files"]["html"], "A/B verdict": " | ".join(r["headlines"])}


STAGES: tuple[tuple[str, Stage], ...] = (
    ("generate synthetic retailer", _generate),
    ("ingest and validate", _ingest),
    ("identity, profile, Feast", _features),
    ("demand: backtest, train, forecast", _demand),
    ("A/B experiment report", _experiment),
)


def run_demo(settings: Settings, size: str = "demo", bad_row_rate: float = 0.01) -> dict[str, str]:
    """Run every stage in order; returns 'what: where' lines for the final summary."""
    ctx: dict[str, Any] = {"size": size, "bad_row_rate": bad_row_rate}
    summary = {"data home": str(Path(settings.home).resolve())}
    for name, stage in track(STAGES, "omnicast demo"):
        started = time.perf_counter()
        log.info("stage: %s", name)
        summary.update(stage(settings, ctx))
        log.info("stage %s done in %.1fs", name, time.perf_counter() - started)
    return summary
