"""Uplift learners recover a known response; ranking metrics give known answers."""

from __future__ import annotations

import numpy as np
import pytest

from training.nbo.evaluate import bootstrap_ci, score_lists
from training.nbo.uplift import LEARNERS, UpliftModel, choose_learner, greedy_policy, policy_value_ipw


def _exploration(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    arm = rng.integers(0, 3, n)  # control + two kinds
    tau = np.column_stack([0.15 * (x[:, 0] > 0), 0.15 * (x[:, 1] > 0)])
    p = 0.1 + np.where(arm > 0, tau[np.arange(n), np.maximum(arm - 1, 0)], 0.0) * (arm > 0)
    y = (rng.random(n) < p).astype(float)
    return x, arm, y, tau


@pytest.mark.parametrize("learner", LEARNERS)
def test_learners_find_who_responds_to_what(learner: str) -> None:
    x, arm, y, tau = _exploration(30_000)
    model = UpliftModel(("k1", "k2"), learner, n_estimators=80).fit(x, arm, y)
    up = model.predict_uplift(x[:5000])
    for k in range(2):
        assert np.corrcoef(up[:, k], tau[:5000, k])[0, 1] > 0.5, (learner, k)
    value = np.ones((5000, 2))
    choice = greedy_policy(up, value)
    oracle = tau[:5000].max(axis=1).mean()
    got = np.where(choice >= 0, tau[np.arange(5000), np.maximum(choice, 0)], 0).mean()
    assert got > 0.8 * oracle


def test_ipw_value_and_learner_choice() -> None:
    x, arm, y, tau = _exploration(20_000, seed=2)
    value = np.full((y.size, 2), 10.0)
    best = np.argmax(tau, axis=1)
    e = np.full(3, 1 / 3)
    assert policy_value_ipw(best, arm, y, value, e) == pytest.approx(10 * tau.max(axis=1).mean(), abs=0.25)
    assert policy_value_ipw(np.full(y.size, -1), arm, y, value, e) == 0.0
    learner, scores = choose_learner(x, arm, y, value, ("k1", "k2"), learners=("t", "logit_t"))
    assert learner in scores and set(scores) == {"t", "logit_t"}


def test_ndcg_and_recall_known_answers() -> None:
    s = score_lists("m", [np.array([3, 1, 2]), np.array([9, 8])], [{1, 2}, {7}], k=3)
    ideal = 1 + 1 / np.log2(3)
    assert s.ndcg[0] == pytest.approx((1 / np.log2(3) + 1 / np.log2(4)) / ideal)
    assert s.recall.tolist() == [1.0, 0.0] and s.ndcg[1] == 0.0
    lo, hi = bootstrap_ci(np.array([0.0, 1.0] * 50), n_boot=300)
    assert lo < 0.5 < hi
