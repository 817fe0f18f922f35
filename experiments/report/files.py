"""Write the report trio: HTML for people, JSON and CSV for every number."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from experiments.analysis import ExperimentResult
from experiments.report.html import render_html


def comparisons_frame(result: ExperimentResult) -> pd.DataFrame:
    """One flat row per comparison (overall and per segment) with every estimate."""
    rows = []
    for m in result.metrics:
        for c in m.comparisons + m.segments:
            row = {"metric_kind": m.spec.kind, "guardrail": m.spec.guardrail, "direction": m.spec.direction}
            dumped = c.model_dump()
            for key in ("cuped_absolute", "cuped_relative"):  # keep the same columns whether or not CUPED ran
                dumped[key] = dumped[key] or dict.fromkeys(("estimate", "lower", "upper", "p_value"))
            row.update(dumped)
            rows.append(row)
    frame = pd.json_normalize(rows, sep="_")
    if "cuped_theta" in frame:
        frame["cuped_theta"] = frame["cuped_theta"].map(lambda t: None if t is None else ";".join(f"{v:.6g}" for v in t))
    return frame


def health_frame(result: ExperimentResult) -> pd.DataFrame:
    """Units per arm against plan, with the SRM test result."""
    srm = result.srm
    return pd.DataFrame(
        {
            "arm": list(srm.observed),
            "units": list(srm.observed.values()),
            "planned": [srm.expected[a] for a in srm.observed],
            "srm_chi2": srm.chi2,
            "srm_p_value": srm.p_value,
            "srm_passed": srm.passed,
        }
    )


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "experiment"


def write_report(result: ExperimentResult, out_dir: Path, stem: str | None = None) -> dict[str, Path]:
    """Write <stem>.html, <stem>.json, <stem>_comparisons.csv, <stem>_health.csv (and <stem>_daily.csv)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = slug(stem or result.name)
    paths = {
        "html": out_dir / f"{stem}.html",
        "json": out_dir / f"{stem}.json",
        "csv": out_dir / f"{stem}_comparisons.csv",
        "health_csv": out_dir / f"{stem}_health.csv",
    }
    paths["json"].write_text(result.model_dump_json(indent=2))
    comparisons_frame(result).to_csv(paths["csv"], index=False)
    health_frame(result).to_csv(paths["health_csv"], index=False)
    names = {"all numbers (JSON)": paths["json"].name, "comparisons (CSV)": paths["csv"].name,
             "traffic split (CSV)": paths["health_csv"].name}
    if result.trajectory:
        paths["daily_csv"] = out_dir / f"{stem}_daily.csv"
        pd.DataFrame([p.model_dump() for p in result.trajectory]).to_csv(paths["daily_csv"], index=False)
        names["day by day (CSV)"] = paths["daily_csv"].name
    paths["html"].write_text(render_html(result, names), encoding="utf-8")
    return paths
