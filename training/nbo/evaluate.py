"""Offline evaluation of next-purchase ranking: NDCG@k and recall@k against peers, with bootstrap CIs.

Every method ranks for the same shoppers at the same cut-off and is scored on
the SKUs each shopper bought in the horizon after it (binary relevance):

- ``model``: the LightGBM ranker over the candidate generator's SKUs;
- ``popularity``: the catalogue by units sold in the 28 days before the cut-off;
- ``item_item``: cosine co-purchase similarity summed over the shopper's
  purchases (scipy.sparse), popularity breaking ties;
- ``als``: `implicit`'s alternating least squares on shopper x SKU purchase counts.

recall@k = |top-k & bought| / |bought|; NDCG@k uses the ideal DCG of
min(|bought|, k) hits. Intervals: percentile bootstrap over shoppers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

K = 10


@dataclass(frozen=True)
class RankingScores:
    """Per-shopper NDCG@k and recall@k of one method (aligned with the test shoppers)."""

    method: str
    ndcg: np.ndarray
    recall: np.ndarray

    def summary(self) -> dict[str, float]:
        return {"ndcg@10": float(self.ndcg.mean()), "recall@10": float(self.recall.mean())}


def score_lists(method: str, ranked: list[np.ndarray], relevant: list[set[int]], k: int = K) -> RankingScores:
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ndcg = np.zeros(len(ranked))
    recall = np.zeros(len(ranked))
    for i, (top, rel) in enumerate(zip(ranked, relevant)):
        top = np.asarray(top[:k])
        hits = np.fromiter((t in rel for t in top), dtype=bool, count=top.size)
        ideal = discount[: min(len(rel), k)].sum()
        ndcg[i] = (discount[: top.size][hits]).sum() / ideal if ideal else 0.0
        recall[i] = hits.sum() / len(rel) if rel else 0.0
    return RankingScores(method, ndcg, recall)


def bootstrap_ci(values: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95,
                 stat: Callable[[np.ndarray], float] = np.mean) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, (n_boot, values.size))
    boots = np.array([stat(values[row]) for row in idx])
    a = (1 - level) / 2
    return float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a))


def ratio_ci(num: np.ndarray, den: np.ndarray, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap CI of mean(num) / mean(den) with shoppers resampled jointly."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num.size, (n_boot, num.size))
    boots = num[idx].mean(axis=1) / np.maximum(den[idx].mean(axis=1), 1e-12)
    return float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def interactions(purchases: pd.DataFrame, sku_index: pd.Series, customers: list[str], before: pd.Timestamp,
                 days: int = 365) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Shopper x SKU purchase counts before the cut-off (rows: every shopper seen, test ones included)."""
    p = purchases.loc[(purchases["ts"] < before) & (purchases["ts"] >= before - pd.Timedelta(days=days))]
    item = sku_index.reindex(p["sku"].astype(str)).to_numpy()
    ok = ~np.isnan(item)
    users = pd.Index(sorted(set(p["customer_id"].astype(str)) | set(customers)))
    row = users.get_indexer(p["customer_id"].astype(str).to_numpy()[ok])
    m = sp.csr_matrix((p["qty"].to_numpy(dtype=float)[ok], (row, item[ok].astype(np.int64))),
                      shape=(len(users), len(sku_index)))
    m.sum_duplicates()
    return m, {u: i for i, u in enumerate(users)}


def popularity_lists(pop: np.ndarray, n_users: int, k: int = K) -> list[np.ndarray]:
    top = np.argsort(-pop, kind="stable")[:k]
    return [top] * n_users


def item_item_lists(m: sp.csr_matrix, rows: list[int], pop: np.ndarray, k: int = K) -> list[np.ndarray]:
    b = m.copy()
    b.data[:] = 1.0
    co = (b.T @ b).tocsr().astype(float)
    norms = np.sqrt(co.diagonal())
    inv = np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0)
    sim = (sp.diags(inv) @ co @ sp.diags(inv)).tocsr()
    sim.setdiag(0)
    scores = (b[rows] @ sim).toarray() + 1e-6 * pop[None, :]
    return [np.argsort(-s, kind="stable")[:k] for s in scores]


def als_lists(m: sp.csr_matrix, rows: list[int], k: int = K, factors: int = 32, iterations: int = 15,
              regularization: float = 0.05, alpha: float = 20.0, seed: int = 42, threads: int = 1) -> list[np.ndarray]:
    """`implicit` ALS on confidence-weighted counts; already-bought SKUs may be recommended again."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # implicit parallelises itself; a BLAS pool on top slows it down
        model = AlternatingLeastSquares(factors=factors, iterations=iterations, regularization=regularization,
                                        alpha=alpha, random_state=seed, num_threads=max(threads, 1))
        user_items = m.tocsr().astype(np.float32)
        model.fit(user_items, show_progress=False)
        ids, _ = model.recommend(np.asarray(rows), user_items[rows], N=k, filter_already_liked_items=False)
    return [np.asarray(r) for r in ids]
