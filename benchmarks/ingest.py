"""Benchmark: `omnicast data ingest` on a generated retailer (rows/s, peak RSS), and a peer.

    uv run python benchmarks/ingest.py --size large --bad-row-rate 0.01 --workdir /tmp/omnicast-bench
    uv run --with pandera python benchmarks/ingest.py --size large --workdir /tmp/omnicast-bench --peer pandera
    uv run python benchmarks/ingest.py --adapters ../shared/data/online_retail_sample.csv ../shared/data/hillstrom.csv

The retailer is generated once into WORKDIR/raw (reused when present, so the two
commands above measure the same files). Each measured step runs in a fresh child
process so its peak RSS is its own. The peer validates the largest table with the
same contract checks (types, nulls, allowed values, ranges, the qty/returned rule,
references to products/locations/identities, unique key) in pandera with
lazy=True, which is how pandera reports every failing row; our figure for the
same table comes from the same run's per-table timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from omnicast.paths import DataHome, table_file

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    args = _parse()
    if args.adapters:
        print(json.dumps(_child("adapters", args), indent=2))
        return
    if not DataHome(args.workdir).raw_manifest.is_file():
        _child("generate", args)
    results = {"size": args.size, "bad_row_rate": args.bad_row_rate, "ours": _child("ingest", args)}
    if args.peer:
        results["peer"] = _child(args.peer, args)
        ours, peer = results["ours"], results["peer"]
        results[f"{args.table}_peer_over_ours"] = {
            "wall": round(peer["seconds"] / ours["per_table_seconds"][args.table], 2),
            "cpu": round(peer["table_cpu_seconds"] / ours["per_table_cpu_seconds"][args.table], 2),
        }
    print(json.dumps(results, indent=2))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--bad-row-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/omnicast-bench-ingest"))
    parser.add_argument("--peer", choices=["pandera"], default=None)
    parser.add_argument("--table", default="transactions", help="Table the peer validates.")
    parser.add_argument("--adapters", nargs=2, type=Path, metavar=("ONLINE_RETAIL_CSV", "HILLSTROM_CSV"),
                        help="Instead: time import + ingest of the two real formats.")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    return parser.parse_args()


def _child(step: str, args: argparse.Namespace) -> dict:
    """Run one step in a fresh interpreter; return its JSON result plus its peak RSS."""
    cmd = [sys.executable, __file__, "--step", step, "--size", args.size, "--seed", str(args.seed),
           "--bad-row-rate", str(args.bad_row_rate), "--workdir", str(args.workdir), "--table", args.table]
    if args.adapters:
        cmd += ["--adapters", *map(str, args.adapters)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def _step_generate(args: argparse.Namespace) -> dict:
    from features.synthetic import GeneratorConfig, generate

    started = time.perf_counter()
    manifest = generate(
        GeneratorConfig.preset(args.size, seed=args.seed, bad_row_rate=args.bad_row_rate),
        DataHome(args.workdir).raw,
    )
    return {"seconds": round(time.perf_counter() - started, 1), "rows": sum(manifest["row_counts"].values())}


def _step_ingest(args: argparse.Namespace) -> dict:
    import features.ingest.engine as engine
    from features.ingest import ingest

    per_table: dict[str, float] = {}
    per_table_cpu: dict[str, float] = {}
    original = engine._ingest_table

    def timed(con, raw, *rest):  # type: ignore[no-untyped-def]
        started, cpu = time.perf_counter(), _cpu()
        try:
            return original(con, raw, *rest)
        finally:
            per_table[raw.table] = round(time.perf_counter() - started, 2)
            per_table_cpu[raw.table] = round(_cpu() - cpu, 2)

    engine._ingest_table = timed
    started = time.perf_counter()
    home = DataHome(args.workdir)
    report = ingest(home.raw, home.validated, home.quarantine)
    seconds = time.perf_counter() - started
    totals = report.totals
    return {
        "seconds": round(seconds, 2),
        "rows": totals["read"],
        "rows_per_second": round(totals["read"] / seconds),
        "quarantined": totals["quarantined"],
        "per_table_seconds": per_table,
        "per_table_cpu_seconds": per_table_cpu,
        "per_table_rows": {n: t.read for n, t in report.tables.items()},
        "per_table_quarantined": {n: t.quarantined for n, t in report.tables.items()},
    }


def _step_adapters(args: argparse.Namespace) -> dict:
    from features.adapters import import_hillstrom, import_online_retail
    from features.ingest import ingest

    out = {}
    for name, run, path in (("online_retail", import_online_retail, args.adapters[0]),
                            ("hillstrom", import_hillstrom, args.adapters[1])):
        home = DataHome(args.workdir / f"adapter-{name}")
        started = time.perf_counter()
        counts = run(path.resolve(), home.raw)
        mapped = time.perf_counter()
        report = ingest(home.raw, home.validated, home.quarantine).to_dict()
        done = time.perf_counter()
        source_rows = report["adapters"][name]["read"]
        out[name] = {"source_rows": source_rows, "rows_written": counts,
                     "import_seconds": round(mapped - started, 2), "ingest_seconds": round(done - mapped, 2),
                     "source_rows_per_second": round(source_rows / (done - started))}
    return out


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _step_pandera(args: argparse.Namespace) -> dict:
    import pandas as pd
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

    from features.contracts import CONTRACTS

    home = DataHome(args.workdir)
    started, cpu = time.perf_counter(), _cpu()
    frame = pd.read_parquet(table_file(home.raw, args.table))
    contract = CONTRACTS[args.table]
    columns = {}
    for col in contract.columns:
        checks = []
        if col.allowed:
            checks.append(pa.Check.isin(list(col.allowed)))
        if col.min is not None:
            checks.append(pa.Check.ge(col.min))
        if col.max is not None:
            checks.append(pa.Check.le(col.max))
        if col.pattern:
            checks.append(pa.Check.str_matches(f"^(?:{col.pattern})$"))
        if col.references:
            table, key = col.references
            known = pd.read_parquet(home.validated_table(table), columns=[key])[key]
            checks.append(pa.Check.isin(set(known)))
        dtype = {"string": str, "int": "Int64", "float": float, "bool": bool,
                 "timestamp": pa.DateTime, "date": pa.Date}[col.kind]
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=col.nullable, coerce=True)
    frame_checks = []
    if args.table == "transactions":
        frame_checks.append(pa.Check(lambda d: ((d["qty"] > 0) & ~d["returned"]) | ((d["qty"] < 0) & d["returned"])))
    schema = pa.DataFrameSchema(
        columns, checks=frame_checks, unique=list(contract.key), report_duplicates="exclude_first"
    )
    for col in contract.columns:  # pandera's coercion fails a whole column on one bad string
        if col.kind == "timestamp":
            frame[col.name] = pd.to_datetime(frame[col.name], errors="coerce", utc=True, format="ISO8601")
    failures = 0
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        failures = int(exc.failure_cases["index"].nunique())
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "table_cpu_seconds": round(_cpu() - cpu, 2), "rows": len(frame),
            "rows_per_second": round(len(frame) / seconds), "failing_rows": failures}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    ns = _parse()
    if ns.step:
        result = globals()[f"_step_{ns.step}"](ns)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
        result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)  # robust on a busy machine
        print(json.dumps(result))
    else:
        main()
