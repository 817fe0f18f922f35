"""Deterministic hashed assignment: the same unit always gets the same variant.

A unit (the unified customer_id, or a device id for a guest) is hashed with a
salt into a bucket in [0, 1). Three independent hashes decide, in order:
1. the global holdout (salt "holdout:<name>"): units below `holdout` see no experiment;
2. the layer (salt "layer:<layer>"): experiments in one layer own disjoint slices
   of it, so a unit is in at most one of them (mutually exclusive);
3. the variant (salt = the experiment's salt, default its id): cumulative weights.
No state is stored: stickiness across sessions and channels comes from hashing
the same unit id. Changing an experiment's salt reshuffles it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from omnicast.errors import OmnicastError

HOLDOUT_VARIANT = "holdout"
_SCALE = float(2**64)


class AssignmentError(OmnicastError):
    """An experiment or layer definition is inconsistent."""


def bucket(salt: str, unit: str) -> float:
    """Uniform number in [0, 1) from SHA-256 of 'salt:unit' (first 8 bytes)."""
    digest = hashlib.sha256(f"{salt}:{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def buckets(salt: str, units: pd.Series | list[str]) -> np.ndarray:
    """`bucket` for many units (hashing has no vectorised form; this is the batch entry point)."""
    return np.fromiter((bucket(salt, str(u)) for u in units), dtype=float, count=len(units))


def unit_id(customer_id: str | None, device_id: str | None) -> str:
    """The randomisation unit: the unified customer id when known, else the device (guest)."""
    if customer_id:
        return customer_id
    if device_id:
        return f"device:{device_id}"
    raise AssignmentError("a unit needs a customer_id or a device_id")


class Experiment(BaseModel):
    """Variants with traffic weights, optionally in a layer slice [start, end)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    variants: dict[str, float]
    salt: str | None = None
    layer: str | None = None
    layer_range: tuple[float, float] = (0.0, 1.0)

    @field_validator("variants")
    @classmethod
    def _weights_ok(cls, v: dict[str, float]) -> dict[str, float]:
        if len(v) < 2:
            raise ValueError("an experiment needs at least two variants")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError(f"variant weights must be >= 0 with a positive sum, got {v}")
        if HOLDOUT_VARIANT in v:
            raise ValueError(f"{HOLDOUT_VARIANT!r} is reserved for the global holdout")
        return v

    @field_validator("layer_range")
    @classmethod
    def _range_ok(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 1:
            raise ValueError(f"layer_range must satisfy 0 <= start < end <= 1, got {v}")
        return v

    def variant_for(self, b: float | np.ndarray) -> np.ndarray:
        """Variant names for buckets in [0, 1) by cumulative weight."""
        names = list(self.variants)
        edges = np.cumsum(list(self.variants.values())) / sum(self.variants.values())
        idx = np.minimum(np.searchsorted(edges, b, side="right"), len(names) - 1)
        return np.asarray(names, dtype=object)[idx]


class Assignment(BaseModel):
    experiment_id: str
    unit_id: str
    variant: str | None  # None: not in this experiment (other layer slice)
    reason: str


class Assigner:
    """Assigns units to a set of experiments with a global holdout and exclusive layers."""

    def __init__(self, experiments: list[Experiment], holdout: float = 0.0, holdout_name: str = "global") -> None:
        if not 0 <= holdout < 1:
            raise AssignmentError(f"holdout must be in [0, 1), got {holdout}")
        self.experiments = {e.id: e for e in experiments}
        if len(self.experiments) != len(experiments):
            raise AssignmentError("experiment ids must be unique")
        self.holdout = holdout
        self.holdout_salt = f"holdout:{holdout_name}"
        self._check_layers()

    def _check_layers(self) -> None:
        by_layer: dict[str, list[Experiment]] = {}
        for e in self.experiments.values():
            if e.layer:
                by_layer.setdefault(e.layer, []).append(e)
        for layer, exps in by_layer.items():
            spans = sorted(e.layer_range for e in exps)
            for (_, end), (start, _) in zip(spans, spans[1:]):
                if start < end:
                    raise AssignmentError(f"experiments in layer {layer!r} overlap: {spans}")

    def _experiment(self, experiment_id: str) -> Experiment:
        try:
            return self.experiments[experiment_id]
        except KeyError:
            raise AssignmentError(f"unknown experiment {experiment_id!r}; known: {sorted(self.experiments)}") from None

    def assign(self, experiment_id: str, unit: str) -> Assignment:
        """The variant of one unit (what serving calls per request)."""
        frame = self.assign_many(experiment_id, [unit])
        row = frame.iloc[0]
        return Assignment(experiment_id=experiment_id, unit_id=unit, variant=row["variant"], reason=row["reason"])

    def assign_many(self, experiment_id: str, units: pd.Series | list[str]) -> pd.DataFrame:
        """Variants for many units: columns unit_id, variant (None if not in it), reason."""
        exp = self._experiment(experiment_id)
        units = pd.Series(units, dtype="string").reset_index(drop=True)
        variant = pd.Series(exp.variant_for(buckets(exp.salt or exp.id, units)), dtype="object")
        reason = pd.Series("assigned", index=units.index, dtype="object")
        if exp.layer:
            lb = buckets(f"layer:{exp.layer}", units)
            outside = (lb < exp.layer_range[0]) | (lb >= exp.layer_range[1])
            variant[outside] = None
            reason[outside] = f"outside its slice of layer {exp.layer}"
        if self.holdout > 0:
            held = buckets(self.holdout_salt, units) < self.holdout
            variant[held] = HOLDOUT_VARIANT
            reason[held] = "global holdout"
        return pd.DataFrame({"unit_id": units, "variant": variant, "reason": reason})


def exposure_records(
    assignments: pd.DataFrame, experiment_id: str, channel: str | None, ts: datetime | None = None
) -> pd.DataFrame:
    """Exposure rows in the `exposures` contract (experiment_id, unit_id, variant, ts, channel).

    Units outside the experiment (another layer slice, the global holdout) were
    not exposed to it and are left out.
    """
    shown = assignments[assignments["variant"].notna() & (assignments["variant"] != HOLDOUT_VARIANT)]
    when = pd.Timestamp(ts or datetime.now(UTC))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return pd.DataFrame(
        {
            "experiment_id": pd.Series(experiment_id, index=shown.index, dtype="string"),
            "unit_id": shown["unit_id"].astype("string"),
            "variant": shown["variant"].astype("string"),
            "ts": when,
            "channel": pd.Series(channel, index=shown.index, dtype="string"),
        }
    ).reset_index(drop=True)


def log_exposures(records: pd.DataFrame, path: Path) -> int:
    """Merge exposure rows into the Parquet file at `path`, keeping each unit's first exposure.

    The contract key is (experiment_id, unit_id): a unit seen again keeps its
    original row. The file is rewritten atomically (temp file + rename).
    Returns the number of new units logged.
    """
    from features.contracts import EXPOSURES

    missing = [c for c in EXPOSURES.column_names if c not in records.columns]
    if missing:
        raise AssignmentError(f"exposure records lack contract columns {missing}")
    path = Path(path)
    key = list(EXPOSURES.key)
    old = pd.read_parquet(path) if path.exists() else records.iloc[:0]
    merged = (
        pd.concat([old, records[EXPOSURES.column_names]], ignore_index=True)
        .sort_values("ts", kind="stable")
        .drop_duplicates(key, keep="first")
        .reset_index(drop=True)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    merged.to_parquet(tmp, index=False)
    tmp.replace(path)
    return len(merged) - len(old)
