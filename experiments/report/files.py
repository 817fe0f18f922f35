"""Write the report trio: HTML for people, JSON and CSV for every number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
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


@dataclass(frozen=True)
class ReportFiles:
    """The files of one report; `daily_csv` only with a day-by-day trajectory, `rejected` only for CSV input."""

    html: Path
    json: Path
    csv: Path
    health_csv: Path
    daily_csv: Path | None = None
    rejected: Path | None = None

    def items(self) -> Iterator[tuple[str, Path]]:
        """(kind, path) for every file written, in a stable order."""
        for f in fields(self):
            path = getattr(self, f.name)
            if path is not None:
                yield f.name, path

    def with_rejected(self, path: Path) -> ReportFiles:
        return replace(self, rejected=path)


def write_report(result: ExperimentResult, out_dir: Path, stem: str | None = None) -> ReportFiles:
    """Write <stem>.html, <stem>.json, <stem>_comparisons.csv, <stem>_health.csv (and <stem>_daily.csv)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = slug(stem or result.name)
    daily = out_dir / f"{stem}_daily.csv" if result.trajectory else None
    files = ReportFiles(
        html=out_dir / f"{stem}.html",
        json=out_dir / f"{stem}.json",
        csv=out_dir / f"{stem}_comparisons.csv",
        health_csv=out_dir / f"{stem}_health.csv",
        daily_csv=daily,
    )
    files.json.write_text(result.model_dump_json(indent=2))
    comparisons_frame(result).to_csv(files.csv, index=False)
    health_frame(result).to_csv(files.health_csv, index=False)
    names = {"all numbers (JSON)": files.json.name, "comparisons (CSV)": files.csv.name,
             "traffic split (CSV)": files.health_csv.name}
    if daily is not None:
        pd.DataFrame([p.model_dump() for p in result.trajectory]).to_csv(daily, index=False)
        names["day by day (CSV)"] = daily.name
    files.html.write_text(render_html(result, names), encoding="utf-8")
    return files
