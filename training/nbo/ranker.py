"""The relevance ranker: LightGBM lambdarank over shopper x candidate rows, plus calibration.

Lambdarank orders candidates within a shopper; the expected-value step needs a
probability, so the ranker's score is mapped to P(purchase within the horizon)
by Platt scaling (a logistic fit of label on score over the training rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from training.nbo.candidates import FEATURES

RANKER_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "learning_rate": 0.08,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 20,
    "verbose": -1,
}


@dataclass
class Ranker:
    """Booster + Platt calibration; `predict` is single-threaded by design (one request, one core)."""

    n_estimators: int = 120
    seed: int = 42
    threads: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    booster_: lgb.Booster | None = None
    platt_: tuple[float, float] = (1.0, 0.0)

    def fit(self, x: np.ndarray, y: np.ndarray, group: np.ndarray) -> Ranker:
        """`group`: rows per shopper, in order (LightGBM's query sizes)."""
        params = {**RANKER_PARAMS, **self.params, "seed": self.seed, "num_threads": self.threads}
        data = lgb.Dataset(x, y, group=group, feature_name=list(FEATURES), free_raw_data=True)
        self.booster_ = lgb.train(params, data, num_boost_round=self.n_estimators)
        self.platt_ = _platt(np.asarray(self.booster_.predict(x, num_threads=self.threads)), y)
        return self

    def score(self, x: np.ndarray) -> np.ndarray:
        assert self.booster_ is not None, "fit the ranker first"
        return np.asarray(self.booster_.predict(x, num_threads=1))

    def probability(self, score: np.ndarray) -> np.ndarray:
        a, b = self.platt_
        return np.asarray(1.0 / (1.0 + np.exp(-(a * score + b))))

    def importance(self) -> dict[str, float]:
        assert self.booster_ is not None
        gain = self.booster_.feature_importance("gain")
        return {f: float(g) for f, g in zip(FEATURES, gain)}


def _platt(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=500).fit(score.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])
