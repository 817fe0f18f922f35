"""Benchmark: the synthetic retailer generator (`omnicast data generate`) per preset.

    uv run python benchmarks/generate.py                       # demo and large
    uv run python benchmarks/generate.py --sizes demo small --bad-row-rate 0.01

Each preset runs in a fresh child process (so its peak RSS is its own, read from
wait4's rusage) and writes into WORKDIR/<size>/raw. Reported: wall time of the
child (imports included) and of generate() alone, the child's CPU time (user + sys;
less sensitive to a shared machine than wall time), transaction lines, all rows
written (source tables; truth not counted), rows/s, peak RSS. Prints a Markdown
table for docs/BENCHMARKS.md ("## Synthetic generator") and the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from omnicast.paths import DataHome

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
from pathlib import Path
from features.synthetic import GeneratorConfig, generate
config = GeneratorConfig.preset(sys.argv[1], seed=int(sys.argv[2]), bad_row_rate=float(sys.argv[3]))
started = time.perf_counter()
manifest = generate(config, Path(sys.argv[4]))
print(json.dumps({"seconds": time.perf_counter() - started, "row_counts": manifest["row_counts"]}))
"""


def run(size: str, seed: int, bad_row_rate: float, workdir: Path) -> dict:
    out = DataHome(workdir / size).raw  # one data home per preset
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, size, str(seed), str(bad_row_rate), str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    stdout = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{size}: generator failed with exit code {child.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    rows = sum(result["row_counts"].values())
    return {
        "size": size, "wall_seconds": round(wall, 2), "generate_seconds": round(result["seconds"], 2),
        "transaction_lines": result["row_counts"]["transactions"], "rows": rows,
        "rows_per_second": round(rows / result["seconds"]), "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "row_counts": result["row_counts"],
    }


def markdown(results: list[dict]) -> str:
    lines = ["| preset | transaction lines | rows written | generate() s | child wall s | child CPU s | rows/s "
             "| peak RSS MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['size']} | {r['transaction_lines']:,} | {r['rows']:,} | {r['generate_seconds']:.1f} | "
                     f"{r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['rows_per_second']:,} | "
                     f"{r['peak_rss_mib']:,} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["demo", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bad-row-rate", type=float, default=0.0)
    parser.add_argument("--workdir", type=Path, default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="omnicast-gen-bench-"))
    load_before = os.getloadavg()[0]
    results = [run(size, args.seed, args.bad_row_rate, workdir) for size in args.sizes]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after; "
          f"seed {args.seed}, bad-row-rate {args.bad_row_rate}; output in {workdir}")
    print(markdown(results))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
