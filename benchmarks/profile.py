"""Benchmark: profile build, identity quality, materialization and online reads.

    uv run python benchmarks/profile.py --home /tmp/hbench \
        [--generate large --customers 100000] [--reads 2000] [--json out.json]

Stages (each timed; the build runs in a child process so its peak RSS is its own):
1. identity + profile tables (+ demand view) from the validated tables;
   identity pairwise precision/recall against the generator's truth;
2. Feast apply + materialize to SQLite, then to a real redis-server started
   here on 127.0.0.1 (rows/s = entity rows written / seconds);
3. online read latency of one customer's `nbo_customer` service (profile +
   consent + activity): Feast SDK `get_online_features` vs the pre-resolved
   `OnlineReader` (the serving path), p50/p99 over random customers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from omnicast.paths import DataHome


def _child_build(home: str) -> None:
    """Run in a fresh process: the build's wall time and peak RSS."""
    from features.pipeline import build_tables
    from omnicast.settings import load_settings

    started = time.perf_counter()
    summary = build_tables(load_settings(home=home))
    summary["seconds"] = time.perf_counter() - started
    summary["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(summary, default=str))


def _sizes(home: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    val = DataHome(home)
    return {t: pq.ParquetFile(val.validated_table(t)).metadata.num_rows
            for t in ("identities", "transactions", "events", "consents", "inventory")}


def _redis(port: int, workdir: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server is not installed")
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def _store_stage(settings, customers: list[str], reads: int) -> dict:
    from features.feature_repo import store as fs

    fs.apply(settings)
    started = time.perf_counter()
    written = fs.materialize(settings)
    seconds = time.perf_counter() - started
    store = fs.open_store(settings)
    rng = np.random.default_rng(0)
    picks = rng.choice(customers, size=reads)
    service = store.get_feature_service("nbo_customer")
    fs.online_features(store, "nbo_customer", [{"customer_id": picks[0]}])  # warm caches
    sdk = []
    for c in picks:
        t = time.perf_counter()
        store.get_online_features(features=service, entity_rows=[{"customer_id": c}]).to_dict()
        sdk.append(time.perf_counter() - t)
    reader = fs.OnlineReader(store, "nbo_customer")
    fast = []
    for c in picks:
        t = time.perf_counter()
        reader.read(c)
        fast.append(time.perf_counter() - t)
    rows = sum(written.values())
    return {
        "materialize_seconds": round(seconds, 2),
        "rows_written": rows,
        "rows_per_second": round(rows / seconds),
        "rows_by_view": written,
        "read_sdk": _percentiles(sdk),
        "read_online_reader": _percentiles(fast),
        "reads": reads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--generate", help="generator preset to create the data home with")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child-build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        _child_build(str(args.home))
        return
    env = {**os.environ, "OMNICAST_HOME": str(args.home)}
    if args.generate:
        extra = ["--customers", str(args.customers)] if args.customers else []
        subprocess.run(["omnicast", "data", "generate", "--size", args.generate, *extra], env=env, check=True)
        subprocess.run(["omnicast", "data", "ingest"], env=env, check=True)

    out = subprocess.run([sys.executable, __file__, "--home", str(args.home), "--child-build"],
                         capture_output=True, text=True, check=True)
    build = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    result = {"inputs": _sizes(args.home), "build": {
        "seconds": round(build["seconds"], 1), "peak_rss_mib": round(build["peak_rss_mib"]),
        "rows": build["rows"]}, "identity": {
        k: build["identity"][k] for k in ("refs", "customers", "largest_component")}}
    result["identity"]["truth"] = build["identity"].get("truth")
    result["identity"]["dropped_keys"] = {
        k: {n: v for n, v in s.items() if n.startswith("dropped")} for k, s in build["identity"]["keys"].items()}

    from omnicast.settings import load_settings

    customers = sorted(set(pd.read_parquet(build["identity_map"])["customer_id"]))
    for backend in ("sqlite", "redis"):
        proc = None
        overrides = {}
        shutil.rmtree(DataHome(args.home).feast, ignore_errors=True)
        if backend == "redis":
            port = _free_port()
            proc = _redis(port, args.home)
            overrides = {"online_store": "redis", "redis_url": f"127.0.0.1:{port}"}
        try:
            result[backend] = _store_stage(load_settings(home=args.home, **overrides), customers, args.reads)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
    shutil.rmtree(DataHome(args.home).feast, ignore_errors=True)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
