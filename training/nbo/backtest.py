"""`backtest nbo`: a time split, the ranker against its peers, and offer value against the oracle.

Ranking: the test cut-off is `horizon` days before the last purchase (so its
labels are complete); the ranker trains on `train_cutoffs` earlier cut-offs,
`horizon` days apart, whose label windows end by the test cut-off. Popularity,
item-item and `implicit` ALS rank for the same shoppers in the same run.

Value (when the data holds offer-kind explorations): the uplift learners train
on every wave but the newest, `choose_learner` picks one by held-out IPW
policy value, and its greedy policy is valued on the newest wave's units --
exactly, against the generator's truth (`raw/truth/offer_value.parquet`) when
it exists, and by inverse propensity weighting on the wave's outcomes always --
next to the oracle and every uniform policy, with bootstrap intervals.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.contracts import OFFER_KINDS
from training.nbo import evaluate
from training.nbo.dataset import History, NBODataError, RankingSet, ranking_set
from training.nbo.exploration import Wave, build_waves
from training.nbo.ranker import Ranker
from training.nbo.uplift import LEARNERS, Learner, UpliftModel, choose_learner, greedy_policy, policy_value_ipw

log = logging.getLogger(__name__)


@dataclass
class RankingResult:
    table: pd.DataFrame  # method, ndcg@10 (+ci), recall@10 (+ci)
    shoppers: int
    candidate_recall: float
    train_rows: int
    test_cutoff: str
    ndcg_ratio_vs_best_peer: float
    ndcg_ratio_ci: tuple[float, float]
    best_peer: str
    importance: dict[str, float]
    seconds: float


@dataclass
class ValueResult:
    table: pd.DataFrame  # policy, value per unit (truth), share of oracle (+ci), IPW value (+ci)
    learner: str
    learner_scores: dict[str, float]
    units: int
    share_of_oracle: float | None
    share_ci: tuple[float, float] | None
    best_uniform: str
    uplift_table: pd.DataFrame  # per kind: mean predicted uplift, mean true uplift


@dataclass
class NBOBacktest:
    ranking: RankingResult
    value: ValueResult | None = None
    notes: list[str] = field(default_factory=list)


def cutoffs(history: History, horizon_days: int, n_train: int) -> tuple[pd.Timestamp, list[pd.Timestamp]]:
    last = pd.Timestamp(history.purchases["ts"].max()).tz_convert("UTC").floor("D") + pd.Timedelta(days=1)
    test = last - pd.Timedelta(days=horizon_days)
    train = [test - pd.Timedelta(days=horizon_days * j) for j in range(1, n_train + 1)]
    return test, train


def fit_ranker(sets: list[RankingSet], seed: int, threads: int, n_estimators: int = 120) -> Ranker:
    x = np.vstack([s.x for s in sets])
    y = np.concatenate([s.y for s in sets])
    group = np.concatenate([s.group for s in sets])
    return Ranker(n_estimators=n_estimators, seed=seed, threads=threads).fit(x, y, group)


def ranking_backtest(history: History, horizon_days: int = 28, n_train: int = 3, max_customers: int | None = 4000,
                     seed: int = 42, threads: int = 1, n_boot: int = 500) -> RankingResult:
    started = time.perf_counter()
    test_cut, train_cuts = cutoffs(history, horizon_days, n_train)
    train_sets = []
    for cut in train_cuts:
        try:
            train_sets.append(ranking_set(history, cut, horizon_days, max_customers=max_customers, seed=seed))
        except NBODataError as exc:
            log.info("skipping training cut-off %s: %s", cut, exc)
    if not train_sets:
        raise NBODataError("no training cut-off has shoppers with history and later purchases: history is too short "
                           f"for a {horizon_days}-day horizon")
    ranker = fit_ranker(train_sets, seed, threads)
    test = ranking_set(history, test_cut, horizon_days, max_customers=max_customers, seed=seed + 1)
    relevant = [test.purchased[c] for c in test.customers]
    model_lists = []
    start = 0
    for cand, n in zip(test.candidates, test.group):
        s = ranker.score(test.x[start:start + n])
        model_lists.append(cand[np.argsort(-s, kind="stable")[: evaluate.K]])
        start += n
    scores = [evaluate.score_lists("model (LightGBM lambdarank)", model_lists, relevant)]
    scores += peer_scores(history, test, relevant, seed, threads)
    table = _ranking_table(scores, n_boot, seed)
    model, peers = scores[0], scores[1:]
    best = max(peers, key=lambda r: r.ndcg.mean())
    ratio = float(model.ndcg.mean() / max(best.ndcg.mean(), 1e-12))
    return RankingResult(table, len(test.customers), test.candidate_recall, int(sum(len(s.y) for s in train_sets)),
                         str(test_cut.date()), ratio, evaluate.ratio_ci(model.ndcg, best.ndcg, n_boot, seed),
                         best.method, ranker.importance(), time.perf_counter() - started)


def peer_scores(history: History, test: RankingSet, relevant: list[set[int]], seed: int,
                threads: int) -> list[evaluate.RankingScores]:
    items = test.items
    sku_index = pd.Series(np.arange(items.n), index=items.sku.astype(str))
    m, rows_of = evaluate.interactions(history.purchases, sku_index, test.customers, test.cutoff)
    rows = [rows_of[c] for c in test.customers]
    pop = items.pop_recent
    return [
        evaluate.score_lists("popularity (28 days)", evaluate.popularity_lists(pop, len(rows)), relevant),
        evaluate.score_lists("item-item cosine", evaluate.item_item_lists(m, rows, pop), relevant),
        evaluate.score_lists("implicit ALS", evaluate.als_lists(m, rows, seed=seed, threads=threads), relevant),
    ]


def _ranking_table(scores: list[evaluate.RankingScores], n_boot: int, seed: int) -> pd.DataFrame:
    rows = []
    for s in scores:
        nl, nh = evaluate.bootstrap_ci(s.ndcg, n_boot, seed)
        rl, rh = evaluate.bootstrap_ci(s.recall, n_boot, seed)
        rows.append({"method": s.method, "ndcg@10": s.ndcg.mean(), "ndcg_lo": nl, "ndcg_hi": nh,
                     "recall@10": s.recall.mean(), "recall_lo": rl, "recall_hi": rh})
    return pd.DataFrame(rows)


def value_backtest(history: History, truth_file: Path | None, seed: int = 42, threads: int = 1,
                   n_boot: int = 500, waves: list[Wave] | None = None,
                   learners: tuple[Learner, ...] = LEARNERS) -> ValueResult:
    waves = waves if waves is not None else build_waves(history)
    if len(waves) < 2:
        raise NBODataError("the value backtest needs two exploration waves (train on older, test on the newest)")
    test, train = waves[0], waves[1:]
    x = np.vstack([w.x for w in train])
    arm = np.concatenate([w.arm for w in train])
    y = np.concatenate([w.y for w in train])
    value = np.vstack([w.value for w in train])
    learner, learner_scores = choose_learner(x, arm, y, value, OFFER_KINDS, seed=seed, threads=threads,
                                             learners=learners)
    model = UpliftModel(OFFER_KINDS, learner, seed=seed, threads=threads).fit(x, arm, y)
    uplift = model.predict_uplift(test.x)
    policy = greedy_policy(uplift, test.value)
    propensity = np.bincount(test.arm, minlength=len(OFFER_KINDS) + 1) / test.arm.size
    true = _true_values(truth_file, test.units) if truth_file is not None and truth_file.exists() else None
    rows = []
    n = test.units.size
    candidates = {f"learned ({learner}-learner)": policy, "send nothing": np.full(n, -1)}
    candidates.update({f"all {k}": np.full(n, j) for j, k in enumerate(OFFER_KINDS)})
    if true is not None:
        candidates = {"oracle (true value)": _oracle(true), **candidates}
    oracle_value = _policy_true(true, candidates["oracle (true value)"]) if true is not None else None
    for name, choice in candidates.items():
        ipw = _ipw_boot(choice, test, propensity, n_boot, seed)
        row = {"policy": name, "ipw_value": ipw[0], "ipw_lo": ipw[1], "ipw_hi": ipw[2]}
        if true is not None and oracle_value is not None:
            v = _policy_true(true, choice)
            lo, hi = evaluate.ratio_ci(v, oracle_value, n_boot, seed)
            row.update({"true_value": v.mean(), "share_of_oracle": v.mean() / oracle_value.mean(),
                        "share_lo": lo, "share_hi": hi})
        rows.append(row)
    table = pd.DataFrame(rows)
    uniform = table[table["policy"].str.startswith("all ")]
    col = "true_value" if true is not None else "ipw_value"
    best_uniform = str(uniform["policy"].iloc[int(np.argmax(uniform[col].to_numpy()))])
    learned = table[table["policy"].str.startswith("learned")].iloc[0]
    share = float(learned["share_of_oracle"]) if true is not None else None
    share_ci = (float(learned["share_lo"]), float(learned["share_hi"])) if true is not None else None
    up = pd.DataFrame({"kind": OFFER_KINDS, "predicted_uplift": uplift.mean(axis=0)})
    if true is not None:
        up["true_uplift"] = [true.uplift[:, k].mean() for k in range(len(OFFER_KINDS))]
        up["corr_pred_true"] = [float(np.corrcoef(uplift[:, k], true.uplift[:, k])[0, 1]) for k in range(len(OFFER_KINDS))]
    return ValueResult(table, learner, learner_scores, n, share, share_ci, best_uniform, up)


@dataclass
class _Truth:
    value: np.ndarray  # (n, kinds)
    uplift: np.ndarray


def _true_values(truth_file: Path, units: np.ndarray) -> _Truth:
    t = pd.read_parquet(truth_file, columns=["unit_ref", "offer_kind", "incremental_value", "uplift"])
    t = t.loc[t["unit_ref"].notna()]
    value = t.pivot(index="unit_ref", columns="offer_kind", values="incremental_value")[list(OFFER_KINDS)]
    uplift = t.pivot(index="unit_ref", columns="offer_kind", values="uplift")[list(OFFER_KINDS)]
    return _Truth(value.reindex(units).fillna(0.0).to_numpy(), uplift.reindex(units).fillna(0.0).to_numpy())


def _oracle(true: _Truth) -> np.ndarray:
    best = true.value.argmax(axis=1)
    return np.where(true.value[np.arange(best.size), best] > 0, best, -1)


def _policy_true(true: _Truth | None, choice: np.ndarray) -> np.ndarray:
    assert true is not None
    return np.where(choice >= 0, true.value[np.arange(choice.size), np.maximum(choice, 0)], 0.0)


def _ipw_boot(choice: np.ndarray, wave: Wave, propensity: np.ndarray, n_boot: int,
              seed: int) -> tuple[float, float, float]:
    point = policy_value_ipw(choice, wave.arm, wave.y, wave.value, propensity)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        i = rng.integers(0, choice.size, choice.size)
        boots.append(policy_value_ipw(choice[i], wave.arm[i], wave.y[i], wave.value[i], propensity))
    return point, float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))
