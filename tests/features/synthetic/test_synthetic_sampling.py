"""Properties of the vectorised building blocks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from features.synthetic.experiment import assign_variant
from features.synthetic.orders import _units_to_lines, order_numbers
from features.synthetic.sampling import skus_by_preference, weighted_choice

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(sold=arrays(np.int32, st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 5)),
                   elements=st.integers(0, 7)), seed=SEEDS)
def test_units_become_lines_without_loss(sold: np.ndarray, seed: int) -> None:
    cell, qty = _units_to_lines(sold, np.random.default_rng(seed))
    assert (qty >= 1).all()
    assert np.array_equal(np.bincount(cell, weights=qty, minlength=sold.size).astype(int), sold.ravel())


@settings(max_examples=60, deadline=None)
@given(weights=arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 10)), seed=SEEDS)
def test_weighted_choice_never_picks_a_zero_weight(weights: np.ndarray, seed: int) -> None:
    picks = weighted_choice(weights, 200, np.random.default_rng(seed))
    assert ((picks >= 0) & (picks < weights.size)).all()
    if weights.sum() > 0:
        assert (weights[picks] > 0).all()


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, n_cat=st.integers(1, 6))
def test_skus_follow_the_preferred_category(seed: int, n_cat: int) -> None:
    rng = np.random.default_rng(seed)
    sku_category = rng.integers(0, n_cat, 40)
    pref = np.eye(n_cat)[rng.integers(0, n_cat, 100)]  # each row wants exactly one category
    wanted = pref.argmax(axis=1)
    present = np.isin(wanted, sku_category)
    sku = skus_by_preference(pref, sku_category, rng.random(40) + 0.01, rng)
    assert (sku_category[sku][present] == wanted[present]).all()


@settings(max_examples=40, deadline=None)
@given(order=arrays(np.int64, st.integers(1, 50), elements=st.integers(0, 9)),
       ts=arrays(np.int64, 50, elements=st.integers(0, 10**6)))
def test_order_numbers_follow_first_timestamp(order: np.ndarray, ts: np.ndarray) -> None:
    ts = ts[: order.size]
    num = order_numbers({"order": order, "ts": ts})
    assert len(set(zip(order.tolist(), num.tolist()))) == len(set(order.tolist())) == len(set(num.tolist()))
    first = {o: ts[order == o].min() for o in set(order.tolist())}
    by_number = sorted(first, key=lambda o: num[order == o][0])
    assert [first[o] for o in by_number] == sorted(first.values())


def test_variant_assignment_is_sticky_and_balanced() -> None:
    units = np.array([f"web:W{i:09d}" for i in range(6000)], dtype=object)
    a = assign_variant("exp", units, 2)
    assert np.array_equal(a, assign_variant("exp", units, 2))
    assert abs(a.mean() - 0.5) < 0.03
    assert not np.array_equal(a, assign_variant("other", units, 2))
    counts = np.bincount(assign_variant("exp", units, 6), minlength=6)
    assert counts.min() > 900
