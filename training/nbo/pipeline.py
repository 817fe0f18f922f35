"""The next-best-offer stage: backtest, train, register, score a sample (CLI and demo).

Reads the validated tables, the identity map and the profile feature tables
of the data home (`omnicast data ...` then `omnicast features all`). Each
backtest and training is one MLflow run in the `omnicast-nbo` experiment.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.contracts import OFFER_KINDS
from omnicast.settings import Settings
from serving.rules import OfferCatalog, StockMatrix
from training.nbo import plots, tracking
from training.nbo.api import ScoreResult
from training.nbo.backtest import NBOBacktest, cutoffs, fit_ranker, ranking_backtest, value_backtest
from training.nbo.candidates import Context
from training.nbo.dataset import History, NBODataError, items_at, load_history, ranking_set
from training.nbo.exploration import Wave, build_waves
from training.nbo.items import ItemIndex
from training.nbo.model import NBOModel, example_requests
from training.nbo.scorer import NBOScorer
from training.nbo.state import ShopperState
from training.nbo.uplift import LEARNERS, Learner, UpliftModel, choose_learner

log = logging.getLogger(__name__)
ONLINE_TABLES = ("customer_profile", "customer_consent", "customer_activity", "customer_affinity")


@dataclass(frozen=True)
class NBOOptions:
    horizon_days: int = 28
    train_cutoffs: int = 3
    max_customers: int | None = 4000  # per cut-off, to bound training time
    n_estimators: int = 120
    learners: tuple[Learner, ...] = LEARNERS  # uplift learners the offline choice considers


@dataclass(frozen=True)
class TrainedNBO:
    scorer: NBOScorer
    model: NBOModel
    run_id: str
    model_uri: str
    version: str | None
    learner: str | None
    learner_scores: dict[str, float]
    train_rows: int
    seconds: float


@dataclass(frozen=True)
class BacktestNBORun:
    result: NBOBacktest
    run_id: str | None


@dataclass(frozen=True)
class NBOStage:
    backtest: BacktestNBORun
    trained: TrainedNBO
    promoted: str | None
    samples: list[tuple[str, ScoreResult]] = field(default_factory=list)
    seconds: float = 0.0


def history_of(settings: Settings) -> History:
    p = settings.paths
    return load_history(p.validated, p.identity_map, p.feature_tables)


def backtest_nbo(settings: Settings, options: NBOOptions = NBOOptions(), track_run: bool = True,
                 value: bool = True, history: History | None = None,
                 waves: list[Wave] | None = None) -> BacktestNBORun:
    history = history or history_of(settings)
    ranking = ranking_backtest(history, options.horizon_days, options.train_cutoffs, options.max_customers,
                               settings.seed, settings.threads)
    result = NBOBacktest(ranking)
    if value:
        try:
            truth = settings.paths.truth_file("offer_value.parquet")
            result.value = value_backtest(history, truth if truth.exists() else None, settings.seed, settings.threads,
                                          waves=waves, learners=options.learners)
        except NBODataError as exc:
            result.notes.append(f"offer value not evaluated: {exc}")
    if not track_run:
        return BacktestNBORun(result, None)
    import mlflow

    tracking.configure(settings)
    with mlflow.start_run(run_name="backtest") as run:
        mlflow.set_tag("kind", "backtest")
        mlflow.log_params({**vars(options), "test_cutoff": ranking.test_cutoff, "shoppers": ranking.shoppers})
        mlflow.log_metrics(_ranking_metrics(result))
        frames = {"ranking": ranking.table}
        figures = {"ranking_vs_peers": plots.ranking_figure(ranking.table),
                   "feature_importance": plots.importance_figure(ranking.importance)}
        if result.value is not None:
            frames.update({"policy_value": result.value.table, "uplift_by_kind": result.value.uplift_table})
            figures["policy_value"] = plots.policy_figure(result.value.table)
        tracking.log_frames(frames)
        tracking.log_figures(figures)
    return BacktestNBORun(result, run.info.run_id)


def _ranking_metrics(result: NBOBacktest) -> dict[str, float]:
    r = result.ranking
    out = {"candidate_recall": r.candidate_recall, "ndcg_ratio_vs_best_peer": r.ndcg_ratio_vs_best_peer}
    for method, ndcg, recall in zip(r.table["method"], r.table["ndcg@10"], r.table["recall@10"]):
        key = str(method).split(" ")[0].replace("-", "_")
        out[f"{key}.ndcg_at_10"] = float(ndcg)
        out[f"{key}.recall_at_10"] = float(recall)
    if result.value is not None and result.value.share_of_oracle is not None:
        out["value_share_of_oracle"] = result.value.share_of_oracle
    return out


def train_nbo(settings: Settings, options: NBOOptions = NBOOptions(), register: bool = True,
              history: History | None = None, waves: list[Wave] | None = None) -> TrainedNBO:
    """Fit the ranker on the newest cut-offs and the uplift model on every exploration; log and register."""
    started = time.perf_counter()
    history = history or history_of(settings)
    test_cut, train_cuts = cutoffs(history, options.horizon_days, options.train_cutoffs - 1)
    sets = []
    for cut in (test_cut, *train_cuts):  # the newest cut-off with complete labels, and earlier ones
        try:
            sets.append(ranking_set(history, cut, options.horizon_days, max_customers=options.max_customers,
                                    seed=settings.seed))
        except NBODataError as exc:
            log.info("skipping cut-off %s: %s", cut, exc)
    if not sets:
        raise NBODataError(f"no cut-off has shoppers with history and later purchases (horizon {options.horizon_days} days)")
    ranker = fit_ranker(sets, settings.seed, settings.threads, options.n_estimators)
    uplift, learner, scores, mean_uplift, uplift_rows = _fit_uplift(history, settings, options.learners, waves)
    now = pd.Timestamp(history.purchases["ts"].max()).tz_convert("UTC").floor("D") + pd.Timedelta(days=1)
    items = items_at(history, now)
    rng = np.random.default_rng(settings.seed)
    rows = sets[0].x[rng.choice(len(sets[0].x), min(2000, len(sets[0].x)), replace=False)]
    scorer = NBOScorer(items, ranker, uplift, OfferCatalog.from_frame(history.offers) if len(history.offers)
                       else OfferCatalog.empty(), OFFER_KINDS, mean_uplift, horizon_days=options.horizon_days,
                       validation_rows=rows.astype(np.float64), uplift_rows=uplift_rows)
    model = NBOModel(scorer, latest_stock(settings, items))
    sample = example_requests(scorer, now.timestamp(), online_rows(settings, 3))
    import mlflow

    tracking.configure(settings)
    with mlflow.start_run(run_name="train") as run:
        mlflow.set_tag("kind", "train")
        train_rows = int(sum(len(s.y) for s in sets))
        mlflow.log_params({**vars(options), "uplift_learner": learner or "none", "cutoffs": len(sets)})
        mlflow.log_metrics({"train_rows": train_rows, "candidate_recall": sets[0].candidate_recall,
                            **{f"learner_ipw.{k}": v for k, v in scores.items()}})
        importance = ranker.importance()
        ordered: list[tuple[str, float]] = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)
        tracking.log_frames({"feature_importance": pd.DataFrame(ordered, columns=["feature", "gain"])})
        tracking.log_figures({"feature_importance": plots.importance_figure(importance),
                              "gain_curve": plots.gain_figure(sets[0], ranker)})
        logged = tracking.log_model(model, sample, register, {
            "horizon_days": options.horizon_days, "uplift_learner": learner or "none", "kinds": list(OFFER_KINDS)})
    scorer.version = logged.version
    return TrainedNBO(scorer, model, run.info.run_id, logged.model_uri, logged.version, learner, scores, train_rows,
                      time.perf_counter() - started)


def _fit_uplift(history: History, settings: Settings, learners: tuple[Learner, ...] = LEARNERS,
                waves: list[Wave] | None = None) -> tuple[
        UpliftModel | None, str | None, dict[str, float], np.ndarray, np.ndarray | None]:
    try:
        waves = waves if waves is not None else build_waves(history)
    except NBODataError as exc:
        log.info("no uplift model: %s", exc)
        return None, None, {}, np.zeros(len(OFFER_KINDS)), None
    x = np.vstack([w.x for w in waves])
    arm = np.concatenate([w.arm for w in waves])
    y = np.concatenate([w.y for w in waves])
    value = np.vstack([w.value for w in waves])
    learner, scores = choose_learner(x, arm, y, value, OFFER_KINDS, seed=settings.seed, threads=settings.threads,
                                     learners=learners)
    model = UpliftModel(OFFER_KINDS, learner, seed=settings.seed, threads=settings.threads).fit(x, arm, y)
    mean = np.clip(model.predict_uplift(waves[0].x).mean(axis=0), 0.0, None)
    return model, learner, scores, mean, waves[0].x[:500].astype(np.float64)


def latest_stock(settings: Settings, items: ItemIndex) -> StockMatrix:
    """The newest sellable units per location x SKU from the location_stock feature table."""
    path = settings.paths.feature_table("location_stock")
    if not path.exists():
        return StockMatrix(np.asarray(items.sku, dtype=object), np.zeros((items.n, items.locations.n), dtype=np.int64))
    frame = pd.read_parquet(path, columns=["location_id", "sku", "event_timestamp", "sellable_units"])
    frame = frame.sort_values("event_timestamp").drop_duplicates(["location_id", "sku"], keep="last")
    frame = frame.loc[frame["location_id"].isin(list(items.locations.index))]
    return StockMatrix.from_frame(frame, items.locations)


def online_rows(settings: Settings, n: int | None = None, customers: list[str] | None = None) -> list[dict[str, Any]]:
    """The latest row per customer of the nbo_customer tables: what the online store serves."""
    merged: pd.DataFrame | None = None
    for name in ONLINE_TABLES:
        path = settings.paths.feature_table(name)
        if not path.exists():
            continue
        t = pd.read_parquet(path).sort_values("event_timestamp").drop_duplicates("customer_id", keep="last")
        t = t.drop(columns=["event_timestamp"])
        merged = t if merged is None else merged.merge(t, on="customer_id", how="left")
    if merged is None:
        return []
    if customers is not None:
        merged = merged.loc[merged["customer_id"].isin(customers)]
    else:
        active = merged.loc[merged.get("frequency_90d", pd.Series(0, index=merged.index)).fillna(0) > 0]
        merged = (active if len(active) else merged).sort_values("customer_id").head(n if n is not None else len(merged))
    return [{str(k): (None if (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v) for k, v in row.items()}
            for row in merged.astype(object).to_dict("records")]


def sample_recommendations(settings: Settings, scorer: NBOScorer, stock: StockMatrix, n: int = 3,
                           k: int = 3) -> list[tuple[str, ScoreResult]]:
    """A few real shoppers' answers (personalized, context-only fallback, anonymous), for the demo."""
    now = scorer.items.as_of + 11 * 3600  # 11:00 UTC on the day after the data ends
    locs = scorer.items.locations
    out = []
    for row in online_rows(settings, n):
        state = ShopperState.from_online(row, scorer.items)
        home = row.get("preferred_store") if state.personalized else None  # the profile's store needs consent
        at = locs.index.get(str(home), -1) if home else -1
        ctx = Context(channel="web", lat=float(locs.lat[at]) if at >= 0 else None,
                      lon=float(locs.lon[at]) if at >= 0 else None)
        out.append((str(row["customer_id"]), scorer.score(state, ctx, now, stock, k)))
    anonymous = ShopperState.anonymous(scorer.items)
    view = str(scorer.items.sku[int(scorer.items.recent_top[0])]) if scorer.items.recent_top[0] >= 0 else None
    out.append(("anonymous (viewing " + str(view) + ")",
                scorer.score(anonymous, Context(channel="web", sku_in_view=view), now, stock, k)))
    return out


