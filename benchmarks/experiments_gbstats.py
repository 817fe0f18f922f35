"""GrowthBook gbstats reference figures on Hillstrom, and how far Omnicast's engine is from them.

gbstats pins old numpy/pandas, so it is never a project dependency. Two modes:

1. Produce the reference (isolated environment with gbstats; imports nothing from Omnicast):
     uv run --isolated --no-project --python 3.11 --with gbstats==0.8.0 \
         python benchmarks/experiments_gbstats.py --write tests/fixtures/gbstats_hillstrom.json
2. Compare Omnicast against the pinned reference (project environment):
     uv run python benchmarks/experiments_gbstats.py --compare tests/fixtures/gbstats_hillstrom.json

The fixture is what tests/experiments/test_reference_gbstats.py pins.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "fixtures" / "hillstrom.csv"
CONTROL = "No E-Mail"
VARIANTS = ("Mens E-Mail", "Womens E-Mail")
METRICS = ("visit", "conversion", "spend")
RATIO = ("spend", "visit")  # spend per visit
COVARIATE = "history"
COMMAND = (
    "uv run --isolated --no-project --python 3.11 --with gbstats==0.8.0 "
    "python benchmarks/experiments_gbstats.py --write tests/fixtures/gbstats_hillstrom.json"
)


def _freq(res) -> dict:
    return {"expected": float(res.expected), "ci": [float(v) for v in res.ci], "p_value": float(res.p_value)}


def _bayes(res) -> dict:
    return {
        "expected": float(res.expected),
        "ci": [float(v) for v in res.ci],
        "chance_to_win": float(res.chance_to_win),
        "risk": [float(v) for v in res.risk],
    }


def write_reference(out: Path) -> None:
    """Run gbstats on Hillstrom's sufficient statistics (gbstats environment only)."""
    import importlib.metadata

    import numpy as np
    import pandas as pd
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
    from gbstats.frequentist.tests import FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest
    from gbstats.models.statistics import (
        ProportionStatistic,
        RatioStatistic,
        RegressionAdjustedStatistic,
        SampleMeanStatistic,
    )
    from gbstats.utils import check_srm

    df = pd.read_csv(DATA)
    arms = {a: g for a, g in df.groupby("segment")}

    def mean_stat(g: pd.DataFrame, col: str) -> SampleMeanStatistic:
        y = g[col].to_numpy(float)
        return SampleMeanStatistic(n=len(y), sum=float(y.sum()), sum_squares=float((y**2).sum()))

    def ra_stat(g: pd.DataFrame, col: str) -> RegressionAdjustedStatistic:
        y, x = g[col].to_numpy(float), g[COVARIATE].to_numpy(float)
        return RegressionAdjustedStatistic(
            n=len(y), post_statistic=mean_stat(g, col), pre_statistic=mean_stat(g, COVARIATE),
            post_pre_sum_of_products=float((y * x).sum()), theta=0,
        )

    def ratio_stat(g: pd.DataFrame) -> RatioStatistic:
        m, d = g[RATIO[0]].to_numpy(float), g[RATIO[1]].to_numpy(float)
        return RatioStatistic(
            n=len(m), m_statistic=mean_stat(g, RATIO[0]), d_statistic=mean_stat(g, RATIO[1]),
            m_d_sum_of_products=float((m * d).sum()),
        )

    def run_all(make) -> dict:
        out: dict = {}
        for diff in ("absolute", "relative"):
            a, b = make()
            out[f"ttest_{diff}"] = _freq(TwoSidedTTest(a, b, FrequentistConfig(difference_type=diff)).compute_result())
            a, b = make()
            out[f"sequential_{diff}"] = _freq(
                SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type=diff, sequential_tuning_parameter=5000)).compute_result()
            )
            a, b = make()
            out[f"bayes_{diff}"] = _bayes(EffectBayesianABTest(a, b, EffectBayesianConfig(difference_type=diff)).compute_result())
        return out

    results: dict = {}
    for variant in VARIANTS:
        ctrl, trt = arms[CONTROL], arms[variant]
        for col in METRICS:
            results[f"{col}|{variant}|plain"] = run_all(lambda ctrl=ctrl, trt=trt, col=col: (mean_stat(ctrl, col), mean_stat(trt, col)))
            results[f"{col}|{variant}|cuped"] = run_all(lambda ctrl=ctrl, trt=trt, col=col: (ra_stat(ctrl, col), ra_stat(trt, col)))
            if col != "spend":
                def prop(ctrl=ctrl, trt=trt, col=col):
                    return (
                        ProportionStatistic(n=len(ctrl), sum=float(ctrl[col].sum())),
                        ProportionStatistic(n=len(trt), sum=float(trt[col].sum())),
                    )
                results[f"{col}|{variant}|proportion"] = run_all(prop)
        results[f"spend_per_visit|{variant}|ratio"] = run_all(lambda ctrl=ctrl, trt=trt: (ratio_stat(ctrl), ratio_stat(trt)))
    counts = df["segment"].value_counts()
    order = [CONTROL, *VARIANTS]
    reference = {
        "command": COMMAND,
        "versions": {
            "gbstats": importlib.metadata.version("gbstats"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": sys.version.split()[0],
        },
        "data": "tests/fixtures/hillstrom.csv",
        "srm": {"arms": order, "counts": [int(counts[a]) for a in order], "p_value": float(check_srm([int(counts[a]) for a in order], [1, 1, 1]))},
        "results": results,
    }
    out.write_text(json.dumps(reference, indent=1, sort_keys=True))
    print(f"wrote {len(results)} reference cases to {out}")


def omnicast_figures(case: str) -> dict:
    """Omnicast's numbers for one reference case, in gbstats' shape."""
    sys.path.insert(0, str(ROOT))
    from experiments.analysis import AnalysisConfig, compare
    from experiments.metrics import MetricSpec

    metric, variant, kind = case.split("|")
    df = _hillstrom()
    if kind == "ratio":
        spec = MetricSpec(name=metric, kind="ratio", numerator=RATIO[0], denominator=RATIO[1])
    else:
        spec = MetricSpec(name=metric, kind="continuous", column=metric)
    config = AnalysisConfig(covariates=[COVARIATE] if kind == "cuped" else [], sequential_tuning=5000)
    c = compare(spec, df[df.segment == CONTROL], df[df.segment == variant], variant, config)
    abs_, rel = c.decision_absolute, c.decision_relative
    out = {
        "ttest_absolute": {"expected": abs_.estimate, "ci": [abs_.lower, abs_.upper], "p_value": abs_.p_value},
        "ttest_relative": {"expected": rel.estimate, "ci": [rel.lower, rel.upper], "p_value": rel.p_value},
    }
    for diff, seq in (("absolute", c.sequential_absolute), ("relative", c.sequential_relative)):
        out[f"sequential_{diff}"] = {"expected": seq.estimate, "ci": [seq.lower, seq.upper], "p_value": seq.p_value}
    out["bayes_relative"] = {
        "expected": rel.estimate,
        "chance_to_win": c.chance_to_win,
        "risk": [c.loss_if_keep, c.loss_if_ship],
    }
    return out


_CACHE: dict = {}


def _hillstrom():
    import pandas as pd

    if "df" not in _CACHE:
        _CACHE["df"] = pd.read_csv(DATA)
    return _CACHE["df"]


def _flatten(prefix: str, value) -> dict[str, float]:
    if isinstance(value, dict):
        out: dict[str, float] = {}
        for k, v in value.items():
            out.update(_flatten(f"{prefix}.{k}", v))
        return out
    if isinstance(value, list):
        return {f"{prefix}[{i}]": float(v) for i, v in enumerate(value)}
    return {prefix: float(value)}


def compare_reference(path: Path) -> dict[str, float]:
    """Max relative difference per case between Omnicast and the pinned gbstats figures."""
    reference = json.loads(path.read_text())
    worst: dict[str, float] = {}
    for case, ref in reference["results"].items():
        if case.endswith("|proportion"):
            continue  # gbstats' ProportionStatistic uses variance p(1-p) (ddof 0): documented difference
        mine = _flatten(case, omnicast_figures(case))
        theirs = _flatten(case, ref)
        diffs = [abs(v - theirs[k]) / max(abs(theirs[k]), 1e-12) for k, v in mine.items()]
        worst[case] = max(diffs)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="run gbstats and write the reference JSON here")
    group.add_argument("--compare", type=Path, help="compare Omnicast against this reference JSON")
    args = parser.parse_args()
    if args.write:
        write_reference(args.write)
        return
    worst = compare_reference(args.compare)
    for case, diff in worst.items():
        print(f"{case:45s} max relative difference {diff:.2e}")
    print(f"overall max relative difference: {max(worst.values()):.2e} over {len(worst)} cases")


if __name__ == "__main__":
    main()
