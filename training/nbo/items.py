"""The item side of next best offer, as arrays: catalogue, popularity, neighbours.

Built once per training cut-off from history strictly before it (and once at
training time for serving): SKU, category and brand codes, price and unit
cost, popularity overall / by stocked location / by month of year, and the
top-K co-purchase and co-view neighbours of every SKU (cosine similarity of
SKU columns in a shopper x SKU matrix, via scipy.sparse). Everything a
candidate feature needs is an array lookup by item index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from serving.rules import Locations

NEIGHBOURS = 20
TOP_PER_GROUP = 40
RECENT_DAYS = 28
LOCATION_DAYS = 91


@dataclass(frozen=True)
class ItemIndex:
    sku: np.ndarray  # object
    category: np.ndarray  # int code into `categories`
    brand: np.ndarray  # int code into `brands` (-1 none)
    categories: np.ndarray  # object
    brands: np.ndarray  # object
    price: np.ndarray
    unit_cost: np.ndarray  # NaN unknown
    pop_recent: np.ndarray  # share of units, last RECENT_DAYS
    pop_location: np.ndarray  # (n_loc, n_items) share of units, last LOCATION_DAYS, per location
    pop_month: np.ndarray  # (12, n_items) share of units per calendar month
    co_purchase: np.ndarray  # (n_items, K) neighbour index, -1 pad
    co_purchase_score: np.ndarray  # (n_items, K) cosine
    co_view: np.ndarray
    co_view_score: np.ndarray
    cat_top: np.ndarray  # (n_cat, TOP) items by recent popularity, -1 pad
    brand_top: np.ndarray  # (n_brand, TOP)
    location_top: np.ndarray  # (n_loc, TOP) items by popularity at the location
    month_top: np.ndarray  # (12, TOP) items by popularity in the calendar month
    recent_top: np.ndarray  # (TOP,) items by recent popularity
    locations: Locations
    as_of: float  # epoch seconds: built from history before this

    @property
    def n(self) -> int:
        return len(self.sku)

    @property
    def margin_rate(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray((self.price - self.unit_cost) / self.price)

    def positions(self, skus: list[str] | tuple[str, ...]) -> np.ndarray:
        """Item index per SKU (-1 unknown)."""
        lookup = self._lookup
        return np.fromiter((lookup.get(s, -1) for s in skus), dtype=np.int64, count=len(skus))

    @property
    def _lookup(self) -> dict[str, int]:
        cached = self.__dict__.get("_lookup_cache")
        if cached is None:
            cached = {str(s): i for i, s in enumerate(self.sku)}
            object.__setattr__(self, "_lookup_cache", cached)
        return cached

    def location_position(self, location_id: str | None) -> int:
        if location_id is None:
            return -1
        return self.locations.index.get(str(location_id), -1)


def build_items(products: pd.DataFrame, locations: pd.DataFrame, tx: pd.DataFrame, views: pd.DataFrame,
                as_of: pd.Timestamp, prices: pd.DataFrame | None = None) -> ItemIndex:
    """Item arrays from history before `as_of`.

    `tx`: purchase lines (customer_id, sku, location_id, qty, ts) with qty > 0;
    `views`: (customer_id, sku, ts) view events; `prices`: optional (sku, price)
    current prices (default: list price).
    """
    as_of = pd.Timestamp(as_of)
    tx = tx[tx["ts"] < as_of]
    views = views[views["ts"] < as_of]
    products = products.sort_values("sku").reset_index(drop=True)
    sku = products["sku"].astype(str).to_numpy(dtype=object)
    pos = pd.Series(np.arange(len(sku)), index=sku)
    categories, cat_code = np.unique(products["category"].astype(str).to_numpy(), return_inverse=True)
    brand_raw = products["brand"].astype(object).where(products["brand"].notna(), None)
    brands = np.array(sorted({str(b) for b in brand_raw if b is not None}), dtype=object)
    brand_pos = {b: i for i, b in enumerate(brands)}
    brand_code = np.array([brand_pos.get(str(b), -1) if b is not None else -1 for b in brand_raw], dtype=np.int64)
    price = products["list_price"].to_numpy(dtype=float).copy()
    if prices is not None and len(prices):
        cur = prices.groupby("sku")["price"].mean()
        known = cur.index.intersection(pos.index)
        price[pos[known].to_numpy()] = cur[known].to_numpy()
    unit_cost = products["unit_cost"].astype("float64").to_numpy(na_value=np.nan)
    locs = Locations.from_frame(locations)

    item = pos.reindex(tx["sku"].astype(str)).to_numpy()
    ok = ~np.isnan(item)
    tx = tx.loc[ok]
    item = item[ok].astype(np.int64)
    qty = tx["qty"].to_numpy(dtype=float)
    days_before = (as_of - tx["ts"]).dt.total_seconds().to_numpy() / 86400
    n = len(sku)
    recent = np.bincount(item[days_before <= RECENT_DAYS], weights=qty[days_before <= RECENT_DAYS], minlength=n)
    loc_idx = np.array([locs.index.get(str(x), -1) for x in tx["location_id"].astype(str)], dtype=np.int64)
    pop_loc = np.zeros((locs.n, n))
    near = (days_before <= LOCATION_DAYS) & (loc_idx >= 0)
    np.add.at(pop_loc, (loc_idx[near], item[near]), qty[near])
    pop_month = np.zeros((12, n))
    np.add.at(pop_month, (tx["ts"].dt.month.to_numpy() - 1, item), qty)
    co_p, co_ps = _neighbours(tx["customer_id"].to_numpy(), item, n, days_before <= 365)
    v_item = pos.reindex(views["sku"].astype(str)).to_numpy()
    v_ok = ~np.isnan(v_item)
    session = (views["customer_id"].astype(str) + "|" + views["ts"].dt.strftime("%Y-%m-%d")).to_numpy()[v_ok]
    v_days = (as_of - views["ts"]).dt.total_seconds().to_numpy()[v_ok] / 86400
    co_v, co_vs = _neighbours(session, v_item[v_ok].astype(np.int64), n, v_days <= 180)
    share = _share(recent + 0.01 * pop_month.sum(axis=0))  # ties broken by long-run popularity
    return ItemIndex(
        sku=sku, category=cat_code.astype(np.int64), brand=brand_code, categories=categories.astype(object),
        brands=brands, price=price, unit_cost=unit_cost, pop_recent=share,
        pop_location=_share(pop_loc), pop_month=_share(pop_month),
        co_purchase=co_p, co_purchase_score=co_ps, co_view=co_v, co_view_score=co_vs,
        cat_top=_top_by_group(cat_code, share, len(categories)),
        brand_top=_top_by_group(brand_code, share, len(brands)),
        location_top=_top_rows(_share(pop_loc) + 1e-9 * share), month_top=_top_rows(_share(pop_month) + 1e-9 * share),
        recent_top=_top_rows(share[None, :])[0],
        locations=locs, as_of=as_of.timestamp(),
    )


def _share(x: np.ndarray) -> np.ndarray:
    total = x.sum(axis=-1, keepdims=True)
    return np.asarray(np.where(total > 0, x / np.where(total > 0, total, 1), 0.0))


def _top_rows(score: np.ndarray) -> np.ndarray:
    """Per row, the TOP columns with the highest positive score (-1 pad)."""
    order = np.argsort(-score, axis=1, kind="stable")[:, :TOP_PER_GROUP]
    picked = np.take_along_axis(score, order, axis=1)
    out = np.where(picked > 0, order, -1)
    pad = TOP_PER_GROUP - out.shape[1]
    return np.pad(out, ((0, 0), (0, pad)), constant_values=-1) if pad > 0 else out


def _top_by_group(group: np.ndarray, score: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.full((max(n_groups, 1), TOP_PER_GROUP), -1, dtype=np.int64)
    order = np.lexsort((np.arange(score.size), -score))
    for g in range(n_groups):
        members = order[group[order] == g][:TOP_PER_GROUP]
        out[g, : members.size] = members
    return out


def _neighbours(owner: np.ndarray, item: np.ndarray, n_items: int, keep: np.ndarray,
                k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Top-k cosine neighbours of every item over binary owner x item incidence."""
    idx = np.full((n_items, k), -1, dtype=np.int64)
    score = np.zeros((n_items, k))
    if not keep.any():
        return idx, score
    owners, o_code = np.unique(owner[keep].astype(str), return_inverse=True)
    m = sp.csr_matrix((np.ones(o_code.size), (o_code, item[keep])), shape=(owners.size, n_items))
    m.data[:] = 1.0
    m.sum_duplicates()
    m.data[:] = 1.0
    co = (m.T @ m).tocsr().astype(float)
    norms = np.sqrt(co.diagonal())
    co.setdiag(0)
    co.eliminate_zeros()
    inv = np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0)
    co = sp.diags(inv) @ co @ sp.diags(inv)
    co = co.tocsr()
    for i in range(n_items):
        row = slice(co.indptr[i], co.indptr[i + 1])
        cols, vals = co.indices[row], co.data[row]
        if cols.size == 0:
            continue
        top = np.lexsort((cols, -vals))[:k]
        idx[i, : top.size] = cols[top]
        score[i, : top.size] = vals[top]
    return idx, score
