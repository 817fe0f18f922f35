"""Point-in-time training sets for the ranker and the uplift model.

At a cut-off T every input is what was known before T:

- profile scalars: the latest `customer_profile` row stamped <= T (Feast's
  point-in-time rule over the same Parquet file, as a DuckDB ASOF join:
  `profile_at`; `tests/training/nbo/test_dataset.py` proves it equal to
  Feast's `get_historical_features`), with days_since_* moved on to T;
- consent: the latest `customer_consent` row <= T;
- affinities and history: `features.profile.affinity.build_affinity` at T on
  the validated tables (the definition the online store serves);
- items: popularity and neighbours from history before T (`items.build_items`).

Labels are purchases in [T, T + horizon). Feast's own join reads the same rows
but took minutes for the demand panel where DuckDB takes a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from features.profile.affinity import build_affinity
from features.profile.inputs import connect, register
from omnicast.errors import OmnicastError
from serving.rules import Consent
from training.nbo.candidates import Context, features, generate
from training.nbo.items import ItemIndex, build_items
from training.nbo.state import PROFILE_FEATURES, STALE_DAYS, ShopperState, parse_purchases, parse_shares

PROFILE_EXTRA = ("preferred_store", "lifecycle_segment")


class NBODataError(OmnicastError):
    """The tables next best offer trains on are missing or too thin."""


@dataclass
class History:
    """Validated tables resolved to customer ids (what every cut-off reads from)."""

    products: pd.DataFrame
    locations: pd.DataFrame
    offers: pd.DataFrame
    identity_map: pd.DataFrame
    transactions: pd.DataFrame
    events: pd.DataFrame
    exposures: pd.DataFrame
    feature_tables: Path

    @property
    def purchases(self) -> pd.DataFrame:
        """Purchase lines of known customers: customer_id, sku, location_id, qty, ts, channel, order_id."""
        cached = self.__dict__.get("_purchases")
        if cached is None:
            tx = self.transactions
            keep = (tx["qty"] > 0) & ~tx["returned"]
            cached = tx.loc[keep].merge(self.identity_map[["customer_ref", "customer_id"]], on="customer_ref")
            self.__dict__["_purchases"] = cached
        return cached

    @property
    def views(self) -> pd.DataFrame:
        cached = self.__dict__.get("_views")
        if cached is None:
            ev = self.events
            ev = ev.loc[(ev["type"] == "view") & ev["sku"].notna()]
            cached = ev.merge(self.identity_map[["customer_ref", "customer_id"]], on="customer_ref")[
                ["customer_id", "sku", "ts"]]
            self.__dict__["_views"] = cached
        return cached


def load_history(validated: Path, identity_map: Path, feature_tables: Path) -> History:
    """The validated tables and the identity map (a clear error when a stage has not run)."""
    need = {"products", "locations", "transactions", "events"}
    for name in need:
        if not (Path(validated) / f"{name}.parquet").exists():
            raise NBODataError(f"validated table {Path(validated) / name}.parquet is missing: generate or import "
                               "data and ingest it first")
    if not Path(identity_map).exists():
        raise NBODataError(f"identity map {identity_map} is missing: build the features first")
    if not (Path(feature_tables) / "customer_profile.parquet").exists():
        raise NBODataError(f"feature table {Path(feature_tables) / 'customer_profile.parquet'} is missing: "
                           "build the features first")

    def read(name: str) -> pd.DataFrame:
        path = Path(validated) / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    events = pd.read_parquet(Path(validated) / "events.parquet", columns=["ts", "customer_ref", "type", "sku"])
    return History(read("products"), read("locations"), read("offers"), pd.read_parquet(identity_map),
                   read("transactions"), events, read("exposures"), Path(feature_tables))


def _sql_path(path: Path) -> str:
    return "'" + str(Path(path).resolve()).replace("'", "''") + "'"


def profile_at(feature_tables: Path, entities: pd.DataFrame) -> pd.DataFrame:
    """Point-in-time profile and consent per (customer_id, event_timestamp) entity row.

    Feast semantics: the latest feature row with event_timestamp <= the entity's
    timestamp (ttl 0: no expiry). days_since_* are moved on to the entity time.
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("entities", entities[["customer_id", "event_timestamp"]])
    prof = Path(feature_tables) / "customer_profile.parquet"
    cons = Path(feature_tables) / "customer_consent.parquet"
    cols = ", ".join(f"p.{c}" for c in (*PROFILE_FEATURES, *PROFILE_EXTRA))
    consent = (f"ASOF LEFT JOIN read_parquet({_sql_path(cons)}) c ON e.customer_id = c.customer_id "
               "AND e.event_timestamp >= c.event_timestamp") if cons.exists() else ""
    consent_cols = ("c.consent_personalization, c.consent_marketing" if cons.exists()
                    else "NULL AS consent_personalization, NULL AS consent_marketing")
    try:
        frame = con.execute(
            f"""
            SELECT e.customer_id, e.event_timestamp, p.event_timestamp AS profile_timestamp, {cols}, {consent_cols}
            FROM entities e
            ASOF LEFT JOIN read_parquet({_sql_path(prof)}) p
              ON e.customer_id = p.customer_id AND e.event_timestamp >= p.event_timestamp
            {consent}
            """
        ).df()
    finally:
        con.close()
    elapsed = (pd.to_datetime(frame["event_timestamp"], utc=True)
               - pd.to_datetime(frame["profile_timestamp"], utc=True)).dt.total_seconds() / 86400
    for name in STALE_DAYS:
        frame[name] = frame[name] + elapsed.to_numpy()
    return frame.drop(columns=["profile_timestamp"])


