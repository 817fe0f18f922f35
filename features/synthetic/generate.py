"""`generate`: build the world, then write table by table into a staging dir and swap it in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from features.contracts import CONTRACTS, SCHEMA_VERSION
from features.synthetic import tables, truth
from features.synthetic.config import GENERATOR_VERSION, GeneratorConfig
from features.synthetic.faults import FaultLog, inject
from features.synthetic.world import World
from features.synthetic.writer import replace_dir_atomically, to_arrow, write_json, write_parquet
from omnicast.paths import TRUTH_DIR
from omnicast.progress import track


def generate(config: GeneratorConfig, raw_dir: Path) -> dict:
    """Write every contract table to raw_dir/<table>.parquet, truth to raw_dir/truth/, and a manifest.

    Returns the manifest (seed, config, schema version, row counts, faults per table and type).
    """
    world = World(config)
    manifest: dict = {}

    def fill(staging: Path) -> None:
        log = FaultLog()
        row_counts = _write_tables(world, staging, config.rngs()["faults"], log)
        written = _write_truth(world, staging, log)
        manifest.update(_manifest(world, row_counts, log, written))
        write_json(manifest, staging / "manifest.json")

    replace_dir_atomically(Path(raw_dir), fill)
    return manifest


def _write_tables(world: World, staging: Path, fault_rng: np.random.Generator, log: FaultLog) -> dict[str, int]:
    """Each source table in contract shape, with faults when asked; one table in memory at a time."""
    row_counts: dict[str, int] = {}
    for name in track(list(CONTRACTS), "writing source tables"):
        table = to_arrow(CONTRACTS[name], tables.BUILDERS[name](world))
        if world.cfg.bad_row_rate:
            table = inject(name, table, world.cfg.bad_row_rate, fault_rng, log)
        row_counts[name] = table.num_rows
        write_parquet(table, staging / f"{name}.parquet")
    return row_counts


def _write_truth(world: World, staging: Path, log: FaultLog) -> list[str]:
    written = []
    for name, build in track(list(truth.TABLES.items()), "writing ground truth"):
        write_parquet(build(world), staging / TRUTH_DIR / f"{name}.parquet")
        written.append(f"{TRUTH_DIR}/{name}.parquet")
    for name, doc in truth.documents(world).items():
        write_json(doc, staging / TRUTH_DIR / f"{name}.json")
        written.append(f"{TRUTH_DIR}/{name}.json")
    write_parquet(log.to_arrow(), staging / TRUTH_DIR / "faults.parquet")
    return sorted([*written, f"{TRUTH_DIR}/faults.parquet"])


def _manifest(world: World, row_counts: dict[str, int], log: FaultLog, truth_files: list[str]) -> dict:
    cfg = world.cfg
    return {
        "generator": "omnicast.features.synthetic",
        "generator_version": GENERATOR_VERSION,
        "schema_version": SCHEMA_VERSION,
        "seed": cfg.seed,
        "config": cfg.model_dump(mode="json"),
        "start_date": str(world.cal.dates[0]),
        "end_date": str(world.cal.dates[-1]),
        "row_counts": row_counts,
        "faults": log.counts(),
        "experiments": [exp.design.experiment_id for exp in world.experiments],
        "truth": truth_files,
    }