def run_nbo_stage(settings: Settings, options: NBOOptions | None = None) -> NBOStage:
    """Demo: backtest, train, register (+ champion if none), print a sample of recommendations."""
    from training import registry

    started = time.perf_counter()
    options = options or NBOOptions(train_cutoffs=2, max_customers=1200, n_estimators=80,
                                    learners=("logit_t", "logit_s", "t"))
    history = history_of(settings)
    try:
        waves: list[Wave] | None = build_waves(history)
    except NBODataError:
        waves = None
    bt = backtest_nbo(settings, options, history=history, waves=waves)
    trained = train_nbo(settings, options, history=history, waves=waves)
    promoted = None
    if registry.alias_version(settings, tracking.MODEL_NAME) is None and trained.version:
        promoted = tracking.promote(settings, trained.version, compile_model=False)["promotion"].version
    samples = sample_recommendations(settings, trained.scorer, trained.model.stock)
    return NBOStage(bt, trained, promoted, samples, time.perf_counter() - started)


class UnknownShopperError(NBODataError):
    """The id given names no shopper in the identity map or the profile."""


def recommend_for(settings: Settings, who: str, k: int = 5, channel: str = "web", store: str | None = None,
                  lat: float | None = None, lon: float | None = None, view: str | None = None) -> ScoreResult:
    """The champion's answer for one shopper, from the offline tables' latest rows (as served online)."""
    scorer = tracking.load_champion(settings)
    ids = pd.read_parquet(settings.paths.identity_map, columns=["customer_ref", "customer_id"])
    match = ids.loc[(ids["customer_ref"] == who) | (ids["customer_id"] == who), "customer_id"]
    if match.empty:
        raise UnknownShopperError(f"no shopper with source id or customer_id {who!r} in {settings.paths.identity_map}")
    rows = online_rows(settings, customers=[str(match.iloc[0])])
    if not rows:
        raise UnknownShopperError(f"shopper {who!r} has no profile row in {settings.paths.feature_tables}")
    elapsed = max(0.0, (pd.Timestamp.now(tz="UTC").timestamp() - scorer.items.as_of) / 86400)
    now = scorer.items.as_of + 11 * 3600 if elapsed > 30 else pd.Timestamp.now(tz="UTC").timestamp()
    state = ShopperState.from_online(rows[0], scorer.items, elapsed_days=(now - scorer.items.as_of) / 86400)
    return scorer.score(state, Context(channel=channel, location_id=store, lat=lat, lon=lon, sku_in_view=view), now,
                        latest_stock(settings, scorer.items), k)