def affinity_at(history: History, cutoff: pd.Timestamp) -> pd.DataFrame:
    """`build_affinity` at the cut-off over the validated tables."""
    con = connect()
    try:
        tables: dict[str, pd.DataFrame | Path] = {"transactions": history.transactions, "events": history.events.assign(
            device_id=None, channel=None, query=None, event_id=None), "products": history.products}
        register(con, tables, history.identity_map)
        return build_affinity(con, pd.Timestamp(cutoff))
    finally:
        con.close()


def states_at(history: History, items: ItemIndex, cutoff: pd.Timestamp,
              customers: np.ndarray | None = None) -> dict[str, ShopperState]:
    """Every (or each given) customer's state just before the cut-off."""
    aff = affinity_at(history, cutoff)
    if customers is not None:
        aff = aff.loc[aff["customer_id"].isin(customers)]
    ent = pd.DataFrame({"customer_id": aff["customer_id"].to_numpy(),
                        "event_timestamp": pd.Timestamp(cutoff).tz_convert("UTC")})
    prof = profile_at(history.feature_tables, ent).set_index("customer_id")
    aff = aff.set_index("customer_id")
    profile = prof.reindex(aff.index)[list(PROFILE_FEATURES)].astype(float).to_numpy()
    out: dict[str, ShopperState] = {}
    for j, (cid, row) in enumerate(aff.iterrows()):
        bought, units, days = parse_purchases(row["purchased_skus"], items)
        viewed = items.positions([s for s in row["viewed_skus"].split("|") if s])
        member = bool(row["loyalty_member"])
        p = prof.loc[str(cid)] if str(cid) in prof.index else None
        out[str(cid)] = ShopperState(
            customer_id=str(cid),
            consent=Consent(bool(p is not None and p["consent_personalization"] is True),
                            bool(p is not None and p["consent_marketing"] is True)),
            profile=profile[j], category_share=parse_shares(row["category_affinity"], items.categories),
            brand_share=parse_shares(row["brand_affinity"], items.brands), bought=bought, bought_units=units,
            bought_days_ago=days, viewed=viewed[viewed >= 0],
            home_location=(p["preferred_store"] if p is not None and isinstance(p["preferred_store"], str) else None),
            loyalty_member=member, app_user=bool(row["app_user"]),
            tags=frozenset({"loyalty_members"}) if member else frozenset(),
        )
    return out


def items_at(history: History, cutoff: pd.Timestamp) -> ItemIndex:
    p = history.purchases
    return build_items(history.products, history.locations, p[["customer_id", "sku", "location_id", "qty", "ts"]],
                       history.views, pd.Timestamp(cutoff))


@dataclass
class RankingSet:
    """Rows of shopper x candidate features with purchase labels, grouped per shopper."""

    x: np.ndarray
    y: np.ndarray
    group: np.ndarray  # candidates per shopper, in row order
    customers: list[str]
    purchased: dict[str, set[int]]  # all items each shopper bought in the horizon (for recall)
    candidates: list[np.ndarray]  # item index per group
    items: ItemIndex
    cutoff: pd.Timestamp

    @property
    def candidate_recall(self) -> float:
        """Share of next purchases that the candidate generator proposed at all."""
        hit = sum(len(set(c.tolist()) & self.purchased[cid]) for cid, c in zip(self.customers, self.candidates))
        total = sum(len(self.purchased[cid]) for cid in self.customers)
        return hit / total if total else 0.0


def ranking_set(history: History, cutoff: pd.Timestamp, horizon_days: int = 28, min_history: int = 1,
                max_customers: int | None = None, seed: int = 42) -> RankingSet:
    """Training/evaluation rows at one cut-off: shoppers with history before it and a purchase after."""
    cutoff = pd.Timestamp(cutoff).tz_convert("UTC")
    items = items_at(history, cutoff)
    p = history.purchases
    future = p.loc[(p["ts"] >= cutoff) & (p["ts"] < cutoff + pd.Timedelta(days=horizon_days))]
    past_n = p.loc[p["ts"] < cutoff].groupby("customer_id").size()
    buyers = np.array(sorted(set(future["customer_id"]) & set(past_n.index[past_n >= min_history])), dtype=object)
    if max_customers is not None and buyers.size > max_customers:
        buyers = np.sort(np.random.default_rng(seed).choice(buyers, max_customers, replace=False))
    if buyers.size == 0:
        raise NBODataError(f"no shopper has both history before and a purchase within {horizon_days} days of {cutoff}")
    states = states_at(history, items, cutoff, buyers)
    fut_items = items.positions(future["sku"].astype(str).tolist())
    bought: dict[str, set[int]] = {}
    for cid, it in zip(future["customer_id"].to_numpy(), fut_items):
        if it >= 0:
            bought.setdefault(str(cid), set()).add(int(it))
    month = cutoff.month
    xs, ys, groups, custs, cands_all = [], [], [], [], []
    for cid in buyers:
        state = states.get(str(cid))
        if state is None:
            continue
        ctx = Context(channel="web", location_id=state.home_location)
        cands = generate(state, items, ctx, month)
        if cands.n == 0:
            continue
        xs.append(features(cands, state, items, ctx, month))
        ys.append(np.isin(cands.item, list(bought.get(str(cid), ()))).astype(np.float32))
        groups.append(cands.n)
        custs.append(str(cid))
        cands_all.append(cands.item)
    return RankingSet(np.vstack(xs), np.concatenate(ys), np.array(groups), custs, bought, cands_all, items, cutoff)
