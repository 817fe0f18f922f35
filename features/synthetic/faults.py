"""Realistic bad rows, injected at a configured rate and recorded as truth.

About `rate` of the rows of each faultable table carry exactly one fault. Each
is recorded with the table, its row index in the written file, its primary-key
values as written, the fault type and the column, so ingestion tests can check
that every fault lands in quarantine.

- Fact tables (transactions, events, inventory, prices) are corrupted in place:
  a missing key, a negative quantity that is not a return, an unparseable
  timestamp, an unknown SKU.
- Duplicates are re-exported copies of an earlier clean row, inserted right
  after it: exact copies or conflicting ones (same key, a different value), so a
  "keep the first" rule quarantines exactly the faulted copy.
- Identities and consents get their faults as extra rows (corrupted copies with
  fresh ids), so a fault never silently removes a shopper that other tables
  refer to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.contracts import CONTRACTS

MISSING_KEY, NEGATIVE_QTY, BAD_TIMESTAMP, UNKNOWN_SKU, DUPLICATE_ID = (
    "missing_key", "negative_qty", "unparseable_timestamp", "unknown_sku", "duplicate_id")
FAULT_TYPES = (MISSING_KEY, NEGATIVE_QTY, BAD_TIMESTAMP, UNKNOWN_SKU, DUPLICATE_ID)

# table -> fault type -> the column(s) it hits (missing_key draws one per row)
PLAN: dict[str, dict[str, tuple[str, ...]]] = {
    "transactions": {MISSING_KEY: ("order_id", "sku", "location_id"), NEGATIVE_QTY: ("qty",),
                     BAD_TIMESTAMP: ("ts",), UNKNOWN_SKU: ("sku",), DUPLICATE_ID: ("unit_price",)},
    "events": {MISSING_KEY: ("event_id",), BAD_TIMESTAMP: ("ts",), UNKNOWN_SKU: ("sku",),
               DUPLICATE_ID: ("source",)},
    "inventory": {MISSING_KEY: ("location_id", "sku"), NEGATIVE_QTY: ("on_hand",), BAD_TIMESTAMP: ("ts",),
                  UNKNOWN_SKU: ("sku",), DUPLICATE_ID: ("on_hand",)},
    "prices": {MISSING_KEY: ("sku",), BAD_TIMESTAMP: ("date",), UNKNOWN_SKU: ("sku",),
               DUPLICATE_ID: ("price",)},
    "identities": {MISSING_KEY: ("customer_ref",), BAD_TIMESTAMP: ("first_seen",),
                   DUPLICATE_ID: ("device_id",)},
    "consents": {MISSING_KEY: ("customer_ref",), BAD_TIMESTAMP: ("ts",), DUPLICATE_ID: ("granted",)},
}
INSERTED = {"identities", "consents"}  # faults arrive as extra rows
BAD_TIMESTAMPS = ("2024-02-30T10:00:00Z", "31/12/2023 25:61", "not-a-date", "2024-13-01T00:00:00Z",
                  "0000-00-00 00:00:00", "yesterday")
BAD_DATES = ("2024-02-30", "31.12.2023", "n/a", "2024-13-01")


@dataclass
class FaultLog:
    """One entry per faulted row, across tables (written to truth/faults.parquet)."""

    rows: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            by_type = out.setdefault(r["table"], {})
            by_type[r["fault"]] = by_type.get(r["fault"], 0) + 1
        return {t: dict(sorted(v.items())) for t, v in sorted(out.items())}

    def to_arrow(self) -> pa.Table:
        cols = ("table", "row", "fault", "column", "detail", "key")
        types = (pa.string(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string())
        return pa.table({c: pa.array([r[c] for r in self.rows], t) for c, t in zip(cols, types)})


def _eligible(name: str, table: pa.Table, fault: str) -> np.ndarray:
    """Rows where a fault is meaningful: a negative qty only on a sale line, an unknown SKU where one is set."""
    if fault == NEGATIVE_QTY and name == "transactions":
        return (np.asarray(table["qty"]) > 0) & ~np.asarray(table["returned"])
    if fault == NEGATIVE_QTY:
        return np.asarray(table[PLAN[name][fault][0]]) > 0
    if fault == UNKNOWN_SKU:
        return np.asarray(pc.is_valid(table["sku"]))
    return np.ones(table.num_rows, dtype=bool)


def _set(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    i = table.schema.get_field_index(column)
    return table.set_column(i, column, values.cast(table.schema.field(column).type))


def _corrupt(name: str, fault: str, sub: pa.Table, rng: np.random.Generator) -> tuple[pa.Table, list[str], list[str]]:
    """Apply one fault to every row of `sub`; returns it with the column hit and a detail per row."""
    k = sub.num_rows
    cols = PLAN[name][fault]
    if fault == MISSING_KEY:
        which = np.array(cols, dtype=object)[rng.integers(0, len(cols), k)]
        for c in cols:
            sub = _set(sub, c, pc.if_else(pa.array(which == c), pa.nulls(k, sub[c].type), sub[c]))
        return sub, list(which), ["required key is null"] * k
    col = cols[0]
    if fault == NEGATIVE_QTY:
        sub = _set(sub, col, pc.negate(pc.abs(sub[col])))
        what = "negative quantity on a line that is not a return" if name == "transactions" else "negative stock"
        return sub, [col] * k, [what] * k
    if fault == BAD_TIMESTAMP:
        pool = BAD_DATES if CONTRACTS[name].column(col).kind == "date" else BAD_TIMESTAMPS
        vals = [pool[i] for i in rng.integers(0, len(pool), k)]
        return _set(sub, col, pa.array(vals, pa.string())), [col] * k, vals
    if fault == UNKNOWN_SKU:
        vals = [f"SKU-X{v:07d}" for v in rng.integers(0, 10**7, k)]
        return _set(sub, col, pa.array(vals, pa.string())), [col] * k, ["sku not in the catalogue"] * k
    # Duplicate: half exact copies, half conflicting (same key, another value).
    conflicting = rng.random(k) < 0.5
    mask = pa.array(conflicting)
    c = sub[col]
    if pa.types.is_boolean(c.type):
        changed = pc.invert(c)
    elif pa.types.is_integer(c.type):
        changed = pc.add(c, 1)
    elif pa.types.is_floating(c.type):
        changed = pc.round(pc.multiply(c, 1.1), 2)
    else:
        changed = pa.array([f"replay-{i}" for i in range(k)], pa.string())
    sub = _set(sub, col, pc.if_else(mask, changed, c))
    return sub, [",".join(CONTRACTS[name].key)] * k, [
        "conflicting duplicate" if x else "exact duplicate" for x in conflicting]


def _fresh_ids(name: str, sub: pa.Table, start: int) -> pa.Table:
    """New identity ids for corrupted copies, so they never collide with a real shopper."""
    if name != "identities":
        return sub
    sid = pa.array([f"X{start + i:09d}" for i in range(sub.num_rows)], pa.string())
    sub = _set(sub, "source_customer_id", sid)
    return _set(sub, "customer_ref", pc.binary_join_element_wise(sub["source_system"], sid, ":"))


@dataclass
class _Batch:
    """Rows of one fault type: source rows in the clean table and their corrupted version."""

    src: np.ndarray
    rows: pa.Table
    fault: str
    columns: list[str]
    details: list[str]


def inject(name: str, table: pa.Table, rate: float, rng: np.random.Generator, log: FaultLog) -> pa.Table:
    """Give about `rate` of the rows one fault each; returns the faulted table and logs each fault."""
    plan = PLAN.get(name)
    k = int(round(rate * table.num_rows))
    if not plan or k == 0 or table.num_rows < 2:
        return table
    in_place, inserted = _corrupt_batches(name, table, k, rng)
    table = _apply_in_place(table, in_place)
    table, final = _insert_after_source(table, inserted)
    n = len(final) - sum(b.src.size for b in inserted)
    offsets = np.cumsum([n] + [b.src.size for b in inserted])
    placed = [(final[b.src], b) for b in in_place]
    placed += [(final[start + np.arange(b.src.size)], b) for start, b in zip(offsets, inserted)]
    key = list(CONTRACTS[name].key)
    for rows, b in placed:
        keys = table.select(key).take(pa.array(rows)).to_pylist()
        log.rows += [{"table": name, "row": int(r), "fault": b.fault, "column": c, "detail": str(d),
                      "key": json.dumps(kv, sort_keys=True)} for r, c, d, kv in zip(rows, b.columns, b.details, keys)]
    return table


def _corrupt_batches(name: str, table: pa.Table, k: int,
                     rng: np.random.Generator) -> tuple[list[_Batch], list[_Batch]]:
    """Split k faults evenly over the table's fault types; pick distinct eligible rows and corrupt copies."""
    types = list(PLAN[name])
    counts = np.bincount(rng.permutation(np.arange(k) % len(types)), minlength=len(types))
    used = np.zeros(table.num_rows, dtype=bool)
    in_place: list[_Batch] = []
    inserted: list[_Batch] = []
    for fault, count in zip(types, counts):
        pool = np.flatnonzero(_eligible(name, table, fault) & ~used)
        src = np.sort(rng.choice(pool, size=min(int(count), pool.size), replace=False))
        if src.size == 0:
            continue
        used[src] = True
        rows = table.take(pa.array(src))
        insert = fault == DUPLICATE_ID or name in INSERTED
        if insert and fault != DUPLICATE_ID:
            rows = _fresh_ids(name, rows, start=sum(b.src.size for b in inserted))
        rows, cols, details = _corrupt(name, fault, rows, rng)
        (inserted if insert else in_place).append(_Batch(src, rows, fault, cols, details))
    return in_place, inserted


def _apply_in_place(table: pa.Table, batches: list[_Batch]) -> pa.Table:
    """Overwrite the corrupted columns at the source rows."""
    for b in batches:
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[b.src] = True
        for col in b.rows.schema.names:
            if not b.rows[col].equals(table[col].take(pa.array(b.src))):
                values = pc.replace_with_mask(table[col].combine_chunks(), pa.array(mask), b.rows[col].combine_chunks())
                table = _set(table, col, values)
    return table


def _insert_after_source(table: pa.Table, batches: list[_Batch]) -> tuple[pa.Table, np.ndarray]:
    """Insert each batch's rows right after its source row; returns the table and every row's final index
    (original rows first, then the inserted ones in batch order)."""
    n = table.num_rows
    src = np.concatenate([b.src for b in batches]) if batches else np.zeros(0, np.int64)
    order = np.argsort(np.concatenate([np.arange(n, dtype=float), src + 0.5]), kind="stable")
    final = np.empty(order.size, dtype=np.int64)
    final[order] = np.arange(order.size)
    if batches:
        table = pa.concat_tables([table, *[b.rows for b in batches]]).take(pa.array(order))
    return table, final
