"""`NBOScorer`: one shopper, features in hand -> ranked, deliverable offers with reasons.

    scorer.score(state, Context(channel="web", lat=.., lon=.., sku_in_view=..), now, stock, k=5)

1. consent decides the mode: personalized, context-only (no personalization
   consent, or an anonymous shopper: the profile is not used, and the result
   says so) or none (an outbound channel without marketing consent);
2. candidates and their features (`training.nbo.candidates`), the ranker's
   P(purchase) per candidate, single-threaded;
3. live offers that cover each candidate and pass the rules
   (`serving.rules.eligibility`), valued with the uplift model
   (`training.nbo.value`); the best positive one is attached;
4. fulfilment routing (`serving.rules.route`) drops what cannot be delivered;
5. ranked by expected value = p x margin + the attached offer's incremental
   value; reasons and a fulfilment option for the k shown.

Predictions are `Booster.predict(num_threads=1)`, or compiled predictors
installed by `use_compiled` (lleaves, built when a model is promoted; see
`training.nbo.compiled`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from serving.rules import (
    OfferCatalog,
    Origin,
    Routes,
    RoutingPolicy,
    RuleConfig,
    Shopper,
    StockMatrix,
    applicable,
    check,
    describe,
    route,
)
from training.nbo.api import ScoredOffer, ScoreResult
from training.nbo.candidates import SOURCE_TEXT, Candidates, Context, features, generate
from training.nbo.items import ItemIndex
from training.nbo.ranker import Ranker
from training.nbo.state import ShopperState
from training.nbo.uplift import UpliftModel, uplift_features
from training.nbo.value import category_means

Predict = Callable[[np.ndarray], np.ndarray]
OFFER_CATEGORY_TOP = 10


@dataclass
class _LiveOffers:
    hour: float
    catalog: OfferCatalog
    items: np.ndarray  # candidate items the live offers point at
    kind: np.ndarray  # uplift kind index per offer (-1: kind the uplift model does not know)


@dataclass
class NBOScorer:
    items: ItemIndex
    ranker: Ranker
    uplift: UpliftModel | None
    offers: OfferCatalog
    kinds: tuple[str, ...]
    mean_uplift: np.ndarray  # (kinds,) population mean: the non-personalized answer
    rules: RuleConfig = field(default_factory=RuleConfig)
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    horizon_days: int = 28
    version: str | None = None
    validation_rows: np.ndarray | None = field(default=None, repr=False)  # feature rows to check compiled models
    uplift_rows: np.ndarray | None = field(default=None, repr=False)  # uplift feature rows, for the same check
    _ranker_predict: Predict | None = field(default=None, repr=False)
    _live: _LiveOffers | None = field(default=None, repr=False)
    _stock_map: tuple[int, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.cat_price, self.cat_margin = category_means(self.items)
        self.unit_margin = self.items.price - np.nan_to_num(self.items.unit_cost, nan=np.inf)

    # --- the fast path ------------------------------------------------------
    def rank_candidates(self, state: ShopperState, ctx: Context, month: int,
                        offer_items: np.ndarray | None = None) -> tuple[Candidates, np.ndarray]:
        """Candidates and their P(purchase): the part budgeted at 0.5 ms for 200 candidates."""
        cands = generate(state, self.items, ctx, month, offer_items)
        x = features(cands, state, self.items, ctx, month)
        raw = self._ranker_predict(x) if self._ranker_predict is not None else self.ranker.score(x)
        return cands, self.ranker.probability(raw)

    def shopper_uplift(self, state: ShopperState) -> np.ndarray:
        """(kinds,) uplift per offer kind; population mean without a personalized profile."""
        if self.uplift is None or not state.personalized:
            return self.mean_uplift
        return np.asarray(self.uplift.predict_uplift(uplift_features(state)[None, :])[0])

    def use_compiled(self, ranker_predict: Predict | None) -> None:
        """Install a compiled ranker predictor (identical outputs, checked by the caller)."""
        self._ranker_predict = ranker_predict

    # --- the whole answer ---------------------------------------------------
    def score(self, state: ShopperState, ctx: Context, now: float, stock: StockMatrix, k: int = 5) -> ScoreResult:
        mode = state.consent.mode(ctx.channel, self.rules)
        consent_reason = state.consent.reason(ctx.channel, self.rules)
        if state.customer_id is None and mode == "context_only":
            consent_reason = "anonymous shopper: ranked on context only (location, season, page, session)"
        if mode == "none":
            return ScoreResult((), "none", (consent_reason,), self.version, 0, 0)
        used = state if mode == "personalized" else _context_state(state, self.items)
        month = datetime.fromtimestamp(now, tz=UTC).month
        live = self._live_offers(now)
        cands, p = self.rank_candidates(used, ctx, month, live.items)
        c = cands.item
        price, margin = self.items.price[c], self.unit_margin[c]
        best_offer, best_eiv, best_uplift, checked_drop = self._attach_offers(used, ctx, now, live, c, p)
        value = p * np.where(np.isfinite(margin), margin, 0.0) + np.maximum(best_eiv, 0.0)
        routes = route(self.items.sku[c].tolist(), self._sellable(stock, c), self.items.locations,
                       Origin(ctx.lat, ctx.lon, ctx.location_id), now, self.routing)
        deliverable = routes.deliverable
        order = np.flatnonzero(deliverable)[np.argsort(-value[deliverable], kind="stable")][:k]
        shown = tuple(self._shown(rank + 1, i, cands, p, price, margin, best_offer, best_eiv, best_uplift, routes,
                                  used, live) for rank, i in enumerate(order))
        return ScoreResult(shown, mode, (consent_reason,), self.version, cands.n, int(deliverable.sum()), checked_drop)

    def _attach_offers(self, state: ShopperState, ctx: Context, now: float, live: _LiveOffers, c: np.ndarray,
                       p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
        """Per candidate: best offer (index into the live catalogue, -1 none), its EIV and uplift."""
        n = c.size
        best = np.full(n, -1, dtype=np.int64)
        eiv_best = np.zeros(n)
        up_best = np.zeros(n)
        cat = live.catalog
        if cat.n == 0 or n == 0:
            return best, eiv_best, up_best, {}
        pairs = applicable(cat, self.items.sku[c], self.items.categories[self.items.category[c]])
        shopper = Shopper(state.tags, state.experiment_offers, state.shown)
        checked = check(cat, pairs, shopper, ctx.channel, now, self.items.price[c], self.items.unit_cost[c], self.rules)
        ok = checked.ok & (live.kind[pairs.offer] >= 0)
        cand, offer = pairs.cand[ok], pairs.offer[ok]
        if cand.size:
            tau = self.shopper_uplift(state)[live.kind[offer]]
            share = p[cand] / max(float(p.sum()), 1e-12)  # the caused order lands on this SKU
            cost = cat.cost_for(offer, self.items.price[c][cand])
            uplift = tau * share
            eiv = uplift * (self.unit_margin[c][cand] - cost)
            order = np.lexsort((-eiv, cand))
            first = np.ones(order.size, dtype=bool)
            first[1:] = cand[order][1:] != cand[order][:-1]
            top = order[first]
            positive = eiv[top] > 0
            best[cand[top][positive]] = offer[top][positive]
            eiv_best[cand[top][positive]] = eiv[top][positive]
            up_best[cand[top][positive]] = uplift[top][positive]
        return best, eiv_best, up_best, checked.dropped()

    def _shown(self, rank: int, i: int, cands: Candidates, p: np.ndarray, price: np.ndarray, margin: np.ndarray,
               best_offer: np.ndarray, best_eiv: np.ndarray, best_uplift: np.ndarray, routes: Routes, state: ShopperState,
               live: _LiveOffers) -> ScoredOffer:
        item = int(cands.item[i])
        sources = tuple(cands.source_names(i))
        reasons = [f"signal: {SOURCE_TEXT[s]}" for s in sources[:3]]
        reasons.append(f"P(purchase within {self.horizon_days} days) {p[i]:.1%}, margin {margin[i]:.2f}")
        o = int(best_offer[i])
        offer_id = kind = None
        if o >= 0:
            cat = live.catalog
            offer_id, kind = str(cat.offer_id[o]), str(cat.kind[o])
            reasons += [f"rule: {r}" for r in describe(cat, o, float(price[i]), float(self.items.unit_cost[item]),
                                                       Shopper(state.tags, state.experiment_offers, state.shown),
                                                       self.rules)]
            reasons.append(f"offer worth {best_eiv[i]:.2f} after its cost (uplift {best_uplift[i]:.2%})")
        option = routes.option(i)
        reasons += [f"fulfilment: {r}" for r in option.reasons]
        return ScoredOffer(
            rank=rank, sku=str(self.items.sku[item]), category=str(self.items.categories[self.items.category[item]]),
            price=float(price[i]), offer_id=offer_id, offer_kind=kind, p_purchase=float(p[i]),
            uplift=float(best_uplift[i]), expected_margin=float(p[i] * margin[i]) if np.isfinite(margin[i]) else 0.0,
            expected_incremental_value=float(best_eiv[i]), fulfilment=option, sources=sources, reasons=tuple(reasons),
        )

    def _live_offers(self, now: float) -> _LiveOffers:
        """Offers valid this hour, with the SKUs they point at (cached per hour)."""
        hour = now // 3600
        if self._live is not None and self._live.hour == hour:
            return self._live
        live = self.offers.take(np.flatnonzero((self.offers.start <= now) & (now < self.offers.end)))
        sku_items = self.items.positions([str(v) for v in live.scope_value[live.scope == "sku"]])
        cat_index = {str(cname): j for j, cname in enumerate(self.items.categories)}
        cats = [cat_index[str(v)] for v in live.scope_value[live.scope == "category"] if str(v) in cat_index]
        cat_items = self.items.cat_top[cats, :OFFER_CATEGORY_TOP].ravel() if cats else np.zeros(0, dtype=np.int64)
        items = np.unique(np.concatenate([sku_items, cat_items]))
        kind_index = {kind: j for j, kind in enumerate(self.kinds)}
        kinds = np.array([kind_index.get(str(x), -1) for x in live.kind], dtype=np.int64)
        self._live = _LiveOffers(hour, live, items[items >= 0], kinds)
        return self._live

    def _sellable(self, stock: StockMatrix, c: np.ndarray) -> np.ndarray:
        """Stock rows of these items; the item -> stock-row map is cached per stock object."""
        if self._stock_map is None or self._stock_map[0] != id(stock):
            rows = np.fromiter((stock.index.get(str(s), -1) for s in self.items.sku), dtype=np.int64,
                               count=self.items.n)
            self._stock_map = (id(stock), rows)
        rows = self._stock_map[1][c]
        out = stock.sellable[np.maximum(rows, 0)]
        out[rows < 0] = 0
        return np.asarray(out)


def _context_state(state: ShopperState, items: ItemIndex) -> ShopperState:
    """What may be used without personalization consent: nothing of the profile or history."""
    return ShopperState.anonymous(items) if state.customer_id is not None else state
