"""Read a flat per-unit CSV (arm column, outcome columns, covariates, segments).

Only the named columns are read. Rows that cannot be analysed (blank arm,
non-numeric outcome or covariate) are kept aside with the reason, so
accepted + rejected always equals the rows read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from omnicast.errors import OmnicastError


class UnitDataError(OmnicastError):
    """The per-unit file cannot be read as declared."""


def load_units(
    path: Path, arm: str, numeric: list[str], segments: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accepted units, rejected rows with a `reason` column)."""
    path = Path(path)
    if path.is_dir():
        raise UnitDataError(f"data file {path} is a directory; give the per-unit CSV itself")
    if not path.is_file():
        raise UnitDataError(f"data file not found: {path}")
    wanted = list(dict.fromkeys([arm, *numeric, *(segments or [])]))
    try:
        header = pd.read_csv(path, nrows=0).columns
        missing = [c for c in wanted if c not in header]
        if missing:
            raise UnitDataError(f"{path.name} has no column(s) {missing}; its columns are {list(header)}")
        raw = pd.read_csv(path, usecols=wanted, dtype={c: "string" for c in [arm, *(segments or [])]})
    except (ValueError, pd.errors.ParserError) as exc:  # EmptyDataError, UnicodeDecodeError, bad quoting
        raise UnitDataError(f"{path} cannot be read as a CSV ({str(exc).strip()})") from None
    if raw.empty:
        raise UnitDataError(f"{path.name} has a header but no data rows")
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    reason = reason.mask(raw[arm].isna() & reason.isna(), f"blank {arm}")
    for col in dict.fromkeys(numeric):
        values = pd.to_numeric(raw[col], errors="coerce")
        reason = reason.mask(values.isna() & reason.isna(), f"{col} not a number")
        raw[col] = values
    for col in segments or []:
        raw[col] = raw[col].fillna("(blank)")
    bad = reason.notna()
    if bad.all():  # otherwise the analysis would only report that no arm is present
        counts = reason.value_counts().head(3)
        why = ", ".join(f"{r}: {n:,}" for r, n in counts.items())
        raise UnitDataError(f"none of the {len(raw):,} rows of {path.name} can be analysed ({why})")
    return raw[~bad].reset_index(drop=True), raw[bad].assign(reason=reason[bad]).reset_index()
