"""Leakage: nothing after the origin may move a feature; folds never see their test window."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from training.demand.backtest import run_backtest
from training.demand.features import GridArrays, build_features
from training.demand.panel import regularise
from training.demand.simulate import SIM_SPEC as SPEC
from training.demand.simulate import simulate_panel

GRID = regularise(simulate_panel(n_series=5, days=200, seed=1), SPEC)


@given(st.integers(min_value=30, max_value=190), st.integers(min_value=1, max_value=28), st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_perturbing_the_future_leaves_features_unchanged(cut: int, h: int, seed: int) -> None:
    t = GRID["_t"].to_numpy() - GRID["_t"].min()
    sid = GRID["_sid"].to_numpy()
    y = GRID["units"].to_numpy(float)
    cens = np.zeros(len(y), bool)
    rows = np.flatnonzero((t > cut) & (t - h <= cut) & (t - h >= 0))
    rows = rows[rows - h >= GridArrays.build(sid, y, cens).start[rows]]
    hs = np.full(len(rows), h)
    rng = np.random.default_rng(seed)
    future = t > cut
    y2 = y.copy()
    y2[future] = rng.permutation(y[future]) * rng.uniform(0, 5) + rng.poisson(3, future.sum())
    before, s1 = build_features(GRID, SPEC, GridArrays.build(sid, y, cens), rows, hs, 0.1)
    after, s2 = build_features(GRID, SPEC, GridArrays.build(sid, y2, cens), rows, hs, 0.1)
    pd.testing.assert_frame_equal(before, after)
    np.testing.assert_array_equal(s1, s2)


def test_backtest_folds_never_see_the_test_window() -> None:
    panel = simulate_panel(n_series=6, days=160, seed=2)
    seen: list[tuple[pd.Timestamp, pd.DataFrame]] = []

    def spy(train: pd.DataFrame, future: pd.DataFrame) -> pd.DataFrame:
        seen.append((train.date.max(), future))
        last = train.sort_values("date").groupby(["store", "sku"]).tail(1)
        return future[["store", "sku", "date"]].merge(last[["store", "sku", "units"]], on=["store", "sku"]).assign(
            h=0, **{"mean": lambda d: d.units, "q0.1": 0.0, "q0.5": lambda d: d.units, "q0.9": lambda d: d.units * 2}
        ).drop(columns="units")

    result = run_backtest(spy, panel, SPEC, horizon=14, folds=3)
    assert len(seen) == 3
    for train_end, future in seen:
        assert future.units.isna().all()
        assert future.date.min() == train_end + pd.Timedelta(days=1)
        assert future.date.max() == train_end + pd.Timedelta(days=14)
    ends = sorted(end for end, _ in seen)
    assert [b - a for a, b in zip(ends, ends[1:])] == [pd.Timedelta(days=14)] * 2
    assert set(result.forecasts.fold) == {1, 2, 3}
