"""Charts as base64 PNG data URIs, so the HTML page needs no network and no files beside it.

Uses matplotlib's object API (Figure, no pyplot): no global state, no GUI backend.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.figure import Figure

from experiments.analysis import Comparison, MetricResult, SRMCheck, TrajectoryPoint

GOOD, BAD, NEUTRAL, FAINT = "#1a7f37", "#cf222e", "#57606a", "#b6bec8"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _colour(c: Comparison) -> str:
    if not c.significant:
        return NEUTRAL
    return GOOD if c.better else BAD


def _label(c: Comparison) -> str:
    return f"{c.segment_value} · {c.variant}" if c.segment else c.variant


def lift_chart(comparisons: list[Comparison], title: str, level: str) -> str:
    """Forest plot: relative change with its `level` interval (thick) and always-valid interval (thin)."""
    return _png(lift_figure(comparisons, title, level))


def lift_figure(comparisons: list[Comparison], title: str, level: str) -> Figure:
    rows = len(comparisons)
    fig = Figure(figsize=(7.5, 0.45 * rows + 1.2))
    ax = fig.subplots()
    y = np.arange(rows)[::-1]
    for yi, c in zip(y, comparisons):
        seq, rel = c.sequential_relative, c.decision_relative
        colour = _colour(c)
        ax.plot([seq.lower * 100, seq.upper * 100], [yi, yi], color=FAINT, lw=2, solid_capstyle="butt")
        ax.plot([rel.lower * 100, rel.upper * 100], [yi, yi], color=colour, lw=6, solid_capstyle="butt")
        ax.plot([rel.estimate * 100], [yi], "o", color="white", mec=colour, mew=2, ms=8)
    ax.axvline(0, color="#24292f", lw=1)
    ax.set_ylim(-0.6, rows - 0.4)
    ax.set_yticks(y, [_label(c) for c in comparisons])
    ax.set_xlabel(f"change vs control (%); thick: {level} interval, thin: always-valid")
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="x", color="#eaeef2")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def means_chart(metric: MetricResult, control: str) -> str:
    """Mean per arm, in the metric's own units."""
    comps = metric.comparisons
    names = [control] + [c.variant for c in comps]
    means = [comps[0].mean_control] + [c.mean_variant for c in comps]
    scale = 100 if metric.spec.shown_as == "rate" else 1
    fig = Figure(figsize=(7.5, 0.5 * len(names) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(names))[::-1]
    colours = [NEUTRAL] + [_colour(c) for c in comps]
    ax.barh(y, np.asarray(means) * scale, color=colours, alpha=0.85, height=0.6)
    for yi, m in zip(y, means):
        ax.text(m * scale, yi, f"  {m * scale:,.2f}{'%' if scale == 100 else ''}", va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.set_xlabel(f"{metric.spec.title}{' (%)' if scale == 100 else ''}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.2)
    return _png(fig)


def srm_chart(srm: SRMCheck) -> str:
    """Observed vs planned units per arm."""
    arms = list(srm.observed)
    fig = Figure(figsize=(7.5, 0.45 * len(arms) + 1.2))
    ax = fig.subplots()
    y = np.arange(len(arms))[::-1]
    ax.barh(y + 0.18, [srm.observed[a] for a in arms], height=0.35, color=GOOD if srm.passed else BAD, label="observed")
    ax.barh(y - 0.18, [srm.expected[a] for a in arms], height=0.35, color=FAINT, label="planned")
    ax.set_yticks(y, arms)
    ax.set_xlabel("units")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def trajectory_chart(points: list[TrajectoryPoint], title: str, ylabel: str, level: str) -> str:
    """Difference from control per daily look: always-valid band (safe to act on) and fixed-horizon interval (dashed)."""
    return _png(trajectory_figure(points, title, ylabel, level))


def trajectory_figure(points: list[TrajectoryPoint], title: str, ylabel: str, level: str) -> Figure:
    import pandas as pd

    frame = pd.DataFrame([p.model_dump() for p in points])
    frame["look"] = pd.to_datetime(frame["look"])
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    colours = [GOOD, "#0969da", "#8250df", "#bf8700"]
    for colour, (variant, rows) in zip(colours * 4, frame.groupby("variant", sort=True)):
        x = rows["look"].dt.tz_localize(None)
        ax.fill_between(x, rows["seq_lower"], rows["seq_upper"], color=colour, alpha=0.15, lw=0,
                        label=f"{variant}: always-valid interval")
        ax.plot(x, rows["lower"], color=colour, lw=1, ls="--")
        ax.plot(x, rows["upper"], color=colour, lw=1, ls="--", label=f"{variant}: fixed-horizon {level} (dashed)")
        ax.plot(x, rows["estimate"], color=colour, lw=2, label=f"{variant}: measured difference")
    ax.axhline(0, color="#24292f", lw=1)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return fig
