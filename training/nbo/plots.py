"""Figures for MLflow runs and docs: ranking vs peers, policy values, importance, gain curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from training.nbo.dataset import RankingSet
    from training.nbo.ranker import Ranker


def _figure(w: float = 7.0, h: float = 3.6) -> tuple[Figure, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(w, h), constrained_layout=True)
    return fig, ax


def ranking_figure(table: pd.DataFrame) -> Figure:
    fig, ax = _figure()
    y = np.arange(len(table))
    err = np.vstack([table["ndcg@10"] - table["ndcg_lo"], table["ndcg_hi"] - table["ndcg@10"]])
    ax.barh(y, table["ndcg@10"], xerr=err, color=["#2b6cb0"] + ["#a0aec0"] * (len(table) - 1))
    ax.set_yticks(y, table["method"])
    ax.invert_yaxis()
    ax.set_xlabel("NDCG@10 on next-28-day purchases (95% bootstrap CI)")
    return fig


def policy_figure(table: pd.DataFrame) -> Figure:
    fig, ax = _figure()
    col = "true_value" if "true_value" in table.columns else "ipw_value"
    y = np.arange(len(table))
    ax.barh(y, table[col], color=["#2f855a" if p.startswith(("oracle", "learned")) else "#a0aec0" for p in table["policy"]])
    ax.set_yticks(y, table["policy"])
    ax.invert_yaxis()
    ax.set_xlabel(("true" if col == "true_value" else "IPW-estimated") + " incremental value per shopper")
    return fig


def importance_figure(importance: dict[str, float], top: int = 15) -> Figure:
    fig, ax = _figure(7.0, 4.2)
    items = sorted(importance.items(), key=lambda kv: -kv[1])[:top][::-1]
    ax.barh([k for k, _ in items], [v for _, v in items], color="#2b6cb0")
    ax.set_xlabel("gain")
    return fig


def gain_figure(rs: RankingSet, ranker: Ranker) -> Figure:
    """Share of the candidates' purchases found in the top-r of each shopper's ranking."""
    fig, ax = _figure()
    hits = np.zeros(rs.group.max())
    start = 0
    for n in rs.group:
        y = rs.y[start:start + n]
        order = np.argsort(-ranker.score(rs.x[start:start + n]), kind="stable")
        hits[:n] += np.cumsum(y[order])
        hits[n:] += y.sum()
        start += n
    total = rs.y.sum()
    ax.plot(np.arange(1, hits.size + 1), hits / max(total, 1), color="#2b6cb0", label="ranker")
    ax.plot([1, hits.size], [1 / hits.size, 1], color="#a0aec0", ls="--", label="random")
    ax.set_xscale("log")
    ax.set_xlabel("rank")
    ax.set_ylabel("share of purchases found")
    ax.legend()
    return fig
