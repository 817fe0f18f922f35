"""Monte-Carlo checks that the engine's error rates are what it claims.

- A/A: with no true difference, a test at level alpha says "significant" about
  alpha of the time.
- A/B: intervals cover the true effect about 1 - alpha of the time (plain,
  relative; CUPED through the engine's own `analysis.compare`).
- Peeking: looking after every batch and stopping at the first "significant"
  inflates the fixed-horizon error; the always-valid sequence keeps it <= alpha.
Every simulation is vectorised over replicates (one row per simulated test).
Used by tests/experiments (small, fast) and benchmarks/experiments_validation.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from experiments.stats import sequential
from experiments.stats.delta import relative_lift
from experiments.stats.estimate import Estimate
from experiments.stats.welch import welch_diff
from omnicast.progress import track

Kind = Literal["binary", "continuous"]


@dataclass(frozen=True)
class Rate:
    """A Monte-Carlo proportion with its standard error."""

    name: str
    rate: float
    se: float
    nominal: float
    sims: int

    def within(self, k: float = 4.0) -> bool:
        """Is the nominal value within k Monte-Carlo standard errors?"""
        return bool(abs(self.rate - self.nominal) <= k * max(self.se, np.sqrt(self.nominal * (1 - self.nominal) / self.sims)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(name: str, hits: np.ndarray, nominal: float) -> Rate:
    p = float(np.mean(hits))
    return Rate(name, p, float(np.sqrt(p * (1 - p) / hits.size)), nominal, int(hits.size))


def draw(rng: np.random.Generator, kind: Kind, shape: tuple[int, ...], lift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(outcome, pre-period covariate) like retail data, sharing a latent shopper propensity z.

    binary: converts with probability 0.10 x (1 + lift) (probit, loading 0.9 on z);
    continuous: buys with probability 0.2 (probit on z), spending a log-normal
    amount, mean 0.2 e^3.5 x (1 + lift). The covariate (z seen with noise) does
    not depend on the arm: it was measured before assignment.
    """
    z, e, noise = rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(shape)
    x = z + 0.3 * noise
    if kind == "binary":
        return (0.9 * z + np.sqrt(0.19) * e < stats.norm.ppf(0.10 * (1 + lift))).astype(float), x
    buys = 0.9 * z + np.sqrt(0.19) * e < stats.norm.ppf(0.2)
    return buys * np.exp(3.0 + rng.standard_normal(shape)) * (1 + lift), x


def true_mean(kind: Kind) -> float:
    return 0.10 if kind == "binary" else float(0.2 * np.exp(3.5))


