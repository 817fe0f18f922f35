"""Candidates for one shopper and their features, vectorised over the catalogue.

Sources (a bit each, kept as features and as the recommendation's reason):
co-purchase and co-view neighbours of what the shopper bought, carted and
viewed (and of the SKU in view), the top SKUs of their favourite categories
and brands, recently viewed / carted SKUs, what they bought before, the
popular SKUs at the request's (or their home) location, this calendar month
and lately, and the SKUs of live offers. Scores are accumulated in dense
arrays over the catalogue (a few hundred to a few thousand SKUs), so one
shopper costs a handful of numpy calls and no Python loop over candidates.

Training and serving build candidates and features with these same
functions, so the model never sees a feature computed differently online.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.nbo.items import ItemIndex
from training.nbo.state import PROFILE_FEATURES, ShopperState

SOURCES = ("co_purchase", "co_view", "category", "brand", "recent", "popular", "offer", "repurchase")
SOURCE_TEXT = {
    "co_purchase": "bought together with what you bought or carted",
    "co_view": "viewed together with what you viewed",
    "category": "from a category you buy most",
    "brand": "from a brand you buy most",
    "recent": "you viewed or carted it recently",
    "popular": "popular at this location and season",
    "offer": "on a live offer",
    "repurchase": "you bought it before",
}
ITEM_FEATURES = (
    *(f"src_{s}" for s in SOURCES), "co_purchase", "co_view", "category_share", "brand_share", "bought_units",
    "bought_days_ago", "viewed", "carted", "same_category_as_view", "pop_location", "pop_recent", "pop_month",
    "log_price", "margin_rate", "price_vs_usual",
)
FEATURES: tuple[str, ...] = (*ITEM_FEATURES, *PROFILE_FEATURES)
MAX_CANDIDATES = 200
SEEDS = 10
TOP_CATEGORIES = 3
PER_CATEGORY = 25
PER_BRAND = 12
POPULAR = 30


@dataclass(frozen=True)
class Context:
    """Where and when the shopper asks (no profile values)."""

    channel: str = "web"
    location_id: str | None = None  # the store asked from, or the shopper's chosen store
    lat: float | None = None
    lon: float | None = None
    sku_in_view: str | None = None
    cart_skus: tuple[str, ...] = ()
    page: str | None = None


@dataclass(frozen=True)
class Candidates:
    item: np.ndarray  # item index
    sources: np.ndarray  # uint16 bit mask over SOURCES
    co_purchase: np.ndarray
    co_view: np.ndarray

    @property
    def n(self) -> int:
        return int(self.item.size)

    def source_names(self, i: int) -> list[str]:
        bits = int(self.sources[i])
        return [s for k, s in enumerate(SOURCES) if bits >> k & 1]


def generate(state: ShopperState, items: ItemIndex, ctx: Context, month: int,
             offer_items: np.ndarray | None = None, max_candidates: int = MAX_CANDIDATES) -> Candidates:
    """Up to `max_candidates` SKUs for this shopper (`month` 1-12 picks the seasonal list)."""
    n = items.n
    # one spare slot at the end: index -1 (list padding) lands there and is ignored
    bits = np.zeros(n + 1, dtype=np.uint16)
    wanted = [ctx.sku_in_view, *ctx.cart_skus] if ctx.sku_in_view else list(ctx.cart_skus)
    context_items = items.positions(wanted) if wanted else np.zeros(0, dtype=np.int64)
    context_items = context_items[context_items >= 0]
    seeds_p = np.concatenate([state.bought[:SEEDS], state.carted, context_items])
    seeds_v = np.concatenate([state.viewed[:SEEDS], state.carted, context_items])
    cop = _neighbour_scores(items.co_purchase, items.co_purchase_score, seeds_p, n)
    cov = _neighbour_scores(items.co_view, items.co_view_score, seeds_v, n)
    bits[:n][cop > 0] |= 1
    bits[:n][cov > 0] |= 2
    if state.category_share.any():
        cats = np.argsort(-state.category_share, kind="stable")[:TOP_CATEGORIES]
        bits[items.cat_top[cats[state.category_share[cats] > 0], :PER_CATEGORY]] |= 4
    if state.brand_share.any():
        brands = np.argsort(-state.brand_share, kind="stable")[:TOP_CATEGORIES]
        bits[items.brand_top[brands[state.brand_share[brands] > 0], :PER_BRAND]] |= 8
    bits[state.viewed] |= 16
    bits[state.carted] |= 16
    loc = items.location_position(ctx.location_id or state.home_location)
    bits[items.month_top[month - 1, :POPULAR]] |= 32
    bits[items.recent_top[:POPULAR]] |= 32
    if loc >= 0:
        bits[items.location_top[loc, :POPULAR]] |= 32
    if offer_items is not None and offer_items.size:
        bits[offer_items] |= 64
    bits[state.bought] |= 128
    bits[context_items] = 0  # never recommend what is in view or already in the cart
    bits = bits[:n]
    chosen = np.flatnonzero(bits)
    if chosen.size > max_candidates:
        prior = (cop[chosen] + cov[chosen] + state.category_share[items.category[chosen]]
                 + 2.0 * (bits[chosen] >> 4 & 1) + 50.0 * items.pop_recent[chosen] + 0.01 * _popcount(bits[chosen]))
        keep = np.argpartition(-prior, max_candidates - 1)[:max_candidates]
        chosen = np.sort(chosen[keep])
    return Candidates(chosen, bits[chosen], cop[chosen], cov[chosen])


def _neighbour_scores(neigh: np.ndarray, score: np.ndarray, seeds: np.ndarray, n: int) -> np.ndarray:
    """Summed similarity to the seeds per item (padding -1 has score 0, counted in the spare slot)."""
    if seeds.size == 0:
        return np.zeros(n)
    return np.bincount(neigh[seeds].ravel() % (n + 1), weights=score[seeds].ravel(), minlength=n + 1)[:n]


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.unpackbits(x.astype(">u2").view(np.uint8).reshape(-1, 2), axis=1).sum(axis=1))


def features(cands: Candidates, state: ShopperState, items: ItemIndex, ctx: Context, month: int) -> np.ndarray:
    """(n_candidates, len(FEATURES)) float32 matrix, columns in FEATURES order."""
    c = cands.item
    m = np.empty((c.size, len(FEATURES)), dtype=np.float32)
    for k in range(len(SOURCES)):
        m[:, k] = cands.sources >> k & 1
    j = len(SOURCES)
    m[:, j] = cands.co_purchase
    m[:, j + 1] = cands.co_view
    m[:, j + 2] = state.category_share[items.category[c]]
    brand = items.brand[c]
    m[:, j + 3] = np.where(brand >= 0, state.brand_share[np.maximum(brand, 0)] if state.brand_share.size else 0, 0)
    units, days = _history(state, items.n)
    m[:, j + 4] = units[c]
    m[:, j + 5] = days[c]
    m[:, j + 6] = _flags(state.viewed, items.n)[c]
    m[:, j + 7] = _flags(state.carted, items.n)[c]
    view = items.positions([ctx.sku_in_view])[0] if ctx.sku_in_view else -1
    m[:, j + 8] = (items.category[c] == items.category[view]) if view >= 0 else 0
    loc = items.location_position(ctx.location_id or state.home_location)
    m[:, j + 9] = items.pop_location[loc, c] if loc >= 0 else np.nan
    m[:, j + 10] = items.pop_recent[c]
    m[:, j + 11] = items.pop_month[month - 1, c]
    price = items.price[c]
    m[:, j + 12] = np.log1p(price)
    m[:, j + 13] = items.margin_rate[c]
    p = state.profile
    units_365 = p[PROFILE_FEATURES.index("units_365d")]
    usual = p[PROFILE_FEATURES.index("monetary_365d")] / units_365 if units_365 > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        m[:, j + 14] = np.log(price / usual) if np.isfinite(usual) and usual > 0 else np.nan
    m[:, len(ITEM_FEATURES):] = state.profile[None, :]
    return m


def _flags(idx: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    out[idx] = 1.0
    return out


def _history(state: ShopperState, n: int) -> tuple[np.ndarray, np.ndarray]:
    units = np.zeros(n, dtype=np.float32)
    days = np.full(n, np.nan, dtype=np.float32)
    units[state.bought] = state.bought_units
    days[state.bought] = state.bought_days_ago
    return units, days
