"""Statistics validation at scale, and analysis speed on Hillstrom against scipy/statsmodels.

    uv run python benchmarks/experiments_validation.py            # full (20,000 simulated tests per check)
    uv run python benchmarks/experiments_validation.py --sims 2000  # quick

Prints a Markdown table per part (paste into docs/BENCHMARKS.md, "## Experiments"):
1. A/A false-positive rates and A/B interval coverage with Monte-Carlo standard errors;
2. A/A tests peeked at every 50 units per arm: fixed-horizon vs always-valid;
3. wall time of the full Hillstrom analysis vs the same numbers from scipy/statsmodels.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import validation
from experiments.analysis import AnalysisConfig, analyze
from experiments.metrics import infer_metric
from experiments.report.files import write_report

ROOT = Path(__file__).resolve().parents[1]
HILLSTROM = ROOT / "tests" / "fixtures" / "hillstrom.csv"
SIZES = {"binary": 400, "continuous": 2000}


def _row(r: validation.Rate) -> str:
    off = (r.rate - r.nominal) / r.se if r.se else float("nan")
    return f"| {r.name} | {r.sims:,} | {r.rate:.4f} | {r.se:.4f} | {r.nominal:.2f} | {off:+.1f} | {'yes' if r.within(4) else 'NO'} |"


def error_rates(sims: int) -> list[str]:
    lines = ["| check | simulated tests | rate | MC s.e. | nominal | (rate-nominal)/s.e. | within 4 s.e. |", "|---|---:|---:|---:|---:|---:|---|"]
    for kind, n in SIZES.items():
        rates = (
            validation.aa_false_positive_rate(sims, n, kind, seed=101)
            + validation.ab_coverage(sims, n, kind, lift=0.1, seed=102)
            + validation.cuped_coverage(max(sims // 4, 500), n, kind, lift=0.1, seed=106)
        )
        lines.extend(_row(r) for r in rates)
    lines.append("| *small sample: continuous, 300 units/arm (~60 buyers)* | | | | | | |")
    for r in validation.aa_false_positive_rate(sims, 300, "continuous", seed=103)[1:] + validation.ab_coverage(sims, 300, "continuous", lift=0.1, seed=104)[1:2]:
        lines.append(_row(r))
    return lines


def peeking(sims: int) -> list[str]:
    lines = ["| check | simulated tests | rate of ever rejecting | MC s.e. | nominal |", "|---|---:|---:|---:|---:|"]
    for kind in SIZES:
        for r in validation.peeking(max(sims // 5, 500), 3000, 50, kind, seed=105):
            lines.append(f"| {r.name} | {r.sims:,} | {r.rate:.4f} | {r.se:.4f} | {r.nominal:.2f} |")
    return lines


def peer_analysis(df: pd.DataFrame, control: str, metrics: list[str], covariate: str) -> dict:
    """The same numbers from scipy/statsmodels directly: Welch, Wald proportions, OLS-CUPED, Holm, SRM."""
    import statsmodels.api as sm
    from scipy import stats
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import test_proportions_2indep

    out: dict = {"srm": stats.chisquare(df["segment"].value_counts().to_numpy()).pvalue}
    pvals = []
    ctrl = df[df.segment == control]
    for variant in sorted(set(df.segment) - {control}):
        trt = df[df.segment == variant]
        pair = pd.concat([ctrl, trt])
        x = sm.add_constant(np.column_stack([(pair.segment == variant).astype(float), pair[covariate] - pair[covariate].mean()]))
        for m in metrics:
            res = stats.ttest_ind(trt[m], ctrl[m], equal_var=False)
            ci = res.confidence_interval()
            if set(df[m].unique()) <= {0, 1}:
                test_proportions_2indep(trt[m].sum(), len(trt), ctrl[m].sum(), len(ctrl), method="wald")
            ols = sm.OLS(pair[m].to_numpy(float), x).fit(cov_type="HC1")
            out[(m, variant)] = (res.pvalue, ci.low, ci.high, ols.params[1])
            pvals.append(res.pvalue)
    out["holm"] = multipletests(pvals, method="holm")[1]
    return out


def timing(repeats: int = 5) -> list[str]:
    df = pd.read_csv(HILLSTROM)
    names = ["spend", "visit", "conversion"]
    metrics = [infer_metric(n, df[n]) for n in names]

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    ours = best(lambda: analyze(df, "segment", "No E-Mail", metrics, AnalysisConfig(covariates=["history"])))
    peer = best(lambda: peer_analysis(df, "No E-Mail", names, "history"))
    seg_config = AnalysisConfig(covariates=["history"], segments=["zip_code", "channel", "history_segment"])
    ours_seg = best(lambda: analyze(df, "segment", "No E-Mail", metrics, seg_config))
    result = analyze(df, "segment", "No E-Mail", metrics, seg_config)
    tmp = ROOT / ".bench-tmp"
    report = best(lambda: write_report(result, tmp, "hillstrom"))
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    return [
        "| task (Hillstrom, 64,000 units, 3 arms, 3 metrics, CUPED on history) | best of 5 (s) | ratio |",
        "|---|---:|---:|",
        f"| Omnicast analyze: SRM, Welch, delta lift, CUPED, sequential, Bayes, Holm | {ours:.3f} | {ours / peer:.2f}x peer |",
        f"| scipy/statsmodels peer: SRM, Welch + CI, Wald proportions, OLS-CUPED (HC1), Holm | {peer:.3f} | 1.00 |",
        f"| Omnicast analyze with 3 segment breakdowns ({sum(len(m.segments) for m in result.metrics)} more comparisons) | {ours_seg:.3f} | |",
        f"| HTML + JSON + CSV report of that result | {report:.3f} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sims", type=int, default=20000, help="simulated tests per check (CUPED: a quarter)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}\n")
    t = time.perf_counter()
    print("\n".join(error_rates(args.sims)), "\n")
    print("\n".join(peeking(args.sims)), "\n")
    print(f"(simulations took {time.perf_counter() - t:.1f} s)\n")
    print("\n".join(timing()))


if __name__ == "__main__":
    main()
