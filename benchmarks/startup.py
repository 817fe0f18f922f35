"""Start-up time of `omnicast` commands: this checkout against an earlier one, in the same run.

    git archive e6cc05b | (mkdir -p /tmp/omnicast-before && tar -x -C /tmp/omnicast-before)
    uv run python benchmarks/startup.py --before /tmp/omnicast-before --runs 10

Both trees run on this virtualenv's interpreter (`python -m omnicast.cli`, the
tree first on PYTHONPATH, bytecode cached by warm-up runs), from an empty
temporary folder with a fresh data home. Runs alternate between the two trees,
so both see the same machine load; the figures are medians of wall and CPU
(user + system) time per command, and the ratio before / after. `--importtime`
adds the slowest imports (`python -X importtime`) of each tree for one command.

The commands: `--help`, every group's `--help`, and one command per group that
starts its real work (some stop at once with a user error on the empty home:
what is timed is everything up to that point, i.e. the imports).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GROUP_HELP = ["data", "features", "train", "backtest", "models", "forecast", "serve", "experiment", "monitor", "privacy"]
COMMANDS = {
    "data summary": ["data", "summary"],
    "features get": ["features", "get", "web:W1"],
    "train demand (bad panel)": ["train", "demand", "--panel", "missing.csv", "--id", "sku"],
    "backtest demand (bad panel)": ["backtest", "demand", "--panel", "missing.csv", "--id", "sku"],
    "models list": ["models", "list"],
    "forecast demand (bad --out)": ["forecast", "demand", "--out", "x.csv"],
    "experiment power": ["experiment", "power", "--baseline", "0.1", "--mde", "0.05"],
    "privacy export": ["privacy", "export", "web:W1"],
}


def cases() -> dict[str, list[str]]:
    out = {"omnicast --help": ["--help"]}
    out.update({f"omnicast {g} --help": [g, "--help"] for g in GROUP_HELP})
    out.update(COMMANDS)
    return out


def _env(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNICAST_", "PYTHON"))}
    return {**env, "PYTHONPATH": str(tree), "OMNICAST_HOME": str(home), "COLUMNS": "100"}


def run_once(tree: Path, args: list[str], workdir: Path) -> tuple[float, float, int]:
    """(wall s, CPU s of the child, exit code) of one `python -m omnicast.cli ...`."""
    home = Path(tempfile.mkdtemp(dir=workdir, prefix="home-"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "omnicast.cli", *args], cwd=workdir, env=_env(tree, home),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def measure(trees: dict[str, Path], runs: int, workdir: Path, only: list[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, args in cases().items():
        if only and name not in only:
            continue
        samples: dict[str, list[tuple[float, float, int]]] = {t: [] for t in trees}
        for path in trees.values():  # warm-up: bytecode compiled and cached
            run_once(path, args, workdir)
        for _ in range(runs):
            for tree, path in trees.items():
                samples[tree].append(run_once(path, args, workdir))
        results[name] = {
            tree: {
                "wall_median": round(statistics.median(s[0] for s in got), 3),
                "wall_min": round(min(s[0] for s in got), 3),
                "cpu_median": round(statistics.median(s[1] for s in got), 3),
                "exit_code": got[-1][2],
            }
            for tree, got in samples.items()
        }
        if len(trees) == 2:
            b, a = (results[name][t] for t in trees)
            results[name]["ratio"] = {"wall": round(b["wall_median"] / a["wall_median"], 2),
                                      "cpu": round(b["cpu_median"] / a["cpu_median"], 2)}
        print(name, json.dumps(results[name]), file=sys.stderr)
    return results


def slowest_imports(tree: Path, args: list[str], workdir: Path, top: int = 12) -> list[tuple[str, float]]:
    """Top-level imports by cumulative time (s), from one `python -X importtime` run."""
    home = Path(tempfile.mkdtemp(dir=workdir, prefix="home-"))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "omnicast.cli", *args], cwd=workdir,
                          env=_env(tree, home), capture_output=True, text=True, timeout=300)
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m[2]) <= 2:  # first two nesting levels: what the command asked for
            rows.append((m[3].strip(), int(m[1]) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="an earlier checkout to compare with")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--importtime", nargs="*", default=["omnicast --help", "experiment power", "models list"],
                        help="cases to break down with -X importtime")
    parser.add_argument("--only", nargs="*", help="measure only these cases")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["after"] = ROOT
    with open("/proc/loadavg") as f:
        load_start = f.read().split()[:3]
    with tempfile.TemporaryDirectory(prefix="omnicast-startup-") as tmp:
        workdir = Path(tmp)
        result = {"runs": args.runs, "load_average_at_start": load_start, "python": sys.version.split()[0],
                  "cases": measure(trees, args.runs, workdir, args.only)}
        result["importtime"] = {
            case: {tree: slowest_imports(path, cases()[case], workdir) for tree, path in trees.items()}
            for case in args.importtime
        }
    with open("/proc/loadavg") as f:
        result["load_average_at_end"] = f.read().split()[:3]
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
