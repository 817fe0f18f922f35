"""The main job's stages, in data-flow order (DESIGN.md, "Data flow").

Each capability appends its stage to STAGES; `omnicast demo` runs them all on
the embedded default and reports where each artefact landed. A stage takes the
settings and the run's options and returns the lines it adds to the summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from omnicast.progress import track
from omnicast.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoOptions:
    """What `omnicast demo` was asked for: the synthetic retailer's size and fault rate."""

    size: str = "demo"
    bad_row_rate: float = 0.01


@dataclass(frozen=True)
class SummaryLine:
    """One 'what: where (how much)' line of the demo's final summary."""

    what: str
    text: str


@dataclass(frozen=True)
class DemoSummary:
    """Where everything landed, stage by stage, and how long each stage took."""

    home: Path
    lines: list[SummaryLine]
    stage_seconds: dict[str, float] = field(default_factory=dict)


Stage = Callable[[Settings, DemoOptions], list[SummaryLine]]


def _generate(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from features.synthetic import GeneratorConfig, generate

    config = GeneratorConfig.preset(options.size, seed=settings.seed, bad_row_rate=options.bad_row_rate)
    manifest = generate(config, settings.paths.raw)
    return [SummaryLine("raw tables", f"{settings.paths.raw} ({sum(manifest['row_counts'].values()):,} rows)")]


def _ingest(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from features.ingest import ingest
    from features.privacy.ledger import erased_hashes

    report = ingest(settings.paths.raw, settings.paths.validated, settings.paths.quarantine, erased_hashes(settings))
    totals = report.totals
    return [
        SummaryLine("validated", f"{settings.paths.validated} ({totals['accepted']:,} rows accepted)"),
        SummaryLine("quarantine", f"{settings.paths.quarantine} ({totals['quarantined']:,} rows with reasons)"),
    ]


def _features(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from features.pipeline import build_features

    summary = build_features(settings)
    ident = summary["identity"]
    truth = ident.get("truth")
    quality = f", pairwise precision {truth['precision']:.3f} / recall {truth['recall']:.3f}" if truth else ""
    return [
        SummaryLine("identity", f"{ident['customers']:,} customers from {ident['refs']:,} source ids{quality}"),
        SummaryLine("feature store", f"{summary['feast_repo']} (online: {settings.online_store})"),
    ]


def _demand(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from training.demand.pipeline import run_demand_stage

    r = run_demand_stage(settings)
    truth = f", true-mean WAPE {r.truth_wape:.3f}" if r.truth_wape is not None else ""
    return [
        SummaryLine("demand backtest", f"WAPE {r.wape:.3f}, weighted quantile loss {r.wql:.3f}{truth}"),
        SummaryLine("demand model", f"omnicast-demand v{r.registered_version} in {settings.tracking_uri}"),
        SummaryLine("forecasts", f"{r.forecasts} (plot: {r.forecast_plot})"),
    ]


def _nbo(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from training.nbo.pipeline import describe_stage, run_nbo_stage

    return [SummaryLine(what, text) for what, text in describe_stage(run_nbo_stage(settings), settings)]


def _experiment(settings: Settings, options: DemoOptions) -> list[SummaryLine]:
    from experiments.demo import report_demo_experiment

    r = report_demo_experiment(settings.paths.truth, settings.paths.validated, settings.paths.experiment_reports)
    return [SummaryLine("A/B report", str(r.files.html)), SummaryLine("A/B verdict", " | ".join(r.headlines))]


STAGES: tuple[tuple[str, Stage], ...] = (
    ("generate synthetic retailer", _generate),
    ("ingest and validate", _ingest),
    ("identity, profile, Feast", _features),
    ("demand: backtest, train, forecast", _demand),
    ("next best offer: backtest, train, recommend", _nbo),
    ("A/B experiment report", _experiment),
)


def run_demo(settings: Settings, options: DemoOptions | None = None) -> DemoSummary:
    """Run every stage in order; the summary says where each artefact landed."""
    options = options or DemoOptions()
    lines = [SummaryLine("data home", str(Path(settings.home).resolve()))]
    seconds: dict[str, float] = {}
    for name, stage in track(STAGES, "omnicast demo"):
        started = time.perf_counter()
        log.info("stage: %s", name)
        lines.extend(stage(settings, options))
        seconds[name] = time.perf_counter() - started
        log.info("stage %s done in %.1fs", name, seconds[name])
    return DemoSummary(home=Path(settings.home).resolve(), lines=lines, stage_seconds=seconds)
