"""Known answers and invariants of the forecast metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.demand import metrics as M

finite = st.floats(min_value=0, max_value=1e4, allow_nan=False)
pairs = st.lists(st.tuples(finite, finite), min_size=1, max_size=50)


def test_wape_rmse_bias_known_answer() -> None:
    y, f = [10, 0, 5], [8, 1, 5]
    assert M.wape(y, f) == pytest.approx(3 / 15)
    assert M.rmse(y, f) == pytest.approx(np.sqrt((4 + 1 + 0) / 3))
    assert M.bias(y, f) == pytest.approx(-1 / 15)


def test_wape_all_zero_actuals_is_nan() -> None:
    assert np.isnan(M.wape([0, 0], [1, 2]))


def test_pinball_known_answer() -> None:
    # y - f = [2, -1]; q = 0.9 -> [0.9 * 2, 0.1 * 1] -> mean 0.95
    assert M.pinball([3, 1], [1, 2], 0.9) == pytest.approx(0.95)
    assert M.pinball([3, 1], [1, 2], 0.1) == pytest.approx((0.2 + 0.9) / 2)
    with pytest.raises(ValueError):
        M.pinball([1], [1], 1.0)


def test_weighted_quantile_loss_known_answer() -> None:
    y = np.array([4.0, 0.0])
    preds = {0.5: np.array([2.0, 1.0])}
    # pinball_0.5 = mean(0.5*2, 0.5*1) = 0.75; wql = 2 * 0.75 * 2 / 4
    assert M.weighted_quantile_loss(y, preds) == pytest.approx(0.75)
    # at q = 0.5, wql equals WAPE of the median
    assert M.weighted_quantile_loss(y, preds) == pytest.approx(M.wape(y, preds[0.5]))


def test_coverage_inclusive_bounds() -> None:
    assert M.coverage([1, 2, 3, 4], [1, 0, 4, 0], [1, 1, 5, 10]) == pytest.approx(0.5)


def test_mase_known_answer() -> None:
    hist = pd.DataFrame({"s": ["a"] * 4 + ["b"] * 4, "t": list(range(4)) * 2, "y": [1, 3, 1, 3, 5, 5, 5, 5]})
    scale = M.mase_scale(hist, ["s"], "t", "y", season=1).reset_index()
    assert scale.set_index("s")["mase_scale"].to_dict() == {"a": 2.0, "b": 0.0}
    ev = pd.DataFrame({"s": ["a", "a", "b"], "y": [2.0, 2.0, 5.0], "mean": [1.0, 4.0, 6.0]})
    mase = M.mase(ev, ["s"], scale)
    assert list(mase) == [pytest.approx(1.5 / 2.0)]  # b has a zero scale and drops out


@given(pairs, st.floats(min_value=0.01, max_value=1000))
def test_wape_scale_invariant(p: list[tuple[float, float]], k: float) -> None:
    y, f = np.array(p).T
    if y.sum() <= 1e-6:
        return
    assert M.wape(y * k, f * k) == pytest.approx(M.wape(y, f), rel=1e-9, abs=1e-12)


@given(pairs, st.floats(min_value=0.01, max_value=0.99))
@settings(max_examples=60)
def test_pinball_nonnegative_and_zero_at_truth(p: list[tuple[float, float]], q: float) -> None:
    y, f = np.array(p).T
    assert M.pinball(y, f, q) >= 0
    assert M.pinball(y, y, q) == 0


@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=40))
def test_coverage_in_unit_interval(p: list[tuple[float, float, float]]) -> None:
    y, a, b = np.array(p).T
    c = M.coverage(y, np.minimum(a, b), np.maximum(a, b))
    assert 0.0 <= c <= 1.0
