"""The two ways in to a report: a flat per-unit CSV, or the platform's own exposures + transactions.

Both end in the same place: `analyze` then `write_report`, returning an
`ExperimentReport`: the full analysis, the files written and what was left out
(the CLI prints its headlines and files, the demo shows them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.analysis import AnalysisConfig, ExperimentResult, TruthCheck, analyze, truth_checks
from experiments.metrics import MetricSpec, infer_metric, load_metrics, parse_ratio
from experiments.outcomes import OutcomeWindow, daily_outcomes, unit_outcomes
from experiments.report.files import ReportFiles, slug, write_report
from experiments.trajectory import trajectory
from omnicast.errors import OmnicastError

PLATFORM_METRICS = [
    MetricSpec(name="revenue", kind="continuous", column="revenue", label="revenue per customer", unit="currency"),
    MetricSpec(name="converted", kind="binary", column="converted", label="share of customers who bought", unit="rate"),
    MetricSpec(name="aov", kind="ratio", numerator="revenue", denominator="orders", label="average order value",
               unit="currency"),
    MetricSpec(name="refunds", kind="continuous", column="refunds", label="refunds per customer", unit="currency",
               direction="decrease", guardrail=True),
]


@dataclass(frozen=True)
class ExperimentReport:
    """A written report: the analysis behind it, its files, and the rows or units left out."""

    result: ExperimentResult
    files: ReportFiles
    rows_read: int | None = None  # CSV input: data rows read, and those set aside with a reason
    rows_rejected: int | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # platform input: units left out, by reason

    @property
    def headlines(self) -> list[str]:
        return [v.headline for v in self.result.verdicts]

    @property
    def headline(self) -> str:
        return self.result.verdicts[0].headline

    @property
    def statuses(self) -> dict[str, str]:
        return {v.variant: v.status for v in self.result.verdicts}

    @property
    def units(self) -> int:
        return self.result.n_units

    @property
    def truth(self) -> list[TruthCheck]:
        return self.result.truth


def csv_metrics(
    units: pd.DataFrame,
    names: list[str],
    ratios: list[str],
    guardrails: list[str],
    lower_is_better: list[str],
    declared: list[MetricSpec] | None = None,
) -> list[MetricSpec]:
    """The metric family from CLI-style declarations, or as declared in a metrics file."""
    specs = declared or [infer_metric(n, units[n]) for n in names] + [parse_ratio(r) for r in ratios]
    known = {s.name for s in specs}
    unknown = sorted(set(guardrails + lower_is_better) - known)
    if unknown:
        raise OmnicastError(f"guardrail or lower-is-better metric(s) {unknown} are not among the metrics {sorted(known)}")
    return [
        s.model_copy(update={"guardrail": s.guardrail or s.name in guardrails,
                             "direction": "decrease" if s.name in lower_is_better else s.direction})
        for s in specs
    ]


def report_csv_experiment(
    data: Path,
    arm: str,
    control: str,
    metric_names: list[str],
    out_dir: Path,
    config: AnalysisConfig | None = None,
    ratios: list[str] | None = None,
    guardrails: list[str] | None = None,
    lower_is_better: list[str] | None = None,
    metrics_file: Path | None = None,
    name: str | None = None,
) -> ExperimentReport:
    """Analyse a per-unit CSV and write the report; rejected rows go to <stem>_rejected.csv."""
    from experiments.inputs import load_units

    config = config or AnalysisConfig()
    ratios = ratios or []
    if metrics_file is None and not metric_names and not ratios:
        raise OmnicastError("no metric declared: name at least one outcome column, ratio metric or metrics file")
    declared = load_metrics(metrics_file) if metrics_file is not None else None
    columns = (
        [c for s in declared for c in s.columns]
        if declared
        else metric_names + [c for r in ratios for c in parse_ratio(r).columns]
    )
    units, rejected = load_units(Path(data), arm, columns + config.covariates, config.segments)
    specs = csv_metrics(units, metric_names, ratios, guardrails or [], lower_is_better or [], declared)
    name = name or Path(data).stem
    result = analyze(units, arm, control, specs, config, name=name)
    if len(rejected):
        result.warnings.insert(
            0 if result.srm.passed else 1,
            f"{len(rejected):,} of {len(units) + len(rejected):,} rows could not be analysed and were set aside "
            f"with the reason (see {slug(name)}_rejected.csv).",
        )
    files = write_report(result, out_dir, name)
    if len(rejected):
        rejected_csv = Path(out_dir) / f"{slug(name)}_rejected.csv"
        rejected.to_csv(rejected_csv, index=False)
        files = files.with_rejected(rejected_csv)
    return ExperimentReport(result, files, rows_read=len(units) + len(rejected), rows_rejected=len(rejected))


def report_platform_experiment(
    validated_dir: Path,
    experiment_id: str,
    out_dir: Path,
    control: str = "control",
    config: AnalysisConfig | None = None,
    window_days: float = 14.0,
    pre_days: float = 28.0,
    window_end: pd.Timestamp | str | None = None,
    purchases_only: bool = False,
    identity_map: pd.DataFrame | None = None,
    metrics: list[MetricSpec] | None = None,
    name: str | None = None,
    truth: dict[str, float] | None = None,
) -> ExperimentReport:
    """Analyse an experiment from validated exposures + transactions and write its report.

    Outcomes count from a unit's first exposure for `window_days`, cut at
    `window_end` if given (the experiment's end). Metrics default to revenue per
    customer (decision), conversion and AOV, with refunds per customer as a guardrail; pre-period revenue
    is the CUPED covariate and the exposure channel the segment, unless
    `config` says otherwise. `truth` (synthetic data only) maps a metric to its
    known true absolute effect; the report then shows whether it was covered.
    """
    window = OutcomeWindow(
        window_days, pre_days, end=None if window_end is None else pd.Timestamp(window_end), purchases_only=purchases_only
    )
    outcomes = unit_outcomes(Path(validated_dir), experiment_id, window, identity_map)
    config = config or AnalysisConfig()
    update: dict[str, list[str]] = {}
    if not config.covariates:
        update["covariates"] = ["pre_revenue"]
    if not config.segments:
        update["segments"] = ["channel"]
    config = config.model_copy(update=update)
    result = analyze(outcomes.units, "variant", control, metrics or PLATFORM_METRICS, config, name=name or experiment_id)
    dropped = {k: v for k, v in outcomes.dropped.items() if v}
    if dropped:
        result.warnings.append(
            "Units left out: " + ", ".join(f"{n:,} {why}" for why, n in dropped.items())
            + f" (data ends {outcomes.data_end})."
        )
    if truth:
        result.truth = truth_checks(result, truth)
    decision = next(m.spec for m in result.metrics if not m.spec.guardrail)
    if decision.kind != "ratio" and decision.column in ("revenue", "converted"):
        daily = daily_outcomes(Path(validated_dir), experiment_id, window, identity_map)
        result.trajectory = trajectory(daily, control, decision.column, result.config)
    files = write_report(result, out_dir, name or experiment_id)
    return ExperimentReport(result, files, dropped=dict(outcomes.dropped))
