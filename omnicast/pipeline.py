"""The main job's stages, in data-flow order (DESIGN.md, "Data flow").

Each capability appends its stage here; `omnicast demo` runs them all on the
embedded default and reports where each artefact landed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from omnicast.settings import Settings

log = logging.getLogger(__name__)


def run_demo(settings: Settings, size: str = "demo", bad_row_rate: float = 0.01) -> dict[str, str]:
    """Generate -> ingest -> summarize; returns a short 'what and where' summary."""
    from features.ingest import ingest
    from features.synthetic import GeneratorConfig, generate

    config = GeneratorConfig.preset(size, seed=settings.seed, bad_row_rate=bad_row_rate)
    manifest = generate(config, settings.raw_dir)
    report = ingest(settings.raw_dir, settings.validated_dir, settings.quarantine_dir).to_dict()
    totals = report["totals"]
    return {
        "data home": str(Path(settings.home).resolve()),
        "raw tables": f"{settings.raw_dir} ({sum(manifest['row_counts'].values()):,} rows)",
        "validated": f"{settings.validated_dir} ({totals['accepted']:,} rows accepted)",
        "quarantine": f"{settings.quarantine_dir} ({totals['quarantined']:,} rows with reasons)",
    }