def _moments(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    return y.mean(axis=1), y.var(axis=1, ddof=1), y.shape[1]


def aa_false_positive_rate(sims: int, n: int, kind: Kind, alpha: float = 0.05, seed: int = 0) -> list[Rate]:
    """Share of A/A tests called significant: Welch (absolute) and delta (relative)."""
    rng = np.random.default_rng(seed)
    (a, _), (b, _) = draw(rng, kind, (sims, n)), draw(rng, kind, (sims, n))
    ma, va, na = _moments(a)
    mb, vb, nb = _moments(b)
    absolute = welch_diff(ma, va, na, mb, vb, nb, alpha)
    relative = relative_lift(ma, va, na, mb, vb, nb, alpha)
    return [
        _rate(f"A/A {kind} Welch false positives", np.asarray(absolute.p_value) < alpha, alpha),
        _rate(f"A/A {kind} relative-lift false positives", np.asarray(relative.p_value) < alpha, alpha),
    ]


def ab_coverage(sims: int, n: int, kind: Kind, lift: float = 0.05, alpha: float = 0.05, seed: int = 1) -> list[Rate]:
    """Share of intervals covering the true effect: absolute, relative, and CUPED with a correlated covariate."""
    rng = np.random.default_rng(seed)
    (a, _), (b, _) = draw(rng, kind, (sims, n)), draw(rng, kind, (sims, n), lift)
    true_abs, true_rel = true_mean(kind) * lift, lift
    ma, va, na = _moments(a)
    mb, vb, nb = _moments(b)
    absolute = welch_diff(ma, va, na, mb, vb, nb, alpha)
    relative = relative_lift(ma, va, na, mb, vb, nb, alpha)

    def covers(e: Estimate, truth: float) -> np.ndarray:
        return (np.asarray(e.lower) <= truth) & (truth <= np.asarray(e.upper))

    return [
        _rate(f"A/B {kind} Welch coverage", covers(absolute, true_abs), 1 - alpha),
        _rate(f"A/B {kind} relative-lift coverage", covers(relative, true_rel), 1 - alpha),
    ]


def cuped_coverage(sims: int, n: int, kind: Kind, lift: float = 0.05, alpha: float = 0.05, seed: int = 3) -> list[Rate]:
    """Coverage of the engine's own CUPED comparison (analysis.compare, ~5 ms each), and how much it narrowed."""
    from experiments.analysis import AnalysisConfig, compare
    from experiments.metrics import MetricSpec

    rng = np.random.default_rng(seed)
    (a, xa), (b, xb) = draw(rng, kind, (sims, n)), draw(rng, kind, (sims, n), lift)
    truth = true_mean(kind) * lift
    spec = MetricSpec(name="y", kind="continuous", column="y")
    config = AnalysisConfig(alpha=alpha, covariates=["x"])
    hits = np.empty(sims, dtype=bool)
    shrink = np.empty(sims)
    for i in track(range(sims), "CUPED coverage"):
        c = compare(spec, pd.DataFrame({"y": a[i], "x": xa[i]}), pd.DataFrame({"y": b[i], "x": xb[i]}), "b", config)
        assert c.cuped_absolute is not None and c.cuped_shrink is not None  # covariates were given
        hits[i] = c.cuped_absolute.lower <= truth <= c.cuped_absolute.upper
        shrink[i] = c.cuped_shrink
    rate = _rate(f"A/B {kind} CUPED coverage (mean interval shrink {shrink.mean():.0%})", hits, 1 - alpha)
    return [rate]


def peeking(
    sims: int, n_max: int, every: int, kind: Kind, alpha: float = 0.05, tuning: float = sequential.DEFAULT_TUNING, seed: int = 2
) -> list[Rate]:
    """A/A tests looked at after every `every` units per arm, stopping at the first 'significant'.

    Returns the rate of ever rejecting for the fixed-horizon Welch test (inflated)
    and for the always-valid confidence sequence (should stay <= alpha).
    """
    rng = np.random.default_rng(seed)
    (a, _), (b, _) = draw(rng, kind, (sims, n_max)), draw(rng, kind, (sims, n_max))
    looks = np.arange(every, n_max + 1, every)
    sa, sb = np.cumsum(a, axis=1)[:, looks - 1], np.cumsum(b, axis=1)[:, looks - 1]
    qa, qb = np.cumsum(a**2, axis=1)[:, looks - 1], np.cumsum(b**2, axis=1)[:, looks - 1]
    ma, mb = sa / looks, sb / looks
    va, vb = (qa - looks * ma**2) / (looks - 1), (qb - looks * mb**2) / (looks - 1)
    est = welch_diff(ma, va, looks, mb, vb, looks, alpha)
    ok = (va > 0) & (vb > 0)
    fixed = np.asarray((ok & (est.p_value < alpha)).any(axis=1))
    lo, hi = sequential.confidence_sequence(est.point, np.asarray(est.se) ** 2, 2 * looks, alpha, tuning)
    always = np.asarray((ok & ((lo > 0) | (hi < 0))).any(axis=1))
    return [
        _rate(f"A/A {kind} fixed-horizon test peeked {looks.size}x", fixed, alpha),
        _rate(f"A/A {kind} always-valid sequence peeked {looks.size}x", always, alpha),
    ]
