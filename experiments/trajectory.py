"""The result day by day: what someone peeking each day would have seen.

From per-look sufficient statistics (units so far, sum and sum of squares of the
outcome; `outcomes.daily_outcomes`), each variant's difference from control (in
the metric's units: early relative changes explode while control is near zero)
with its fixed-horizon 95% interval and its always-valid interval, from the
first look with at least `min_units` units per arm. Only
the always-valid one may be acted on mid-test; the chart shows why. No CUPED
here: the adjustment needs unit-level data at every look.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.analysis import AnalysisConfig, TrajectoryPoint
from experiments.stats import sequential
from experiments.stats.welch import welch_diff


def trajectory(
    daily: pd.DataFrame, control: str, metric: str, config: AnalysisConfig, min_units: int = 100
) -> list[TrajectoryPoint]:
    """Points per look and variant for `metric` (a column prefix in `daily`: <metric>_sum, <metric>_ss)."""
    stats = daily.assign(
        mean=daily[f"{metric}_sum"] / daily["n"],
        var=(daily[f"{metric}_ss"] - daily[f"{metric}_sum"] ** 2 / daily["n"]) / (daily["n"] - 1),
    )
    base = stats[stats["variant"] == control].set_index("look")
    points: list[TrajectoryPoint] = []
    for variant, rows in stats[stats["variant"] != control].groupby("variant", sort=True):
        both = rows.set_index("look").join(base, rsuffix="_c", how="inner")
        both = both[(both["n"] >= min_units) & (both["n_c"] >= min_units)]
        est = welch_diff(both["mean_c"], both["var_c"], both["n_c"], both["mean"], both["var"], both["n"], config.alpha)
        lo, hi = sequential.confidence_sequence(
            est.point, np.asarray(est.se) ** 2, both["n"] + both["n_c"], config.alpha, config.sequential_tuning
        )
        frame = pd.DataFrame({
            "look": both.index, "n_control": both["n_c"], "n_variant": both["n"], "estimate": est.point,
            "lower": est.lower, "upper": est.upper, "seq_lower": lo, "seq_upper": hi,
        })
        frame = frame[np.isfinite(frame[["estimate", "lower", "upper", "seq_lower", "seq_upper"]]).all(axis=1)]
        points.extend(
            TrajectoryPoint(metric=metric, variant=str(variant), look=r.look.isoformat(), n_control=int(r.n_control),
                            n_variant=int(r.n_variant), estimate=r.estimate, lower=r.lower, upper=r.upper,
                            seq_lower=r.seq_lower, seq_upper=r.seq_upper)
            for r in frame.itertuples(index=False)
        )
    return points
