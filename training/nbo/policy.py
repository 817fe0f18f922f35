"""Learning which offer (or e-mail) to send whom from a randomised test, and whether to deploy it.

Data: one row per unit with its randomly assigned arm (known or observed
propensities), covariates and an outcome (e.g. Hillstrom: Mens / Womens / No
E-Mail, spend or visit). Each split divides units into three parts:

- ``fit`` (40%): outcome models per arm (LightGBM T-learner, heavily
  regularised) -> the learned policy sends each unit the arm with the best
  predicted outcome;
- ``guard`` (30%): the deployment guard compares the learned policy with the
  best uniform policy (chosen on fit + guard) by a paired bootstrap of their
  doubly robust value difference; the targeted policy is recommended only when
  the lower end of the interval is above zero, else the best uniform policy;
- ``test`` (30%): every policy -- learned, deployed, each uniform -- is valued
  off-policy by IPW, self-normalised IPW and doubly robust estimators, with
  bootstrap intervals. Nothing on this part was used to fit or to decide.

Estimators (pi(x) the arm a policy picks, e_a the propensity, mu_a an outcome
model fitted on other units):
  IPW   = mean( 1[A = pi(X)] Y / e_A )
  SNIPW = sum( 1[A = pi(X)] Y / e_A ) / sum( 1[A = pi(X)] / e_A )
  DR    = mean( mu_pi(X) + 1[A = pi(X)] (Y - mu_pi(X)) / e_A )
All three are unbiased (SNIPW consistent) under randomisation;
`tests/training/nbo/test_policy.py` checks them against simulated truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from omnicast.errors import OmnicastError

OUTCOME_MODEL: dict[str, Any] = {
    "objective": "regression", "learning_rate": 0.03, "num_leaves": 7, "min_data_in_leaf": 400,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 10.0, "verbose": -1,
}
ESTIMATORS = ("ipw", "snipw", "dr")


class PolicyDataError(OmnicastError):
    """The experiment table cannot be used for policy learning (columns, arms, outcome)."""


@dataclass(frozen=True)
class Experiment:
    """Arms (codes into `arms`), covariates, outcome and the assignment propensities."""

    x: np.ndarray
    arm: np.ndarray
    y: np.ndarray
    arms: tuple[str, ...]
    propensity: np.ndarray  # per arm
    features: tuple[str, ...]
    outcome: str

    @property
    def n(self) -> int:
        return int(self.y.size)


def from_frame(frame: pd.DataFrame, arm: str, outcome: str, features: Sequence[str] | None = None,
               propensity: dict[str, float] | None = None) -> Experiment:
    """Covariates one-hot encoded where categorical; propensities from arm shares unless given."""
    for col in (arm, outcome):
        if col not in frame.columns:
            raise PolicyDataError(f"the experiment table has no column {col!r}; it has {list(frame.columns)}")
    y = pd.to_numeric(frame[outcome], errors="coerce")
    if y.isna().any():
        raise PolicyDataError(f"outcome column {outcome!r} has {int(y.isna().sum())} non-numeric values")
    arms = tuple(sorted(frame[arm].astype(str).unique()))
    if len(arms) < 2:
        raise PolicyDataError(f"column {arm!r} holds one arm ({arms[0] if arms else 'none'}); a policy needs two")
    features = list(features) if features else [c for c in frame.columns if c not in (arm, outcome)]
    unknown = [f for f in features if f not in frame.columns]
    if unknown:
        raise PolicyDataError(f"the experiment table has no covariate column(s) {unknown}")
    x = pd.get_dummies(frame[features], dtype=float)
    codes = pd.Categorical(frame[arm].astype(str), categories=arms).codes.astype(np.int64)
    if propensity:
        e = np.array([float(propensity[a]) for a in arms])
    else:
        e = np.bincount(codes, minlength=len(arms)) / codes.size
    return Experiment(x.to_numpy(dtype=float), codes, y.to_numpy(dtype=float), arms, e, tuple(x.columns), outcome)


# ------------------------------------------------------------ estimators
def ipw(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray) -> float:
    return float(np.mean((arm == choice) * y / e[arm]))


def snipw(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray) -> float:
    w = (arm == choice) / e[arm]
    return float((w * y).sum() / max(w.sum(), 1e-12))


def dr(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray, mu: np.ndarray) -> float:
    return float(np.mean(_dr_terms(choice, arm, y, e, mu)))


def _dr_terms(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray, mu: np.ndarray) -> np.ndarray:
    m = mu[np.arange(choice.size), choice]
    return np.asarray(m + (arm == choice) * (y - m) / e[arm])


def estimate(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    return {"ipw": ipw(choice, arm, y, e), "snipw": snipw(choice, arm, y, e), "dr": dr(choice, arm, y, e, mu)}


def bootstrap(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, e: np.ndarray, mu: np.ndarray,
              n_boot: int, rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    draws = {k: np.empty(n_boot) for k in ESTIMATORS}
    for b in range(n_boot):
        i = rng.integers(0, y.size, y.size)
        for k, v in estimate(choice[i], arm[i], y[i], e, mu[i]).items():
            draws[k][b] = v
    return {k: (float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))) for k, v in draws.items()}


# --------------------------------------------------------------- learner
@dataclass
class TLearner:
    """One regularised LightGBM outcome model per arm; the policy is the arm with the best prediction."""

    n_estimators: int = 150
    seed: int = 42
    threads: int = 1
    models_: list[lgb.Booster] = field(default_factory=list)

    def fit(self, exp: Experiment, rows: np.ndarray) -> TLearner:
        params = {**OUTCOME_MODEL, "seed": self.seed, "num_threads": self.threads}
        self.models_ = []
        for a in range(len(exp.arms)):
            r = rows[exp.arm[rows] == a]
            self.models_.append(lgb.train(params, lgb.Dataset(exp.x[r], exp.y[r]), num_boost_round=self.n_estimators))
        return self

    def outcomes(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([m.predict(x, num_threads=self.threads) for m in self.models_])

    def policy(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.outcomes(x).argmax(axis=1))


# ------------------------------------------------------------ one split
@dataclass(frozen=True)
class Guard:
    deploy: str  # "targeted" or the uniform arm's name
    targeted: bool
    best_uniform: str
    gain: float  # DR value of learned minus best uniform, on the guard part
    gain_ci: tuple[float, float]
    reason: str


@dataclass(frozen=True)
class SplitResult:
    seed: int
    table: pd.DataFrame  # policy, estimator values with CIs on the test part
    guard: Guard
    learned_arm_share: dict[str, float]


def run_split(exp: Experiment, seed: int, n_boot: int = 200, threads: int = 1,
              shares: tuple[float, float] = (0.4, 0.3)) -> SplitResult:
    rng = np.random.default_rng(seed)
    part = rng.random(exp.n)
    fit = np.flatnonzero(part < shares[0])
    guard = np.flatnonzero((part >= shares[0]) & (part < shares[0] + shares[1]))
    test = np.flatnonzero(part >= shares[0] + shares[1])
    learner = TLearner(seed=seed, threads=threads).fit(exp, fit)
    decision = _guard(exp, learner, fit, guard, n_boot, rng)
    mu = learner.outcomes(exp.x[test])
    learned = learner.policy(exp.x[test])
    n = test.size
    policies = {"learned (T-learner)": learned}
    policies.update({f"all {a}": np.full(n, i) for i, a in enumerate(exp.arms)})
    deployed = learned if decision.targeted else np.full(n, exp.arms.index(decision.best_uniform))
    policies["deployed (guard)"] = deployed
    rows = []
    arm, y = exp.arm[test], exp.y[test]
    for name, choice in policies.items():
        point = estimate(choice, arm, y, exp.propensity, mu)
        ci = bootstrap(choice, arm, y, exp.propensity, mu, n_boot, rng)
        rows.append({"policy": name, **{k: point[k] for k in ESTIMATORS},
                     **{f"{k}_lo": ci[k][0] for k in ESTIMATORS}, **{f"{k}_hi": ci[k][1] for k in ESTIMATORS}})
    share = {a: float((learned == i).mean()) for i, a in enumerate(exp.arms)}
    return SplitResult(seed, pd.DataFrame(rows), decision, share)


def _guard(exp: Experiment, learner: TLearner, fit: np.ndarray, guard: np.ndarray, n_boot: int,
           rng: np.random.Generator) -> Guard:
    """Deploy the targeted policy only if it beats the best uniform one with 95% confidence."""
    known = np.concatenate([fit, guard])
    uniform_value = [ipw(np.full(known.size, a), exp.arm[known], exp.y[known], exp.propensity)
                     for a in range(len(exp.arms))]
    best = int(np.argmax(uniform_value))
    x, arm, y = exp.x[guard], exp.arm[guard], exp.y[guard]
    mu = learner.outcomes(x)
    diff = (_dr_terms(learner.policy(x), arm, y, exp.propensity, mu)
            - _dr_terms(np.full(guard.size, best), arm, y, exp.propensity, mu))
    boots = np.array([diff[rng.integers(0, diff.size, diff.size)].mean() for _ in range(n_boot)])
    lo, hi = float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))
    name = exp.arms[best]
    if lo > 0:
        return Guard("targeted", True, name, float(diff.mean()), (lo, hi),
                     f"the targeted policy beats 'all {name}' by {diff.mean():.3f} per unit (95% CI {lo:.3f} to {hi:.3f})")
    return Guard(name, False, name, float(diff.mean()), (lo, hi),
                 f"the targeted policy does not beat 'all {name}' with confidence (difference {diff.mean():.3f}, "
                 f"95% CI {lo:.3f} to {hi:.3f}): deploy 'all {name}'")


# ------------------------------------------------------- many splits
@dataclass(frozen=True)
class PolicyReport:
    outcome: str
    arms: tuple[str, ...]
    propensity: tuple[float, ...]
    splits: list[SplitResult]
    summary: pd.DataFrame  # policy x estimator: mean over splits, and the spread
    targeted_share: float  # splits where the guard deployed the targeted policy

    def recommendation(self) -> str:
        last = self.splits[0].guard
        if self.targeted_share >= 0.5:
            return f"deploy the targeted policy (the guard approved it in {self.targeted_share:.0%} of splits)"
        return (f"deploy 'all {last.best_uniform}': the targeted policy beat it with confidence in "
                f"{self.targeted_share:.0%} of splits")


def evaluate_policies(exp: Experiment, splits: int = 10, seed: int = 42, n_boot: int = 200,
                      threads: int = 1) -> PolicyReport:
    results = [run_split(exp, seed + s, n_boot, threads) for s in range(splits)]
    long = pd.concat([r.table.assign(split=r.seed) for r in results])
    summary = long.groupby("policy", sort=False)[list(ESTIMATORS)].agg(["mean", "std"])
    summary.columns = ["_".join(map(str, col)) for col in summary.columns]
    share = float(np.mean([r.guard.targeted for r in results]))
    return PolicyReport(exp.outcome, exp.arms, tuple(exp.propensity), results, summary.reset_index(), share)
