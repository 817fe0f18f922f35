"""Offer response: how much more likely the shopper buys with an offer of each kind.

Fitted on a randomised exploration (control vs one offer kind per unit, known
propensities) with shopper features at exposure time. Three learners share
one interface, `predict_uplift(x) -> (n, kinds)`:

- ``t``: one classifier per arm; uplift = P(buy | kind) - P(buy | control);
- ``s``: one classifier with the arm as a feature, predicted once per arm;
- ``dr``: doubly robust pseudo-outcomes (cross-fitted T-learner outcome
  models plus inverse-propensity residuals), regressed per kind;
- ``logit_t`` / ``logit_s``: the T- and S-learner as L2-regularised logistic
  regressions on standardised (and log-transformed) features, the S form with
  arm x feature interactions: low variance where the uplift is small.

The GBM learners are LightGBM boosters; the logistic ones are a scaler and
coefficient arrays evaluated with numpy (nothing to compile, microseconds per row).

`choose_learner` keeps the simplest learner whose greedy policy is within one
standard error of the best cross-validated inverse-propensity value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import lightgbm as lgb
import numpy as np

from training.nbo.state import PROFILE_FEATURES, ShopperState

UPLIFT_FEATURES: tuple[str, ...] = (*PROFILE_FEATURES, "loyalty_member", "app_user", "category_concentration",
                                    "brand_concentration")
Learner = Literal["t", "s", "dr", "logit_t", "logit_s"]
LEARNERS: tuple[Learner, ...] = ("t", "s", "dr", "logit_t", "logit_s")
LOGIT_C = 0.02  # strong L2: the uplift signal is small against purchase noise
CLASSIFIER: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.04, "num_leaves": 7, "min_data_in_leaf": 80,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 5.0, "verbose": -1,
}
REGRESSOR: dict[str, Any] = {**CLASSIFIER, "objective": "regression"}


def uplift_features(state: ShopperState) -> np.ndarray:
    """One row of UPLIFT_FEATURES for a shopper."""
    cat = state.category_share
    brand = state.brand_share
    extra = [float(state.loyalty_member), float(state.app_user), float(cat.max()) if cat.size else 0.0,
             float(brand.max()) if brand.size else 0.0]
    return np.concatenate([state.profile, extra]).astype(np.float64)


@dataclass
class UpliftModel:
    """Per-kind uplift in purchase probability; arm 0 is control, arm k offer kind k-1."""

    kinds: tuple[str, ...]
    learner: Learner = "t"
    n_estimators: int = 150
    seed: int = 42
    threads: int = 1
    boosters_: list[lgb.Booster] = field(default_factory=list)
    linear_: _Linear | None = None
    compiled_: list[Any] | None = field(default=None, repr=False)  # per booster: x -> prediction (lleaves)

    def fit(self, x: np.ndarray, arm: np.ndarray, y: np.ndarray, propensity: np.ndarray | None = None) -> UpliftModel:
        n_arms = len(self.kinds) + 1
        e = propensity if propensity is not None else np.bincount(arm, minlength=n_arms) / arm.size
        if self.learner in ("logit_t", "logit_s"):
            self.linear_ = _Linear.fit(x, arm, y, n_arms, interactions=self.learner == "logit_s")
        elif self.learner == "t":
            self.boosters_ = [self._train(CLASSIFIER, x[arm == a], y[arm == a]) for a in range(n_arms)]
        elif self.learner == "s":
            self.boosters_ = [self._train(CLASSIFIER, _with_arm(x, arm), y, categorical=[x.shape[1]])]
        else:
            psi = self._dr_pseudo_outcomes(x, arm, y, np.asarray(e))
            self.boosters_ = [self._train(REGRESSOR, x, psi[:, k]) for k in range(len(self.kinds))]
        return self

    def predict_uplift(self, x: np.ndarray) -> np.ndarray:
        """(n, kinds) uplift in purchase probability."""
        x = np.atleast_2d(x)
        if self.linear_ is not None:
            p = self.linear_.probabilities(x)
            return np.asarray(p[:, 1:] - p[:, :1])
        predict = self.compiled_ or [lambda rows, b=b: b.predict(rows, num_threads=1) for b in self.boosters_]
        if self.learner == "t":
            p = np.column_stack([f(x) for f in predict])
            return np.asarray(p[:, 1:] - p[:, :1])
        if self.learner == "s":
            n, arms = x.shape[0], len(self.kinds) + 1
            rows = _with_arm(np.repeat(x, arms, axis=0), np.tile(np.arange(arms), n))
            p = np.asarray(predict[0](rows)).reshape(n, arms)
            return np.asarray(p[:, 1:] - p[:, :1])
        return np.column_stack([f(x) for f in predict])

    def _train(self, params: dict[str, Any], x: np.ndarray, y: np.ndarray,
               categorical: list[int] | Literal["auto"] = "auto") -> lgb.Booster:
        full = {**params, "seed": self.seed, "num_threads": self.threads}
        return lgb.train(full, lgb.Dataset(x, y, categorical_feature=categorical), num_boost_round=self.n_estimators)

    def _dr_pseudo_outcomes(self, x: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray) -> np.ndarray:
        """Cross-fitted (2 folds) doubly robust scores per kind."""
        n_arms = len(self.kinds) + 1
        mu = np.zeros((x.shape[0], n_arms))
        fold = np.random.default_rng(self.seed).integers(0, 2, x.shape[0])
        for f in (0, 1):
            fit, out = fold != f, fold == f
            for a in range(n_arms):
                rows = fit & (arm == a)
                mu[out, a] = self._train(CLASSIFIER, x[rows], y[rows]).predict(x[out], num_threads=self.threads)
        resid = np.zeros_like(mu)
        resid[np.arange(arm.size), arm] = (y - mu[np.arange(arm.size), arm]) / e[arm]
        return (mu[:, 1:] + resid[:, 1:]) - (mu[:, :1] + resid[:, :1])


@dataclass
class _Linear:
    """Logistic outcome models per arm: P(y | x, arm) = sigmoid(z(x) @ w[arm] + b[arm])."""

    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray  # (arms, features)
    b: np.ndarray  # (arms,)

    @staticmethod
    def design(x: np.ndarray) -> np.ndarray:
        x = np.nan_to_num(np.asarray(x, dtype=float), nan=0.0)
        return np.column_stack([x, np.log1p(np.clip(x, 0.0, None))])

    @classmethod
    def fit(cls, x: np.ndarray, arm: np.ndarray, y: np.ndarray, n_arms: int, interactions: bool) -> _Linear:
        from sklearn.linear_model import LogisticRegression

        d = cls.design(x)
        mean, scale = d.mean(axis=0), d.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        z = (d - mean) / scale
        if y.min() == y.max():  # one outcome class only (tiny samples): a constant probability
            rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
            return cls(mean, scale, np.zeros((n_arms, z.shape[1])), np.full(n_arms, np.log(rate / (1 - rate))))
        if interactions:  # one model: shared weights + arm intercepts + arm x feature interactions
            onehot = np.eye(n_arms)[arm][:, 1:]
            inter = (onehot[:, :, None] * z[:, None, :]).reshape(len(z), -1)
            lr = LogisticRegression(C=LOGIT_C, max_iter=3000).fit(np.column_stack([z, onehot, inter]), y)
            f = z.shape[1]
            shared, arm_b, arm_w = lr.coef_[0, :f], lr.coef_[0, f:f + n_arms - 1], lr.coef_[0, f + n_arms - 1:]
            w = np.vstack([shared, shared + arm_w.reshape(n_arms - 1, f)])
            b = lr.intercept_[0] + np.concatenate([[0.0], arm_b])
        else:
            w = np.zeros((n_arms, z.shape[1]))
            b = np.zeros(n_arms)
            for a in range(n_arms):
                ya = y[arm == a]
                if ya.size and ya.min() != ya.max():
                    m = LogisticRegression(C=LOGIT_C, max_iter=3000).fit(z[arm == a], ya)
                    w[a], b[a] = m.coef_[0], m.intercept_[0]
                else:
                    rate = float(np.clip(ya.mean() if ya.size else y.mean(), 1e-6, 1 - 1e-6))
                    b[a] = np.log(rate / (1 - rate))
        return cls(mean, scale, w, b)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = (self.design(x) - self.mean) / self.scale
        return np.asarray(1.0 / (1.0 + np.exp(-(z @ self.w.T + self.b))))


def _with_arm(x: np.ndarray, arm: np.ndarray) -> np.ndarray:
    return np.column_stack([x, arm.astype(float)])


def policy_value_ipw(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, value_per_conversion: np.ndarray,
                     propensity: np.ndarray) -> float:
    """IPW estimate of mean incremental value of sending kind `choice` (-1: nothing) to each unit.

    value = E[(Y(choice) - Y(control)) * v(choice)], v = margin - cost of that kind
    (per unit, known from x), estimated from randomised arms with known propensities.
    """
    return float(np.mean(_ipw_terms(choice, arm, y, value_per_conversion, propensity)))


def _ipw_terms(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, value_per_conversion: np.ndarray,
               propensity: np.ndarray) -> np.ndarray:
    send = choice >= 0
    k = np.maximum(choice, 0)
    v = value_per_conversion[np.arange(k.size), k] * send
    treated = (arm == k + 1) & send
    control = arm == 0
    return np.asarray(treated * y * v / propensity[k + 1] - control * y * v / propensity[0])


def greedy_policy(uplift: np.ndarray, value_per_conversion: np.ndarray) -> np.ndarray:
    """Per unit the kind with the highest expected incremental value, or -1 if none is positive."""
    eiv = uplift * value_per_conversion
    best = eiv.argmax(axis=1)
    return np.where(eiv[np.arange(best.size), best] > 0, best, -1)


SIMPLEST_FIRST: tuple[Learner, ...] = ("logit_t", "logit_s", "t", "s", "dr")


def choose_learner(x: np.ndarray, arm: np.ndarray, y: np.ndarray, value_per_conversion: np.ndarray,
                   kinds: tuple[str, ...], seed: int = 42, threads: int = 1, folds: int = 3,
                   learners: Sequence[Learner] = LEARNERS) -> tuple[Learner, dict[str, float]]:
    """The simplest learner whose greedy policy is within one standard error of the best (3-fold CV IPW).

    Every unit is held out once; the policy value and its standard error come
    from the held-out units' IPW terms. IPW is noisy at a few thousand units per
    arm, so a more flexible learner must beat a simpler one by more than the
    noise to be chosen (the one-standard-error rule).
    """
    n_arms = len(kinds) + 1
    propensity = np.bincount(arm, minlength=n_arms) / arm.size
    fold = np.random.default_rng(seed + 1).integers(0, folds, arm.size)
    scores: dict[str, float] = {}
    errors: dict[str, float] = {}
    for learner in learners:
        terms = np.zeros(arm.size)
        for f in range(folds):
            hold = fold == f
            model = UpliftModel(kinds, learner, seed=seed, threads=threads).fit(x[~hold], arm[~hold], y[~hold],
                                                                                propensity)
            choice = greedy_policy(model.predict_uplift(x[hold]), value_per_conversion[hold])
            terms[hold] = _ipw_terms(choice, arm[hold], y[hold], value_per_conversion[hold], propensity)
        scores[learner] = float(terms.mean())
        errors[learner] = float(terms.std(ddof=1) / np.sqrt(terms.size))
    top = max(scores, key=scores.__getitem__)
    bar = scores[top] - errors[top]
    ordered = [learner for learner in SIMPLEST_FIRST if learner in scores]
    best = next(learner for learner in ordered if scores[learner] >= bar)
    return best, scores
