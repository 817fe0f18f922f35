"""Arrow tables shaped exactly like the contracts, Parquet files, and the atomic swap.

Timestamps and dates are written as ISO-8601 strings, as a source-system export
would, so that an unparseable timestamp is representable. Files are written with
fixed settings and no wall-clock metadata: the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.contracts import Contract
from features.staging import staged

ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
               "timestamp": pa.string(), "date": pa.string()}


@lru_cache(maxsize=1)
def _times_of_day() -> pa.Array:
    s = np.arange(86400)
    return pa.array([f"{h:02d}:{m:02d}:{x:02d}Z" for h, m, x in zip(s // 3600, s // 60 % 60, s % 60)])


def _day_strings(days: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """ISO strings for the span of days present, and each value's index into them."""
    lo, hi = int(days.min()), int(days.max())
    span = np.arange(lo, hi + 1).astype("datetime64[D]")
    return pa.array(np.datetime_as_string(span)), days - lo


def iso_timestamps(epoch_seconds: np.ndarray) -> pa.Array:
    """'YYYY-MM-DDTHH:MM:SSZ' strings (UTC) from integer epoch seconds."""
    secs = np.asarray(epoch_seconds, dtype=np.int64)
    if secs.size == 0:
        return pa.array([], pa.string())
    days, tod = np.divmod(secs, 86400)
    strings, idx = _day_strings(days)
    return pc.binary_join_element_wise(strings.take(pa.array(idx)), _times_of_day().take(pa.array(tod)), "T")


def iso_dates(epoch_days: np.ndarray) -> pa.Array:
    days = np.asarray(epoch_days, dtype=np.int64)
    if days.size == 0:
        return pa.array([], pa.string())
    strings, idx = _day_strings(days)
    return strings.take(pa.array(idx))


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded number, e.g. ('O', 42, 9) -> 'O000000042', built in Arrow."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def column_array(kind: str, values: np.ndarray | pa.Array) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if kind == "timestamp":
        return iso_timestamps(values)
    if kind == "date":
        return iso_dates(values)
    if kind == "float":
        x = np.asarray(values, dtype=np.float64)
        nan = np.isnan(x)
        return pa.array(x, type=pa.float64(), mask=nan if nan.any() else None)
    return pa.array(values, type=ARROW_TYPES[kind])


def to_arrow(contract: Contract, columns: dict[str, np.ndarray | pa.Array]) -> pa.Table:
    """A table with exactly the contract's columns, in order, with the raw export types.

    timestamp/date columns are given as epoch seconds / epoch days and become ISO strings.
    """
    missing = set(contract.column_names) - set(columns)
    extra = set(columns) - set(contract.column_names)
    if missing or extra:
        raise ValueError(f"{contract.name}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = [column_array(c.kind, columns[c.name]) for c in contract.columns]
    schema = pa.schema([pa.field(c.name, ARROW_TYPES[c.kind], nullable=True) for c in contract.columns])
    return pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, schema)], schema=schema)


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20)


def write_json(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def replace_dir_atomically(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a directory with `fill` next to `target`, then swap it in.

    A reader never sees a half-written raw/; a failure leaves the previous one intact.
    """
    with staged(Path(target)) as (stage,):
        fill(stage)
