"""Next best offer: candidates, a LightGBM ranker, an uplift model, value, rules and routing.

Public scoring API (stable; the scoring service builds on it):

    from training.nbo import NBOScorer, ShopperState, Context, ScoreResult, ScoredOffer
    scorer: NBOScorer = load_scorer(...)          # training.nbo.tracking.load_champion(settings)
    state = ShopperState.from_online(online_features, scorer.items, elapsed_days=...)
    state = ShopperState.anonymous(scorer.items, viewed=(...), carted=(...))   # no id / no consent
    result = scorer.score(state, Context(channel="web", lat=52.37, lon=4.89, sku_in_view="SKU-000012"),
                          now=epoch_seconds, stock=StockMatrix(...), k=5)
    result.mode                        # personalized | context_only | none (and result.reasons says why)
    for o in result.offers:            # ScoredOffer, best first
        o.sku, o.offer_id, o.p_purchase, o.expected_incremental_value, o.fulfilment, o.reasons

- `ShopperState` (training.nbo.state): the features in hand: PROFILE_FEATURES
  from customer_profile, consent, affinities and history from customer_affinity,
  cart from customer_activity (the Feast `nbo_customer` service).
- `Context` (training.nbo.candidates): channel, position / chosen store, SKU in view, cart.
- `stock`: a `serving.rules.StockMatrix` of sellable units per SKU x location.
- `ScoreResult` / `ScoredOffer` (training.nbo.api): ranked offers, each with
  P(purchase), uplift, expected incremental value, a `FulfilmentOption` and reasons.
- `NBOScorer.rank_candidates(state, ctx, month)`: the fast path alone
  (candidates + features + ranker, single-threaded).

Training, evaluation and policies: `training.nbo.pipeline` (train / backtest),
`training.nbo.policy` (Hillstrom off-policy evaluation and the deployment guard).
"""

from training.nbo.api import ScoredOffer, ScoreResult
from training.nbo.candidates import FEATURES, Context
from training.nbo.scorer import NBOScorer
from training.nbo.state import PROFILE_FEATURES, ShopperState

__all__ = ["FEATURES", "PROFILE_FEATURES", "Context", "NBOScorer", "ScoreResult", "ScoredOffer", "ShopperState"]
