"""Next-best-offer benchmark: every target of issue 10, peers in the same run.

    uv run python benchmarks/nbo.py --part synthetic [--size small] [--home DIR]
    uv run python benchmarks/nbo.py --part retail [--data ../shared/data/online_retail_sample.csv]
    uv run python benchmarks/nbo.py --part hillstrom [--data ../shared/data/hillstrom.csv] [--splits 10]
    uv run python benchmarks/nbo.py --part latency [--home DIR]      # after --part synthetic
    uv run python benchmarks/nbo.py --part all

- synthetic: the generator at --size, time split; NDCG@10 / recall@10 of the
  LightGBM ranker vs popularity, item-item cosine and `implicit` ALS; the
  learned offer policy's true incremental value as a share of the oracle's,
  next to every uniform policy (bootstrap CIs).
- retail: the real UCI Online Retail sample imported through the adapter, the
  same ranking backtest (no clickstream there: an empty events table).
- hillstrom: `training.nbo.policy` over --splits random fit/guard/test splits
  (IPW, SNIPW, DR; the guard's decision), and scikit-uplift in the same run:
  its TwoModels and ClassTransformation learners with the same LightGBM
  settings, their policies valued by the same DR estimator, and Qini AUC /
  uplift@30% of every learner's uplift scores by sklift's own metrics.
- latency: 200 candidates for one shopper, features in hand: candidates +
  features + ranker (+ the uplift model), single-threaded, LightGBM vs the
  lleaves-compiled ranker (identical outputs checked), p50 / p99 / max.

Results go to benchmarks/results/nbo_<part>.json and are printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit warns (and slows) with threaded BLAS

from omnicast.settings import Settings, load_settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def md(frame: pd.DataFrame, digits: int = 4) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def synthetic_home(size: str, home: Path | None) -> Settings:
    from features.ingest import ingest
    from features.pipeline import build_tables
    from features.synthetic import GeneratorConfig, generate

    settings = load_settings(home=home or Path(f".bench-nbo-{size}"))
    if not settings.paths.feature_table("customer_affinity").exists():
        t = time.perf_counter()
        generate(GeneratorConfig.preset(size), settings.paths.raw)
        ingest(settings.paths.raw, settings.paths.validated, settings.paths.quarantine)
        build_tables(settings)
        print(f"built the {size} retailer in {time.perf_counter() - t:.0f}s -> {settings.home}")
    return settings


def part_synthetic(args: argparse.Namespace) -> dict:
    from training.nbo.pipeline import NBOOptions, backtest_nbo

    settings = synthetic_home(args.size, args.home)
    t = time.perf_counter()
    run = backtest_nbo(settings, NBOOptions(train_cutoffs=3, max_customers=args.max_customers), track_run=False)
    seconds = time.perf_counter() - t
    r, v = run.result.ranking, run.result.value
    print(f"\n### Synthetic retailer ({args.size}): next-purchase ranking at {r.test_cutoff}, {r.shoppers} shoppers\n")
    print(md(r.table))
    print(f"\nNDCG@10 ratio vs best peer ({r.best_peer}): {r.ndcg_ratio_vs_best_peer:.3f} "
          f"(95% CI {r.ndcg_ratio_ci[0]:.3f}-{r.ndcg_ratio_ci[1]:.3f}); candidate recall {r.candidate_recall:.3f}")
    out = {"size": args.size, "ranking": r.table.to_dict("records"), "ndcg_ratio": r.ndcg_ratio_vs_best_peer,
           "ndcg_ratio_ci": r.ndcg_ratio_ci, "best_peer": r.best_peer, "candidate_recall": r.candidate_recall,
           "shoppers": r.shoppers, "seconds": seconds}
    if v is not None:
        print(f"\n### Offer policy on the newest exploration wave ({v.units} units; learner {v.learner})\n")
        print(md(v.table))
        print("\n" + md(v.uplift_table))
        print(f"\nshare of oracle {v.share_of_oracle:.3f} (95% CI {v.share_ci}); best uniform {v.best_uniform}; "
              f"learner CV-IPW scores {v.learner_scores}")
        out["value"] = {"table": v.table.to_dict("records"), "share": v.share_of_oracle, "share_ci": v.share_ci,
                        "learner": v.learner, "learner_scores": v.learner_scores, "best_uniform": v.best_uniform,
                        "uplift": v.uplift_table.to_dict("records")}
    print(f"\n({seconds:.0f}s)")
    return out


def part_retail(args: argparse.Namespace) -> dict:
    from training.nbo.backtest import ranking_backtest
    from training.nbo.pipeline import history_of

    settings = load_settings(home=args.home or Path(".bench-nbo-retail"))
    if not settings.paths.feature_table("customer_profile").exists():
        _import_retail(settings, Path(args.data))
    history = history_of(settings)
    t = time.perf_counter()
    r = ranking_backtest(history, horizon_days=args.horizon, n_train=3, max_customers=None, n_boot=500)
    print(f"\n### UCI Online Retail sample: next-purchase ranking at {r.test_cutoff} "
          f"({r.shoppers} shoppers, {args.horizon}-day horizon)\n")
    print(md(r.table))
    print(f"\ncandidate recall {r.candidate_recall:.3f}; NDCG ratio vs best peer ({r.best_peer}) "
          f"{r.ndcg_ratio_vs_best_peer:.3f} ({time.perf_counter() - t:.0f}s)")
    return {"ranking": r.table.to_dict("records"), "shoppers": r.shoppers, "horizon": args.horizon,
            "candidate_recall": r.candidate_recall, "test_cutoff": r.test_cutoff}


def _import_retail(settings: Settings, data: Path) -> None:
    import subprocess

    from features.pipeline import resolve_identities
    from features.profile.build import build_profile_tables, load_tables
    from features.profile.inputs import empty_table

    subprocess.run([sys.executable, "-m", "omnicast.cli", "--home", str(settings.home), "data", "import",
                    "online-retail", str(data)], check=True, capture_output=True)
    events = settings.paths.validated_table("events")
    if not events.exists():  # the UCI data has no clickstream
        empty_table("events").to_parquet(events, index=False)
    # the profile tables only: the demand panel needs prices and stock, which UCI does not have
    tables = load_tables(settings.paths.validated)
    mapping, _ = resolve_identities(settings, tables)
    build_profile_tables(tables, mapping, settings.paths.feature_tables)


def part_hillstrom(args: argparse.Namespace) -> dict:
    from training.nbo.policy import bootstrap, estimate, from_frame, run_split

    frame = pd.read_csv(args.data)
    props = {"Mens E-Mail": 1 / 3, "Womens E-Mail": 1 / 3, "No E-Mail": 1 / 3}
    covariates = ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"]
    out: dict = {}
    for outcome in ("spend", "visit"):
        exp = from_frame(frame, "segment", outcome, covariates, props)
        t = time.perf_counter()
        rows, peers = [], []
        for s in range(args.splits):
            split = run_split(exp, seed=args.seed + s, n_boot=200)
            rows.append(split.table.assign(split=s, guard=split.guard.deploy))
            peers.append(_sklift_split(exp, args.seed + s, estimate, bootstrap))
        long = pd.concat(rows + [p[0] for p in peers])
        summary = long.groupby("policy", sort=False).agg(
            ipw=("ipw", "mean"), snipw=("snipw", "mean"), dr=("dr", "mean"), dr_std=("dr", "std"),
            dr_lo=("dr_lo", "mean"), dr_hi=("dr_hi", "mean")).reset_index()
        qini = pd.DataFrame([q for p in peers for q in p[1]]).groupby("learner").mean(numeric_only=True).reset_index()
        deployed = long[long["policy"] == "deployed (guard)"].set_index("split")["dr"]
        mens = long[long["policy"] == "all Mens E-Mail"].set_index("split")["dr"]
        guard = [r["guard"].iloc[0] for r in rows]
        print(f"\n### Hillstrom, outcome {outcome}: mean over {args.splits} splits (test part, 30%)\n")
        print(md(summary))
        print("\nQini AUC / uplift@30% (sklift metrics, treatment = any e-mail vs none), mean over splits\n")
        print(md(qini))
        diff = (deployed - mens)
        print(f"\nguard deployed: {pd.Series(guard).value_counts().to_dict()}; deployed - all-Mens (DR): "
              f"mean {diff.mean():.4f}, min {diff.min():.4f} ({time.perf_counter() - t:.0f}s)")
        out[outcome] = {"summary": summary.to_dict("records"), "qini": qini.to_dict("records"),
                        "guard": guard, "deployed_minus_mens": diff.tolist()}
    return out


def _sklift_split(exp, seed: int, estimate, bootstrap) -> tuple[pd.DataFrame, list[dict]]:
    """scikit-uplift learners on the same fit part; policies valued on the same test part by DR."""
    import lightgbm as lgb
    from sklift.metrics import qini_auc_score, uplift_at_k
    from sklift.models import ClassTransformation, TwoModels

    from training.nbo.policy import OUTCOME_MODEL, TLearner

    rng = np.random.default_rng(seed)
    part = rng.random(exp.n)
    fit, test = np.flatnonzero(part < 0.4), np.flatnonzero(part >= 0.7)  # run_split's parts for this seed
    control = exp.arms.index("No E-Mail")
    ours = TLearner(seed=seed).fit(exp, fit)
    mu = ours.outcomes(exp.x[test])
    params = {k: v for k, v in OUTCOME_MODEL.items() if k not in ("objective", "verbose")}
    uplift = {}
    binary = set(np.unique(exp.y)) <= {0.0, 1.0}
    base = lgb.LGBMClassifier if binary else lgb.LGBMRegressor  # sklift reads probabilities for 0/1 outcomes
    for name, make in (("sklift TwoModels", lambda: TwoModels(
            estimator_trmnt=base(**params, n_estimators=150, verbose=-1, random_state=seed),
            estimator_ctrl=base(**params, n_estimators=150, verbose=-1, random_state=seed),
            method="vanilla")),
            ("sklift ClassTransformation", lambda: ClassTransformation(
                lgb.LGBMClassifier(**params, n_estimators=150, verbose=-1, random_state=seed)))):
        per_arm = []
        for a in range(len(exp.arms)):
            if a == control:
                continue
            rows = fit[np.isin(exp.arm[fit], [a, control])]
            treat = (exp.arm[rows] == a).astype(int)
            y = exp.y[rows] if name.endswith("TwoModels") and not binary else (exp.y[rows] > 0).astype(int)
            model = make().fit(exp.x[rows], y, treat)
            per_arm.append((a, model.predict(exp.x[test])))
        uplift[name] = per_arm
    uplift["omnicast T-learner"] = [(a, mu[:, a] - mu[:, control]) for a in range(len(exp.arms)) if a != control]
    arm, y = exp.arm[test], exp.y[test]
    rows_out, qini = [], []
    for name, per_arm in uplift.items():
        stacked = np.column_stack([u for _, u in per_arm])
        arms = np.array([a for a, _ in per_arm])
        choice = np.where(stacked.max(axis=1) > 0, arms[stacked.argmax(axis=1)], control)
        if name != "omnicast T-learner":
            point = estimate(choice, arm, y, exp.propensity, mu)
            ci = bootstrap(choice, arm, y, exp.propensity, mu, 200, rng)
            rows_out.append({"policy": f"{name} policy", **point, **{f"{k}_lo": ci[k][0] for k in ci},
                             **{f"{k}_hi": ci[k][1] for k in ci}, "split": seed})
        best = stacked.max(axis=1)
        treated = (arm != control).astype(int)
        outcome = (y > 0).astype(int) if exp.outcome == "spend" else y.astype(int)
        qini.append({"learner": name, "qini_auc": qini_auc_score(outcome, best, treated),
                     "uplift_at_30": uplift_at_k(outcome, best, treated, strategy="overall", k=0.3)})
    return pd.DataFrame(rows_out), qini


def part_latency(args: argparse.Namespace) -> dict:
    import dataclasses
    import gc

    from serving.rules import Consent
    from training.nbo.candidates import Context, generate
    from training.nbo.compiled import compile_boosters, compile_ranker, load_compiled, load_compiled_boosters
    from training.nbo.pipeline import NBOOptions, online_rows, train_nbo
    from training.nbo.state import ShopperState

    settings = synthetic_home(args.size, args.home)
    trained = train_nbo(settings, NBOOptions(train_cutoffs=2, max_customers=args.max_customers), register=False)
    scorer = trained.scorer
    where = settings.paths.compiled_models / "bench"
    report = compile_ranker(scorer.ranker, where, scorer.validation_rows)
    compiled = load_compiled(where, scorer.ranker)
    uplift = scorer.uplift
    uplift_compiled = None
    if uplift is not None and uplift.boosters_ and scorer.uplift_rows is not None:
        rows_u = scorer.uplift_rows if uplift.learner != "s" else np.column_stack(
            [scorer.uplift_rows, np.zeros(len(scorer.uplift_rows))])
        compile_boosters(uplift.boosters_, where / "uplift", rows_u)
        uplift_compiled = load_compiled_boosters(where / "uplift", uplift.boosters_)
    month = 12
    states = []
    for r in online_rows(settings, 5000):  # shoppers whose candidate set is full: 200 candidates
        state = dataclasses.replace(ShopperState.from_online(r, scorer.items), consent=Consent(True, True))
        if generate(state, scorer.items, Context(location_id=state.home_location), month).n == 200:
            states.append(state)
        if len(states) == 300:
            break
    out = {"compile": dataclasses.asdict(report), "shoppers": len(states), "skus": scorer.items.n,
           "uplift_learner": uplift.learner if uplift else None}
    print(f"\n### Scoring latency: {len(states)} shoppers with 200 candidates ({scorer.items.n} SKUs), one thread, "
          f"features in hand; uplift learner {out['uplift_learner']}\n")
    gc.collect()
    gc.freeze()  # as the service does after loading (facts note: full collections stall ~70 ms)
    table = []
    for name, predict in (("LightGBM Booster.predict", None), ("lleaves (compiled at promotion)", compiled)):
        if name.startswith("lleaves") and predict is None:
            continue
        scorer.use_compiled(predict)
        if uplift is not None:
            uplift.compiled_ = uplift_compiled if predict is not None else None
        for with_uplift in (False, True):
            times, cpu, sizes = [], [], []
            for _ in range(args.repeats):
                for state in states:
                    ctx = Context(channel="web", location_id=state.home_location)
                    t, c = time.perf_counter(), time.thread_time()
                    cands, p = scorer.rank_candidates(state, ctx, month)
                    if with_uplift:
                        scorer.shopper_uplift(state)
                    cpu.append(time.thread_time() - c)
                    times.append(time.perf_counter() - t)
                    sizes.append(cands.n)
            us = np.array(times[len(states):]) * 1e6  # first pass is warm-up
            cpu_us = np.array(cpu[len(states):]) * 1e6
            table.append({"predictor": name, "includes uplift": with_uplift, "candidates (mean)": float(np.mean(sizes)),
                          "wall p50 us": float(np.percentile(us, 50)), "wall p99 us": float(np.percentile(us, 99)),
                          "cpu p50 us": float(np.percentile(cpu_us, 50)), "cpu p99 us": float(np.percentile(cpu_us, 99)),
                          "wall max us": float(us.max())})
    frame = pd.DataFrame(table)
    print(md(frame, 1))
    load = os.getloadavg()
    out["loadavg"] = load
    print(f"\nload average during the run {load[0]:.1f} on {os.cpu_count()} cores: wall-clock tails include time "
          "the thread was not scheduled; thread CPU time (time.thread_time) does not")
    print(f"\ncompiled: {report.reason}, max |diff| {report.max_abs_diff:.1e}, compile {report.compile_seconds:.1f}s")
    out["table"] = table
    return out


PARTS = {"synthetic": part_synthetic, "retail": part_retail, "hillstrom": part_hillstrom, "latency": part_latency}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--size", default="small")
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--data", default=None)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-customers", type=int, default=4000)
    args = parser.parse_args()
    os.environ.update(DO_NOT_TRACK="1", MLFLOW_DISABLE_TELEMETRY="true")
    parts = list(PARTS) if args.part == "all" else [args.part]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in parts:
        a = argparse.Namespace(**vars(args))
        if a.data is None:
            a.data = str(ROOT.parent / "shared" / "data" / ("hillstrom.csv" if name == "hillstrom" else
                                                            "online_retail_sample.csv"))
        result = PARTS[name](a)
        (RESULTS / f"nbo_{name}.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
