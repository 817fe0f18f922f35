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


def inject(name: str, table: pa.Table, rate: float, rng: np.random.Generator, log: FaultLog) -> pa.Table:
    """Give about `rate` of the rows one fault each; returns the faulted table and logs each fault."""
    plan = PLAN.get(name)
    n = table.num_rows
    k = int(round(rate * n))
    if not plan or k == 0 or n < 2:
        return table
    types = list(plan)
    counts = np.bincount(rng.permutation(np.arange(k) % len(types)), minlength=len(types))
    used = np.zeros(n, dtype=bool)
    in_place: list[tuple[np.ndarray, pa.Table, str, list[str], list[str]]] = []
    inserts: list[tuple[np.ndarray, pa.Table, str, list[str], list[str]]] = []
    for fault, count in zip(types, counts):
        if count == 0:
            continue
        pool = np.flatnonzero(_eligible(name, table, fault) & ~used)
        src = np.sort(rng.choice(pool, size=min(int(count), pool.size), replace=False))
        used[src] = True
        sub = table.take(pa.array(src))
        insert = fault == DUPLICATE_ID or name in INSERTED
        if insert and fault != DUPLICATE_ID:
            sub = _fresh_ids(name, sub, start=sum(len(x[0]) for x in inserts))
        sub, cols, details = _corrupt(name, fault, sub, rng)
        (inserts if insert else in_place).append((src, sub, fault, cols, details))
    for src, sub, *_ in in_place:
        for col in sub.schema.names:
            if not sub[col].equals(table[col].take(pa.array(src))):
                mask = np.zeros(n, dtype=bool)
                mask[src] = True
                table = _set(table, col, pc.replace_with_mask(table[col].combine_chunks(), pa.array(mask),
                                                              sub[col].combine_chunks()))
    # Inserted rows go right after their source row; compute everyone's final position.
    ins_src = np.concatenate([x[0] for x in inserts]) if inserts else np.zeros(0, np.int64)
    position = np.concatenate([np.arange(n, dtype=float), ins_src + 0.5])
    order = np.argsort(position, kind="stable")
    final = np.empty(order.size, dtype=np.int64)
    final[order] = np.arange(order.size)
    if inserts:
        table = pa.concat_tables([table, *[x[1] for x in inserts]]).take(pa.array(order))
    entries = [(final[src], fault, cols, details) for src, _, fault, cols, details in in_place]
    offset = n
    for src, sub, fault, cols, details in inserts:
        entries.append((final[offset + np.arange(len(src))], fault, cols, details))
        offset += len(src)
    key = list(CONTRACTS[name].key)
    for rows, fault, cols, details in entries:
        keys = table.select(key).take(pa.array(rows)).to_pylist()
        log.rows += [{"table": name, "row": int(r), "fault": fault, "column": c, "detail": str(d),
                      "key": json.dumps(kv, sort_keys=True)} for r, c, d, kv in zip(rows, cols, details, keys)]
    return table
