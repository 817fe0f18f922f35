"""`omnicast experiment ...`: A/B test reports, sample-size planning and assignment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.commands.options import OptionError
from omnicast.commands.options import weights as option_weights
from omnicast.progress import progress_bars

if TYPE_CHECKING:
    import pandas as pd

    from omnicast.settings import Settings

app = typer.Typer(help="A/B test assignment, analysis and reports.", no_args_is_help=True)


def _identity_map(settings: Settings) -> pd.DataFrame | None:
    """The resolved identity map (customer_ref -> customer_id) if the features stage has written one."""
    import pandas as pd

    path = settings.paths.identity_map
    return pd.read_parquet(path, columns=["customer_ref", "customer_id"]) if path.exists() else None


@app.command()
def report(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option(help="Per-unit CSV (one row per unit).")] = None,
    experiment_id: Annotated[
        str | None, typer.Option("--experiment", help="Analyse this experiment from the validated exposures + transactions.")
    ] = None,
    arm: Annotated[str, typer.Option(help="Column holding the arm (CSV input).")] = "variant",
    control: Annotated[str, typer.Option(help="Name of the control arm.")] = "control",
    metric: Annotated[list[str] | None, typer.Option(help="Outcome column; repeat. The first is the decision metric.")] = None,
    ratio: Annotated[list[str] | None, typer.Option(help="Ratio metric as name=numerator/denominator; repeat.")] = None,
    guardrail: Annotated[list[str] | None, typer.Option(help="Metric name that must not get worse; repeat.")] = None,
    lower_is_better: Annotated[list[str] | None, typer.Option(help="Metric name where a decrease is good; repeat.")] = None,
    metrics_file: Annotated[Path | None, typer.Option(help="YAML list of metric specs (instead of --metric).")] = None,
    covariate: Annotated[list[str] | None, typer.Option(help="Pre-period covariate for CUPED; repeat.")] = None,
    segment: Annotated[list[str] | None, typer.Option(help="Column to break results down by; repeat.")] = None,
    weights: Annotated[str | None, typer.Option(help="Planned split, e.g. 'control=1,treatment=1' (default equal).")] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided error rate.")] = 0.05,
    sequential: Annotated[bool, typer.Option(help="Decide on always-valid p-values (you peeked or will peek).")] = False,
    sequential_tuning: Annotated[
        float, typer.Option(help="Total units at which always-valid intervals are tightest (about your planned size).")
    ] = 5000.0,
    window_days: Annotated[float, typer.Option(help="Outcome window after first exposure (platform data).")] = 14.0,
    identity: Annotated[
        bool, typer.Option(help="Platform data: count every account of a shopper (needs `omnicast features build`).")
    ] = True,
    name: Annotated[str | None, typer.Option(help="Report title and file stem.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: <home>/reports/experiments).")] = None,
) -> None:
    """Analyse an A/B test and write an HTML report for marketers, plus JSON and CSV."""
    from experiments.analysis import AnalysisConfig
    from experiments.service import report_csv_experiment, report_platform_experiment

    settings = get_settings(ctx)
    out_dir = out or settings.paths.experiment_reports
    metric, ratio, guardrail = metric or [], ratio or [], guardrail or []
    lower_is_better, covariate, segment = lower_is_better or [], covariate or [], segment or []
    with user_errors(), progress_bars():
        if window_days <= 0:
            raise OptionError(f"--window-days must be > 0 (days of outcomes after first exposure), got {window_days:g}")
        if (data is None) == (experiment_id is None):
            raise OptionError("give exactly one of --data (a per-unit CSV) or --experiment (platform data)")
        csv_only = {"--metric": metric, "--ratio": ratio, "--metrics-file": metrics_file, "--guardrail": guardrail,
                    "--lower-is-better": lower_is_better, "--arm": arm != "variant"}
        given = [flag for flag, value in csv_only.items() if value]
        if experiment_id is not None and given:
            raise OptionError(
                f"{', '.join(given)} only apply with --data; --experiment reports revenue per customer, "
                "conversion, average order value and refunds (guardrail)"
            )
        if data is not None and not (metric or ratio or metrics_file):
            raise OptionError("declare at least one --metric (or --ratio, or --metrics-file)")
        config = AnalysisConfig.build(
            alpha=alpha,
            covariates=covariate,
            segments=segment,
            weights=option_weights(weights, "--weights"),
            decide_with="sequential" if sequential else "fixed",
            sequential_tuning=sequential_tuning,
        )
        if data is not None:
            result = report_csv_experiment(
                data, arm, control, metric, out_dir, config=config, ratios=ratio, guardrails=guardrail,
                lower_is_better=lower_is_better, metrics_file=metrics_file, name=name,
            )
        else:
            assert experiment_id is not None  # exactly one of the two was checked above
            result = report_platform_experiment(
                settings.paths.validated, experiment_id, out_dir, control=control, config=config,
                window_days=window_days, name=name, identity_map=_identity_map(settings) if identity else None,
            )
    for line in result.headlines:
        console.print(f"[bold]{line}[/]")
    for kind, path in result.files.items():
        console.print(f"{kind}: {path}")


@app.command()
def power(
    baseline: Annotated[float, typer.Option(help="Control mean: a rate in (0, 1) for binary metrics.")],
    mde: Annotated[float, typer.Option(help="Smallest relative change worth detecting, e.g. 0.05 for 5%.")],
    sd: Annotated[float | None, typer.Option(help="Per-unit standard deviation (continuous metrics).")] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided error rate.")] = 0.05,
    power: Annotated[float, typer.Option(help="Chance of detecting a true change of size mde.")] = 0.8,
    ratio: Annotated[float, typer.Option(help="Treatment units per control unit.")] = 1.0,
    cuped_r2: Annotated[float, typer.Option(help="Share of variance CUPED covariates explain (0 = none).")] = 0.0,
    daily_units: Annotated[int | None, typer.Option(min=1, help="Units entering per day, to estimate duration.")] = None,
) -> None:
    """How many units a test needs to detect a given change (sample-size calculator)."""
    import math

    from experiments.stats.power import sample_size

    with user_errors():
        plan = sample_size(baseline, mde, sd=sd, alpha=alpha, power=power, ratio=ratio, variance_reduction=cuped_r2)
    console.print(
        f"To detect a {mde * 100:.1f}% change from {baseline:g} ({plan.metric_kind} metric) with "
        f"{power * 100:.0f}% power at alpha {alpha:g}: [bold]{plan.units_control:,} control + "
        f"{plan.units_treatment:,} treatment = {plan.units_total:,} units[/]."
    )
    if daily_units:
        console.print(f"At {daily_units:,} units a day: about {math.ceil(plan.units_total / daily_units)} days.")
    console.print_json(data=plan.to_dict())


@app.command()
def assign(
    experiment_id: Annotated[str, typer.Argument(help="Experiment id (its salt).")],
    unit: Annotated[list[str], typer.Argument(help="Unit ids (unified customer id, or device id for guests).")],
    variants: Annotated[str, typer.Option(help="Variants with weights, e.g. 'control=1,treatment=1'.")] = "control=1,treatment=1",
    holdout: Annotated[float, typer.Option(help="Global holdout share kept out of every experiment.")] = 0.0,
) -> None:
    """Show which variant each unit gets (deterministic; the same answer every time)."""
    from pydantic import ValidationError

    from experiments.assign import Assigner, AssignmentError, Experiment

    with user_errors():
        try:
            experiment = Experiment(id=experiment_id, variants=option_weights(variants, "--variants") or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
            raise AssignmentError(f"invalid experiment {experiment_id!r}: {problems}") from None
        assigner = Assigner([experiment], holdout=holdout)
        for u in unit:
            a = assigner.assign(experiment_id, u)
            console.print(f"{u}\t{a.variant or '-'}\t{a.reason}")
