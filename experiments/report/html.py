"""One self-contained HTML page: verdict first, then health, metrics, segments, methods.

Everything is inline (CSS, PNG charts as data URIs); the page makes no request,
so it opens offline and can be e-mailed as one file.
"""

from __future__ import annotations

from html import escape

from experiments.analysis import (
    Comparison,
    ExperimentResult,
    MetricResult,
    certainty,
    confidence_label,
    describe_change,
    pct,
)
from experiments.metrics import MetricSpec
from experiments.report import charts

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#24292f;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.2rem}
.meta{color:#57606a;margin-top:0}
.verdict{border-radius:8px;padding:1rem 1.2rem;margin:.6rem 0;font-size:1.12rem;border-left:8px solid #57606a;background:#f6f8fa}
.verdict.winner{border-color:#1a7f37;background:#dafbe1}.verdict.loser,.verdict.vetoed,.verdict.blocked{border-color:#cf222e;background:#ffebe9}
.verdict.inconclusive{border-color:#9a6700;background:#fff8c5}
.badge{display:inline-block;font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.04em;padding:.1rem .5rem;border-radius:1rem;background:#fff;margin-right:.5rem}
.alert{background:#ffebe9;border:1px solid #cf222e;border-radius:8px;padding:.8rem 1rem;font-weight:600}
.note{background:#fff8c5;border-radius:6px;padding:.6rem .9rem;margin:.5rem 0}
.ok{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.86rem;margin:.6rem 0}
th,td{border-bottom:1px solid #eaeef2;padding:.3rem .45rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left} th{background:#f6f8fa}
img.chart{max-width:100%;height:auto;display:block;margin:.4rem 0}
.legend{font-size:.85rem;color:#57606a}
details{margin:.5rem 0} summary{cursor:pointer;font-weight:600}
"""


def _legend(level: str) -> str:
    return (
        f"Dot: the measured change. Thick bar: its {level} interval; thin grey bar: the always-valid interval "
        "(safe however often you look). Green means a real improvement and red a real decline, judged after "
        "correcting for the number of comparisons made (Holm); grey means it cannot be told apart from chance. "
        "So a bar that just clears zero can still be grey."
    )


def _coverage_odds(alpha: float) -> str:
    """'19 times out of 20' for alpha 0.05; '90% of the time' where no small odds fit."""
    misses = round(1 / alpha)
    if abs(misses * alpha - 1) < 1e-9 and misses <= 1000:
        return f"{misses - 1} times out of {misses}"
    return f"{confidence_label(alpha)} of the time"


def _fmt(value: float, spec: MetricSpec, diff: bool = False) -> str:
    if value != value:  # NaN
        return "n/a"
    if spec.shown_as == "rate":
        return f"{value * 100:+.2f} pp" if diff else f"{value * 100:.2f}%"
    return f"{value:+,.3f}" if diff else f"{value:,.3f}"


def _p(p: float | None) -> str:
    if p is None or p != p:
        return "n/a"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _ci(lo: float, hi: float, spec: MetricSpec | None = None) -> str:
    if spec is None:
        return f"{pct(lo)} to {pct(hi)}"
    return f"{_fmt(lo, spec, True)} to {_fmt(hi, spec, True)}"


def _verdicts(result: ExperimentResult) -> str:
    parts = []
    for v in result.verdicts:
        parts.append(
            f'<div class="verdict {v.status}" data-status="{v.status}"><span class="badge">'
            f"{escape(v.status.replace('_', ' '))}</span>{escape(v.headline)}</div>"
        )
    primary = next(m for m in result.metrics if not m.spec.guardrail)
    return (
        '<section id="verdict"><h2>Verdict</h2>'
        f'<p class="legend">Judged on <b>{escape(primary.spec.title)}</b> (the first decision metric), '
        f"{escape(result.control)} is the control. Percentages are changes relative to control; "
        f"“{result.config.level} CI” is the range the true change very likely lies in.</p>" + "".join(parts) + "</section>"
    )


def _truth(result: ExperimentResult) -> str:
    if not result.truth:
        return ""
    items = []
    for t in result.truth:
        spec = result.metric(t.metric).spec
        verdict = '<span class="ok">covers it</span>' if t.covered else '<span class="fail">misses it</span>'
        items.append(
            f"<li>{escape(spec.title)} · {escape(t.variant)}: true effect {_fmt(t.true_effect, spec, True)}; "
            f"estimate {_fmt(t.estimate, spec, True)} ({result.config.level} CI {_ci(t.lower, t.upper, spec)}) {verdict}.</li>"
        )
    return (
        '<section id="truth"><h2>Ground truth check (synthetic data)</h2>'
        f"<p>This retailer is simulated, so the true effect is known. A {result.config.level} interval should cover it "
        f"{_coverage_odds(result.config.alpha)}.</p><ul>{''.join(items)}</ul></section>"
    )


def _unit_label(spec: MetricSpec) -> str:
    return f"difference in {spec.title}" + (" (share, 0-1)" if spec.shown_as == "rate" else "")


def _over_time(result: ExperimentResult) -> str:
    if not result.trajectory:
        return ""
    metric = result.metric(result.trajectory[0].metric).spec
    last = result.trajectory[-1]
    return (
        '<section id="over-time"><h2>Day by day: safe to peek?</h2>'
        f"<p>The difference in {escape(metric.title)} as it would have looked on each day of the test (units "
        "exposed so far, purchases so far; no CUPED; from the first day with 100 units per arm). The shaded always-valid band may be checked every day and acted on "
        "as soon as it leaves zero; the dashed fixed-horizon interval may not: stopping the first time it "
        f"crosses zero makes false alarms several times likelier. Last look: {escape(last.look[:10])}.</p>"
        f'<img class="chart" id="chart-over-time" alt="{escape(metric.title)} day by day" '
        f'src="{charts.trajectory_chart(result.trajectory, f"{metric.title}: difference from {result.control} by day", _unit_label(metric), result.config.level)}">'
        "</section>"
    )


def _health(result: ExperimentResult) -> str:
    srm = result.srm
    rows = "".join(
        f"<tr><td>{escape(a)}</td><td>{srm.observed[a]:,}</td><td>{srm.expected[a]:,.0f}</td>"
        f"<td>{srm.observed[a] / max(sum(srm.observed.values()), 1) * 100:.2f}%</td></tr>"
        for a in srm.observed
    )
    status = (
        f'<span class="ok">passed</span> (chi-square p = {srm.p_value:.3g}; a failure is p &lt; {srm.threshold})'
        if srm.passed
        else f'<span class="fail">FAILED</span> (chi-square p = {srm.p_value:.2g} &lt; {srm.threshold})'
    )
    guard = []
    for m in result.metrics:
        if not m.spec.guardrail:
            continue
        for c in m.comparisons:
            harmed = c.significant and c.better is False
            guard.append(
                f"<li>{escape(m.spec.title)} · {escape(c.variant)}: "
                + ('<span class="fail">harmed</span>' if harmed else '<span class="ok">no significant harm</span>')
                + f" ({pct(c.decision_relative.estimate)}, {result.config.level} CI {_ci(c.decision_relative.lower, c.decision_relative.upper)})</li>"
            )
    mde = "".join(
        f"<li>{escape(m.spec.title)}: about {m.mde_relative * 100:.1f}% relative</li>"
        for m in result.metrics
        if m.mde_relative is not None
    )
    warnings = "".join(f'<div class="note">{escape(w)}</div>' for w in result.warnings)
    return (
        '<section id="health"><h2>Health checks</h2>'
        f'<h3>Traffic split (sample ratio mismatch)</h3><p id="srm-status">{status}</p>'
        f"<table><tr><th>arm</th><th>units</th><th>planned</th><th>share</th></tr>{rows}</table>"
        f'<img class="chart" id="chart-srm" alt="observed vs planned units per arm" src="{charts.srm_chart(srm)}">'
        f"<h3>Sample size</h3><p>{result.n_units:,} units. Smallest change this test could reliably detect "
        f"(80% power, two-sided {result.config.alpha:g}):</p><ul>{mde}</ul>"
        + (f"<h3>Guardrails</h3><ul>{''.join(guard)}</ul>" if guard else "<h3>Guardrails</h3><p>None declared.</p>")
        + warnings
        + "</section>"
    )


def _loss(c: Comparison, spec: MetricSpec) -> str:
    if c.bayes_scale == "relative":
        return f"{c.loss_if_ship * 100:.2f}%"
    return _fmt(c.loss_if_ship, spec)


def _metric_table(comps: list[Comparison], spec: MetricSpec, level: str, segment: bool = False) -> str:
    head = (
        ("<th>segment</th>" if segment else "")
        + f"<th>variant</th><th>units (ctrl / var)</th><th>control</th><th>variant</th><th>difference ({level} CI)</th>"
        f"<th>relative ({level} CI)</th><th>p</th><th>p (Holm)</th><th>always-valid CI</th><th>chance to beat control</th>"
        "<th>expected loss if shipped</th><th>CUPED: interval narrower by</th>"
    )
    rows = []
    for c in comps:
        a, r, s = c.decision_absolute, c.decision_relative, c.sequential_relative
        rows.append(
            "<tr>"
            + (f"<td>{escape(str(c.segment))}={escape(str(c.segment_value))}</td>" if segment else "")
            + f"<td>{escape(c.variant)}</td><td>{c.n_control:,} / {c.n_variant:,}</td>"
            f"<td>{_fmt(c.mean_control, spec)}</td><td>{_fmt(c.mean_variant, spec)}</td>"
            f"<td>{_fmt(a.estimate, spec, True)} ({_ci(a.lower, a.upper, spec)})</td>"
            f"<td>{pct(r.estimate)} ({_ci(r.lower, r.upper)})</td><td>{_p(c.p_value)}</td><td>{_p(c.p_value_holm)}</td>"
            f"<td>{_ci(s.lower, s.upper)}</td><td>{c.chance_to_win * 100:.1f}%</td><td>{_loss(c, spec)}</td>"
            f"<td>{'—' if c.cuped_shrink is None else f'{c.cuped_shrink * 100:.1f}%'}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _metric(m: MetricResult, control: str, index: int, level: str) -> str:
    spec = m.spec
    role = "guardrail (must not get worse)" if spec.guardrail else "decision metric"
    better = "lower is better" if spec.lower_is_better else "higher is better"
    kind = {"binary": "share of units", "continuous": "average per unit", "ratio": f"{spec.numerator} / {spec.denominator}"}
    sentences = "".join(
        f"<li>{escape(c.variant)} {escape(describe_change(c, spec, level))}: {certainty(c)}.</li>" for c in m.comparisons
    )
    return (
        f'<div class="metric" id="metric-{index}"><h3>{escape(spec.title)}</h3>'
        f'<p class="legend">{role}; {escape(kind[spec.kind])}; {better}.</p><ul>{sentences}</ul>'
        f'<img class="chart" alt="{escape(spec.title)} per arm" src="{charts.means_chart(m, control)}">'
        f'<img class="chart" alt="{escape(spec.title)} change vs control" '
        f'src="{charts.lift_chart(m.comparisons, f"{spec.title}: change vs {control}", level)}">'
        f'<p class="legend">{_legend(level)}</p>'
        + _metric_table(m.comparisons, spec, level)
        + "</div>"
    )


def _segments(result: ExperimentResult) -> str:
    if not result.config.segments:
        return ""
    blocks = []
    for m in result.metrics:
        if not m.segments:
            continue
        blocks.append(
            f"<h3>{escape(m.spec.title)} by {escape(', '.join(result.config.segments))}</h3>"
            f'<img class="chart" alt="{escape(m.spec.title)} by segment" '
            f'src="{charts.lift_chart(m.segments, f"{m.spec.title} by segment", result.config.level)}">'
            f'<p class="legend">{_legend(result.config.level)}</p>'
            f"<details><summary>All segment numbers</summary>{_metric_table(m.segments, m.spec, result.config.level, True)}</details>"
        )
    skipped = "".join(f"<li>{escape(s)}</li>" for s in result.skipped_segments)
    return (
        '<section id="segments"><h2>Segments: for whom did it work?</h2>'
        '<div class="note">Each segment is another look at the same data: the more segments you read, the more '
        "likely one shows a difference by chance. P-values are Holm-adjusted within each breakdown; confirm "
        "any surprising segment in a new test before acting on it.</div>"
        + "".join(blocks)
        + (f"<p>Too small to analyse:</p><ul>{skipped}</ul>" if skipped else "")
        + "</section>"
    )


def _methods(result: ExperimentResult) -> str:
    cfg = result.config
    cov = ", ".join(cfg.covariates) if cfg.covariates else "none"
    return f"""<section id="methods"><h2>Methods</h2>
<ul>
<li><b>Traffic split</b>: Pearson chi-square test of units per arm against the planned weights; p &lt; {cfg.srm_threshold} blocks the verdict.</li>
<li><b>Differences</b>: difference in means with Welch's unequal-variance t interval (as scipy's <code>ttest_ind(equal_var=False)</code>); relative change = difference / control mean, with a delta-method interval. Ratio metrics (sum of numerator / sum of denominator) use the delta method over units.</li>
<li><b>CUPED</b> (pre-period covariates: {escape(cov)}): each outcome is adjusted by its pooled regression on the covariates, which removes noise the past already explains; the effect is unchanged on average and the interval narrows by the amount shown.</li>
<li><b>Multiple metrics</b>: Holm's correction over the decision metrics × variants ({cfg.alpha:g} family-wise error). Guardrails are tested uncorrected in the harmful direction, so harm is not explained away; a significant harm vetoes a winner.</li>
<li><b>Peeking</b>: always-valid intervals are an asymptotic confidence sequence (Waudby-Smith et al. 2023, tuned for {cfg.sequential_tuning:,.0f} units); they stay valid however often the results are looked at. Decisions here use the {'always-valid' if cfg.decide_with == 'sequential' else 'fixed-horizon'} p-values.</li>
<li><b>Chance to beat control</b>: Gaussian posterior of the relative change with a {'flat prior' if cfg.prior_variance is None else f'Normal(0, {cfg.prior_variance:g}) prior'}; expected loss is the average shortfall if the variant is shipped and is in fact worse.</li>
<li>Numbers agree with scipy, statsmodels and GrowthBook's gbstats where the method is the same; see docs/EXPERIMENTS.md.</li>
</ul></section>"""


def render_html(result: ExperimentResult, files: dict[str, str] | None = None) -> str:
    """The whole page as one string."""
    srm_alert = (
        ""
        if result.srm.passed
        else f'<div class="alert" id="srm-alert">Broken traffic split: {escape(result.warnings[0])}</div>'
    )
    links = "".join(f"<li>{escape(k)}: <code>{escape(v)}</code></li>" for k, v in (files or {}).items())
    body = (
        f"<header><h1>A/B test report: {escape(result.name)}</h1>"
        f'<p class="meta">{result.n_units:,} units in {len(result.variants) + 1} arms '
        f"({escape(', '.join([result.control, *result.variants]))}), generated {escape(result.created_at)}.</p></header>"
        + srm_alert
        + _verdicts(result)
        + _truth(result)
        + _health(result)
        + _over_time(result)
        + '<section id="metrics"><h2>Metrics</h2>'
        + "".join(_metric(m, result.control, i, result.config.level) for i, m in enumerate(result.metrics))
        + "</section>"
        + _segments(result)
        + _methods(result)
        + (f'<footer><h2>Every number</h2><ul>{links}</ul></footer>' if links else "")
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>A/B test report: {escape(result.name)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
