"""`omnicast nbo ...`, `train nbo`, `backtest nbo`: next best offer from the command line.

The train/backtest sub-commands are registered on the existing `train` and
`backtest` groups (see `register`); `nbo policy` learns an offer policy on a
randomised test file, and `nbo recommend` asks the champion for a shopper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.commands.options import OptionError, csv_list, weights
from omnicast.progress import progress_bars

app = typer.Typer(help="Next best offer: offer policies on randomised tests, recommendations.", no_args_is_help=True)

Horizon = Annotated[int, typer.Option("--horizon", min=1, max=365, help="Days after a cut-off whose purchases count.")]
Cutoffs = Annotated[int, typer.Option("--cutoffs", min=1, max=24, help="Training cut-offs, one horizon apart.")]
MaxCustomers = Annotated[int, typer.Option("--max-customers", min=50, help="Shoppers sampled per cut-off.")]
Learners = Annotated[str, typer.Option("--learners", help="Uplift learners to choose from: t, s, dr, logit_t, logit_s.")]
ALL_LEARNERS = "logit_t,logit_s,t,s,dr"


def _options(horizon: int, cutoffs: int, max_customers: int, learners: str = ALL_LEARNERS) -> Any:
    from training.nbo.pipeline import NBOOptions
    from training.nbo.uplift import LEARNERS

    names = csv_list(learners)
    chosen = tuple(x for x in LEARNERS if x in names)
    if len(chosen) != len(set(names)) or not chosen:
        raise OptionError(f"--learners {learners!r}: choose from {', '.join(LEARNERS)}")
    return NBOOptions(horizon_days=horizon, train_cutoffs=cutoffs, max_customers=max_customers, learners=chosen)


def _table(title: str, frame: Any, fmt: str = "{:.4f}", caption: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, caption=caption)
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*[fmt.format(v) if isinstance(v, float) else str(v) for v in row])
    return table


def backtest(
    ctx: typer.Context,
    horizon: Horizon = 28,
    cutoffs: Cutoffs = 3,
    max_customers: MaxCustomers = 4000,
    value: Annotated[bool, typer.Option(help="Also value the offer policy on the newest exploration.")] = True,
    learners: Learners = ALL_LEARNERS,
) -> None:
    """Time-split backtest: NDCG@10 / recall@10 vs popularity, item-item and implicit ALS; offer value vs oracle."""
    from training.nbo.pipeline import backtest_nbo

    settings = get_settings(ctx)
    with user_errors():
        options = _options(horizon, cutoffs, max_customers, learners)
    with user_errors(), progress_bars():
        run = backtest_nbo(settings, options, value=value)
    r = run.result.ranking
    console.print(_table(f"next-purchase ranking at {r.test_cutoff} ({r.shoppers:,} shoppers, {horizon} days)",
                         r.table, caption=f"candidate recall {r.candidate_recall:.3f}"))
    lo, hi = r.ndcg_ratio_ci
    console.print(f"NDCG@10: {r.ndcg_ratio_vs_best_peer:.2f}x the best peer ({r.best_peer}; 95% CI {lo:.2f}-{hi:.2f})")
    v = run.result.value
    if v is not None:
        console.print(_table(f"offer policy on the newest exploration ({v.units:,} units)", v.table))
        if v.share_of_oracle is not None and v.share_ci is not None:
            console.print(f"{v.learner}-learner policy: {v.share_of_oracle:.1%} of the oracle's incremental value "
                          f"(95% CI {v.share_ci[0]:.1%}-{v.share_ci[1]:.1%}); best uniform: {v.best_uniform}")
    for note in run.result.notes:
        console.print(note)
    console.print(f"MLflow run {run.run_id}")


def train(
    ctx: typer.Context,
    horizon: Horizon = 28,
    cutoffs: Cutoffs = 3,
    max_customers: MaxCustomers = 4000,
    register: Annotated[bool, typer.Option(help="Register the scorer as omnicast-nbo.")] = True,
    learners: Learners = ALL_LEARNERS,
) -> None:
    """Fit the ranker and the uplift model; log and register the scorer in MLflow."""
    from training.nbo.pipeline import train_nbo

    settings = get_settings(ctx)
    with user_errors():
        options = _options(horizon, cutoffs, max_customers, learners)
    with user_errors(), progress_bars():
        out = train_nbo(settings, options, register=register)
    learner = f", uplift {out.learner}-learner" if out.learner else ", no exploration: no uplift model"
    console.print(f"trained the ranker on {out.train_rows:,} rows{learner} in {out.seconds:.1f}s; MLflow run {out.run_id}")
    if out.version:
        console.print(f"registered omnicast-nbo version {out.version}; promote it with "
                      f"`omnicast models promote omnicast-nbo {out.version}`")


@app.command("policy")
def policy(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="CSV of a randomised test.")],
    arm: Annotated[str, typer.Option(help="Column with the assigned arm.")] = "segment",
    outcome: Annotated[str, typer.Option(help="Outcome to maximise (e.g. spend, visit, conversion).")] = "spend",
    features: Annotated[str | None, typer.Option(help="Comma-separated covariates (default: all other columns "
                                                 "except the other outcomes).")] = None,
    drop: Annotated[str, typer.Option(help="Comma-separated columns never used as covariates.")] =
        "visit,conversion,spend,history_segment",
    propensity: Annotated[str | None, typer.Option(help="Known assignment shares, e.g. 'A=0.5,B=0.5' "
                                                   "(default: observed shares).")] = None,
    splits: Annotated[int, typer.Option(min=1, max=100, help="Random fit/guard/test splits.")] = 10,
    boot: Annotated[int, typer.Option(min=20, max=5000, help="Bootstrap resamples per interval.")] = 200,
) -> None:
    """Learn whom to send which arm; value it off-policy (IPW, SNIPW, DR) against uniform policies; guard deployment."""
    import pandas as pd

    from training.nbo.policy import PolicyDataError, evaluate_policies, from_frame

    settings = get_settings(ctx)
    with user_errors():
        try:
            frame = pd.read_csv(data)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise PolicyDataError(f"{data} cannot be read as CSV ({exc})") from None
        shares = weights(propensity, "--propensity")
        arms = set(frame[arm].astype(str).unique()) if arm in frame.columns else set()
        if shares is not None and arms and set(shares) != arms:
            raise OptionError(f"--propensity names {sorted(shares)}; the arms are {sorted(frame[arm].astype(str).unique())}")
        excluded = set(csv_list(drop)) - {outcome}
        chosen = list(csv_list(features)) or [c for c in frame.columns if c not in excluded | {arm, outcome}]
        exp = from_frame(frame, arm, outcome, chosen, shares)
        with progress_bars():
            report = evaluate_policies(exp, splits=splits, seed=settings.seed, n_boot=boot, threads=settings.threads)
    first = report.splits[0]
    console.print(_table(f"{outcome} per unit on the held-out 30% of split 1 ({exp.n:,} units)", first.table))
    console.print(_table(f"mean over {splits} splits (std across splits)", report.summary))
    console.print(f"guard, split 1: {first.guard.reason}")
    console.print(f"recommendation: {report.recommendation()}")


@app.command("recommend")
def recommend(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="A source id (e.g. web:W000123456) or a customer_id.")],
    k: Annotated[int, typer.Option(min=1, max=50, help="Offers to show.")] = 5,
    channel: Annotated[str, typer.Option(help="store, web, app, marketplace or email.")] = "web",
    store: Annotated[str | None, typer.Option(help="The shopper's chosen store (location_id).")] = None,
    lat: Annotated[float | None, typer.Option(help="Shopper latitude.")] = None,
    lon: Annotated[float | None, typer.Option(help="Shopper longitude.")] = None,
    view: Annotated[str | None, typer.Option(help="SKU in view.")] = None,
) -> None:
    """Ask the omnicast-nbo champion for one shopper (features from the offline tables' latest rows)."""
    from training.nbo.pipeline import recommend_for

    settings = get_settings(ctx)
    with user_errors():
        result = recommend_for(settings, customer, k, channel, store, lat, lon, view)
    console.print(f"mode: {result.mode}; {' '.join(result.reasons)}; model version {result.model_version}")
    for o in result.offers:
        offer = f" + {o.offer_id} ({o.offer_kind}, worth {o.expected_incremental_value:.2f})" if o.offer_id else ""
        console.print(f"[bold]{o.rank}. {o.sku}[/] {o.category} {o.price:.2f}{offer}: {o.fulfilment.mode}"
                      f"{' at ' + o.fulfilment.location_id if o.fulfilment.location_id else ''}")
        for reason in o.reasons:
            console.print(f"     - {reason}")


def register(train_app: typer.Typer, backtest_app: typer.Typer) -> None:
    train_app.command("nbo")(train)
    backtest_app.command("nbo")(backtest)
