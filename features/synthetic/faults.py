"""Realistic bad rows, injected at a configured rate and recorded as truth.

About `rate` of the rows of each faultable table get exactly one fault. Each is
recorded with the table, the row index in the written file, the primary-key
values as written, the fault type and the column, so ingestion tests can check
that every fault lands in quarantine. Duplicates copy the key (a conflicting
duplicate) or the whole row (an exact duplicate) of an earlier, clean row, so a
"keep the first" rule quarantines exactly the faulted row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.contracts import CONTRACTS

MISSING_KEY, NEGATIVE_QTY, BAD_TIMESTAMP, UNKNOWN_SKU, DUPLICATE_ID = (
    "missing_key", "negative_qty", "unparseable_timestamp", "unknown_sku", "duplicate_id")
FAULT_TYPES = (MISSING_KEY, NEGATIVE_QTY, BAD_TIMESTAMP, UNKNOWN_SKU, DUPLICATE_ID)

# table -> fault type -> columns it may hit (the first applicable is drawn per row)
PLAN: dict[str, dict[str, tuple[str, ...]]] = {
    "transactions": {MISSING_KEY: ("order_id", "sku", "location_id"), NEGATIVE_QTY: ("qty",),
                     BAD_TIMESTAMP: ("ts",), UNKNOWN_SKU: ("sku",), DUPLICATE_ID: ("order_id", "line")},
    "events": {MISSING_KEY: ("event_id",), BAD_TIMESTAMP: ("ts",), UNKNOWN_SKU: ("sku",),
               DUPLICATE_ID: ("event_id",)},
    "identities": {MISSING_KEY: ("customer_ref",), BAD_TIMESTAMP: ("first_seen",),
                   DUPLICATE_ID: ("customer_ref", "source_system", "source_customer_id")},
    "inventory": {MISSING_KEY: ("location_id", "sku"), NEGATIVE_QTY: ("on_hand",), BAD_TIMESTAMP: ("ts",),
                  UNKNOWN_SKU: ("sku",), DUPLICATE_ID: ("ts", "location_id", "sku")},
    "consents": {MISSING_KEY: ("customer_ref",), BAD_TIMESTAMP: ("ts",),
                 DUPLICATE_ID: ("customer_ref", "purpose", "ts")},
    "prices": {MISSING_KEY: ("sku",), BAD_TIMESTAMP: ("date",), UNKNOWN_SKU: ("sku",),
               DUPLICATE_ID: ("sku", "location_id", "date")},
}
BAD_TIMESTAMPS = ("2024-02-30T10:00:00Z", "31/12/2023 25:61", "not-a-date", "2024-13-01T00:00:00Z",
                  "0000-00-00 00:00:00", "yesterday")
BAD_DATES = ("2024-02-30", "31.12.2023", "n/a", "2024-13-01")


@dataclass
class FaultLog:
    table: list[str]
    row: list[int]
    fault: list[str]
    column: list[str]
    detail: list[str]
    key: list[str]

    @classmethod
    def empty(cls) -> FaultLog:
        return cls([], [], [], [], [], [])

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for t, f in zip(self.table, self.fault):
            out.setdefault(t, {}).setdefault(f, 0)
            out[t][f] += 1
        return {t: dict(sorted(v.items())) for t, v in sorted(out.items())}

    def to_arrow(self) -> pa.Table:
        return pa.table({"table": pa.array(self.table, pa.string()), "row": pa.array(self.row, pa.int64()),
                         "fault": pa.array(self.fault, pa.string()), "column": pa.array(self.column, pa.string()),
                         "detail": pa.array(self.detail, pa.string()), "key": pa.array(self.key, pa.string())})


def _eligible(table: pa.Table, fault: str, column: str) -> np.ndarray:
    """Rows where this fault is meaningful (e.g. a negative qty only on a sale line)."""
    n = table.num_rows
    if fault == NEGATIVE_QTY and table.schema.names[0] == "order_id":
        return (np.asarray(table["qty"]) > 0) & ~np.asarray(table["returned"])
    if fault == NEGATIVE_QTY:
        return np.asarray(table[column]) > 0
    if fault == UNKNOWN_SKU:
        return np.asarray(pc.is_valid(table["sku"]))
    return np.ones(n, dtype=bool)


def inject(name: str, table: pa.Table, rate: float, rng: np.random.Generator, log: FaultLog) -> pa.Table:
    """Give about `rate` of the rows one fault each; returns the faulted table."""
    plan = PLAN.get(name)
    n = table.num_rows
    k = int(round(rate * n))
    if not plan or k == 0 or n < 2:
        return table
    rows = np.sort(rng.choice(n, size=k, replace=False))
    types = list(plan)
    kind = np.array(types, dtype=object)[rng.permutation(np.arange(k) % len(types))]
    faulted = np.zeros(n, dtype=bool)
    faulted[rows] = True
    clean = np.flatnonzero(~faulted)
    take_idx = np.arange(n)
    key_take = np.arange(n)
    details = np.full(k, "", dtype=object)
    columns = np.empty(k, dtype=object)
    changes: dict[str, tuple[np.ndarray, pa.Array]] = {}
    for fault in types:
        sel = np.flatnonzero(kind == fault)
        cols = plan[fault]
        if fault == DUPLICATE_ID:
            n_before = np.searchsorted(clean, rows[sel])
            ok = n_before > 0
            sel = sel[ok]
            src = clean[(rng.random(sel.size) * n_before[ok]).astype(np.int64)]
            exact = rng.random(sel.size) < 0.5
            take_idx[rows[sel[exact]]] = src[exact]
            key_take[rows[sel[~exact]]] = src[~exact]
            details[sel] = [f"{'exact' if e else 'conflicting'} duplicate of row {s}" for e, s in zip(exact, src)]
            columns[sel] = ",".join(CONTRACTS[name].key)
            kind[np.flatnonzero(kind == fault)[~ok]] = None  # row 0: nothing earlier to copy
            continue
        col = cols[int(rng.integers(0, len(cols)))] if fault == MISSING_KEY else cols[0]
        ok = _eligible(table, fault, col)[rows[sel]]
        kind[sel[~ok]] = None
        sel = sel[ok]
        columns[sel] = col if fault != MISSING_KEY else None
        if fault == MISSING_KEY:
            # each row may null a different required key column
            which = np.array(cols, dtype=object)[rng.integers(0, len(cols), sel.size)]
            columns[sel] = which
            for c in cols:
                r = rows[sel[which == c]]
                changes.setdefault(c, (np.zeros(0, np.int64), pa.array([], table[c].type)))
                _add(changes, c, r, pa.nulls(r.size, table[c].type))
        elif fault == NEGATIVE_QTY:
            vals = np.asarray(table[col])[rows[sel]]
            _add(changes, col, rows[sel], pa.array(-np.abs(vals), pa.int64()))
            details[sel] = "negative quantity on a line that is not a return" if name == "transactions" else "negative stock"
        elif fault == BAD_TIMESTAMP:
            pool = BAD_DATES if CONTRACTS[name].column(col).kind == "date" else BAD_TIMESTAMPS
            vals = np.array(pool, dtype=object)[rng.integers(0, len(pool), sel.size)]
            _add(changes, col, rows[sel], pa.array(vals, pa.string()))
            details[sel] = vals
        elif fault == UNKNOWN_SKU:
            vals = np.array([f"SKU-X{v:07d}" for v in rng.integers(0, 10**7, sel.size)], dtype=object)
            _add(changes, col, rows[sel], pa.array(vals, pa.string()))
    table = table.take(pa.array(take_idx))
    key_cols = CONTRACTS[name].key
    if (key_take != np.arange(n)).any():
        for c in key_cols:
            i = table.schema.get_field_index(c)
            table = table.set_column(i, c, table[c].take(pa.array(key_take)))
    for c, (r, vals) in changes.items():
        if r.size == 0:
            continue
        order = np.argsort(r, kind="stable")
        mask = np.zeros(n, dtype=bool)
        mask[r] = True
        i = table.schema.get_field_index(c)
        arr = pc.replace_with_mask(table[c].combine_chunks(), pa.array(mask), vals.take(pa.array(order)))
        table = table.set_column(i, c, arr)
    keep = kind != None  # noqa: E711
    done = rows[keep]
    key_values = table.select(list(key_cols)).take(pa.array(done)).to_pylist()
    log.table += [name] * done.size
    log.row += done.tolist()
    log.fault += list(kind[keep])
    log.column += [str(c) for c in columns[keep]]
    log.detail += [str(d) for d in details[keep]]
    log.key += [json.dumps(kv, sort_keys=True) for kv in key_values]
    return table


def _add(changes: dict[str, tuple[np.ndarray, pa.Array]], column: str, rows: np.ndarray, values: pa.Array) -> None:
    old_rows, old_vals = changes.get(column, (np.zeros(0, np.int64), values.slice(0, 0)))
    changes[column] = (np.concatenate([old_rows, rows]), pa.concat_arrays([old_vals.cast(values.type), values]))
