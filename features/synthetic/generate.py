"""`generate`: build the world, then write table by table into a staging dir and swap it in."""

from __future__ import annotations

from pathlib import Path

from features.contracts import CONTRACTS, SCHEMA_VERSION
from features.synthetic import tables, truth
from features.synthetic.config import GENERATOR_VERSION, GeneratorConfig
from features.synthetic.faults import FaultLog, inject
from features.synthetic.world import World
from features.synthetic.writer import replace_dir_atomically, to_arrow, write_json, write_parquet
from omnicast.progress import track


def generate(config: GeneratorConfig, raw_dir: Path) -> dict:
    """Write every contract table to raw_dir/<table>.parquet, truth to raw_dir/truth/, and a manifest.

    Returns the manifest (seed, config, schema version, row counts, faults per table and type).
    """
    world = World(config)
    fault_rng = config.rngs()["faults"]
    log = FaultLog()
    row_counts: dict[str, int] = {}
    manifest: dict = {}

    def fill(staging: Path) -> None:
        for name in track(list(CONTRACTS), "writing source tables"):
            table = to_arrow(CONTRACTS[name], tables.BUILDERS[name](world))
            if config.bad_row_rate:
                table = inject(name, table, config.bad_row_rate, fault_rng, log)
            row_counts[name] = table.num_rows
            write_parquet(table, staging / f"{name}.parquet")
            del table
        written = []
        for name, build in track(list(truth.TABLES.items()), "writing ground truth"):
            write_parquet(build(world), staging / "truth" / f"{name}.parquet")
            written.append(f"truth/{name}.parquet")
        for name, doc in truth.documents(world).items():
            write_json(doc, staging / "truth" / f"{name}.json")
            written.append(f"truth/{name}.json")
        write_parquet(log.to_arrow(), staging / "truth" / "faults.parquet")
        manifest.update({
            "generator": "omnicast.features.synthetic",
            "generator_version": GENERATOR_VERSION,
            "schema_version": SCHEMA_VERSION,
            "seed": config.seed,
            "config": config.model_dump(mode="json"),
            "start_date": str(world.cal.dates[0]),
            "end_date": str(world.cal.dates[-1]),
            "row_counts": row_counts,
            "faults": log.counts(),
            "truth": sorted([*written, "truth/faults.parquet"]),
        })
        write_json(manifest, staging / "manifest.json")

    replace_dir_atomically(Path(raw_dir), fill)
    return manifest
