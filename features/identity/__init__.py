"""Identity resolution: every source id (customer_ref) -> one stable customer_id.

See `graph.resolve` for the linking rule and `evaluate.pairwise_scores` for how
it is measured against a known ground truth.
"""

from features.identity.evaluate import PairwiseScores, pairwise_scores
from features.identity.graph import IdentityConfig, IdentityResult, resolve

__all__ = ["IdentityConfig", "IdentityResult", "PairwiseScores", "pairwise_scores", "resolve"]