def describe_stage(stage: NBOStage, settings: Settings) -> list[tuple[str, str]]:
    """'what: text' lines for the demo summary, with a sample of recommendations and their reasons."""
    r = stage.backtest.result.ranking
    lines = [("nbo backtest", f"NDCG@10 {r.table['ndcg@10'].iloc[0]:.3f} = {r.ndcg_ratio_vs_best_peer:.2f}x the best "
                              f"peer ({r.best_peer}) on {r.shoppers:,} shoppers")]
    v = stage.backtest.result.value
    if v is not None and v.share_of_oracle is not None:
        lines.append(("nbo offer policy", f"{v.learner}-learner: {v.share_of_oracle:.0%} of the oracle's incremental "
                                          f"value (best single offer, {v.best_uniform}: "
                                          f"{_share(v.table, v.best_uniform):.0%})"))
    t = stage.trained
    lines.append(("nbo model", f"omnicast-nbo v{t.version} in {settings.tracking_uri}"
                               + (f" (champion v{stage.promoted})" if stage.promoted else "")))
    for who, result in stage.samples:
        head = f"{result.mode}"
        for o in result.offers[:2]:
            offer = f" + {o.offer_id} ({o.offer_kind}, +{o.expected_incremental_value:.2f})" if o.offer_id else ""
            where = f" at {o.fulfilment.location_id}" if o.fulfilment.location_id else ""
            when = o.fulfilment.ready_by or o.fulfilment.eta
            head += (f" | {o.rank}. {o.sku} ({o.category}){offer}: {o.fulfilment.mode}{where}"
                     f"{' by ' + when.strftime('%m-%d %H:%M') if when else ''}; "
                     + "; ".join(x for x in o.reasons if x.startswith("signal:"))[:90])
        lines.append((f"nbo for {who}", head))
    return lines


def _share(table: pd.DataFrame, policy: str) -> float:
    row = table.loc[table["policy"] == policy]
    return float(row["share_of_oracle"].iloc[0]) if "share_of_oracle" in row and len(row) else float("nan")
