"""Declarative metric specs: what to measure per unit, which way is good, and its role.

Three kinds, per randomization unit:
- binary: a 0/1 outcome (visited, converted); the mean is a rate.
- continuous: a number per unit (spend); the mean is "per customer".
- ratio: sum(numerator) / sum(denominator) over units (AOV = revenue / orders),
  analysed with the delta method because units, not orders, were randomized.
A guardrail is a metric that must not get worse; it can veto a winner but never
makes one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from omnicast.errors import OmnicastError


class MetricError(OmnicastError):
    """A metric definition is wrong or does not fit the data."""


class MetricSpec(BaseModel):
    """One metric of the family an experiment is judged on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Literal["binary", "continuous", "ratio"]
    column: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    direction: Literal["increase", "decrease"] = "increase"
    guardrail: bool = False
    label: str | None = None
    unit: Literal["rate", "currency", "number"] | None = None

    @model_validator(mode="after")
    def _columns_fit_kind(self) -> MetricSpec:
        if self.kind == "ratio":
            if not (self.numerator and self.denominator):
                raise ValueError(f"ratio metric {self.name!r} needs a numerator and a denominator")
        elif not self.column:
            raise ValueError(f"{self.kind} metric {self.name!r} needs a column")
        return self

    @property
    def columns(self) -> list[str]:
        return [self.numerator, self.denominator] if self.kind == "ratio" else [self.column]  # type: ignore[list-item]

    @property
    def title(self) -> str:
        return self.label or self.name

    @property
    def shown_as(self) -> str:
        return self.unit or ("rate" if self.kind == "binary" else "number")

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "decrease"


def infer_metric(name: str, values: pd.Series, **fields: object) -> MetricSpec:
    """A binary metric if the column only holds 0/1, else continuous."""
    v = pd.to_numeric(values, errors="coerce")
    if v.isna().any():
        bad = values[v.isna()].head(3).tolist()
        raise MetricError(f"metric column {name!r} must be numeric with no blanks; found {bad}")
    kind = "binary" if np.isin(v.unique(), [0, 1]).all() else "continuous"
    return MetricSpec(name=name, kind=kind, column=name, **fields)


_RATIO = re.compile(r"^\s*(?P<name>[\w.-]+)\s*=\s*(?P<num>[\w.-]+)\s*/\s*(?P<den>[\w.-]+)\s*$")


def parse_ratio(text: str, **fields: object) -> MetricSpec:
    """'aov=spend/orders' -> a ratio metric."""
    m = _RATIO.match(text)
    if not m:
        raise MetricError(f"ratio metric {text!r} must look like name=numerator/denominator")
    return MetricSpec(name=m["name"], kind="ratio", numerator=m["num"], denominator=m["den"], **fields)


def load_metrics(path: Path) -> list[MetricSpec]:
    """Read a YAML list of metric specs (same fields as MetricSpec)."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: not UTF-8 text
        raise MetricError(f"cannot read metrics file {path}: {exc}") from None
    items = raw.get("metrics", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise MetricError(f"{path}: expected a list of metrics (or a 'metrics:' key holding one)")
    try:
        return [MetricSpec(**item) for item in items]
    except (TypeError, ValidationError) as exc:
        raise MetricError(f"{path}: {exc}") from None


def check_metrics(metrics: list[MetricSpec], columns: pd.Index) -> None:
    """Every metric names existing columns, names are unique, and one is not a guardrail."""
    if not metrics:
        raise MetricError("declare at least one metric")
    names = [m.name for m in metrics]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise MetricError(f"metric names must be unique; repeated: {dupes}")
    for m in metrics:
        missing = [c for c in m.columns if c not in columns]
        if missing:
            raise MetricError(f"metric {m.name!r} needs column(s) {missing}, not in the data ({list(columns)})")
    if all(m.guardrail for m in metrics):
        raise MetricError("at least one metric must be a decision metric (not a guardrail)")
