"""The result day by day: what someone peeking each day would have seen.

From per-look sufficient statistics (units so far, sum and sum of squares of the
outcome; `outcomes.daily_outcomes`), each variant's difference from control (in
the metric's units: early relative changes explode while control is near zero)
with its fixed-horizon interval (at the analysis' 1 - alpha) and its always-valid interval, from the
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
            est.point, est.se**2, both["n"] + both["n_c"], config.alpha, config.sequential_tuning
        )
        values = np.column_stack([est.point, est.lower, est.upper, lo, hi])
        keep = np.isfinite(values).all(axis=1)
        looks = pd.DatetimeIndex(both.index)[keep]
        counts = both[["n_c", "n"]].to_numpy(np.int64)[keep]
        points.extend(
            TrajectoryPoint(metric=metric, variant=str(variant), look=look.isoformat(), n_control=int(nc),
                            n_variant=int(nv), estimate=v[0], lower=v[1], upper=v[2], seq_lower=v[3], seq_upper=v[4])
            for look, (nc, nv), v in zip(looks, counts, values[keep].tolist())
        )
    return points
