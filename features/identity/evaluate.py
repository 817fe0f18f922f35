"""Pairwise precision and recall of an identity map against a ground truth.

A pair of refs is "predicted together" when both map to one customer_id, and
"truly together" when the truth gives them one person. Counting is done on
cluster sizes (n choose 2), never by enumerating pairs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    refs: int

    def to_dict(self) -> dict:
        return asdict(self)


def _pairs(sizes: pd.Series) -> int:
    s = sizes.astype("int64")
    return int((s * (s - 1) // 2).sum())


def pairwise_scores(mapping: pd.DataFrame, truth: pd.DataFrame, truth_col: str = "person_id") -> PairwiseScores:
    """Score `mapping` (customer_ref, customer_id) against `truth` (customer_ref, truth_col).

    Only refs present in both are scored. With no pair on a side the score is 1.0
    (nothing claimed, nothing wrong).
    """
    both = mapping[["customer_ref", "customer_id"]].merge(
        truth[["customer_ref", truth_col]], on="customer_ref", how="inner"
    )
    predicted = _pairs(both.groupby("customer_id").size())
    actual = _pairs(both.groupby(truth_col).size())
    correct = _pairs(both.groupby(["customer_id", truth_col]).size())
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(precision, recall, f1, predicted, actual, correct, int(len(both)))
