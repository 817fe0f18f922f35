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


def linkable_pairs(identities: pd.DataFrame, truth: pd.DataFrame, truth_col: str = "person_id") -> int:
    """Same-person pairs that any identity key could link at all (the recall ceiling).

    Keys are made private to their true person, so only real links remain; refs of
    one person that share no key with each other cannot be joined by any key rule.
    """
    from features.identity.graph import LINK_KEYS, IdentityConfig, resolve

    tagged = identities.merge(truth[["customer_ref", truth_col]], on="customer_ref", how="inner")
    for key in LINK_KEYS:
        tagged[key] = tagged[key].where(tagged[key].isna(), tagged[key].astype(str) + "|" + tagged[truth_col].astype(str))
    unlimited = {k: len(tagged) + 1 for k in LINK_KEYS}
    oracle = resolve(tagged, IdentityConfig(max_refs_per_key=unlimited, max_refs_per_system=unlimited))
    return _pairs(oracle.mapping.groupby("customer_id").size())
