"""--bad-row-rate: every fault type is injected, recorded as truth, and really is a fault."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.contracts import CONTRACTS
from features.synthetic.faults import PLAN, FaultLog, inject


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _faults(gen) -> list[dict]:
    return pq.read_table(gen.raw / "truth/faults.parquet").to_pylist()


def test_clean_run_has_no_faults(clean) -> None:
    assert _faults(clean) == []


def test_every_fault_type_per_table_and_rate(faulty) -> None:
    faults = _faults(faulty)
    counts = faulty.manifest["faults"]
    for table, plan in PLAN.items():
        assert set(counts[table]) == set(plan), table
        n = faulty.manifest["row_counts"][table]
        share = sum(counts[table].values()) / n
        assert 0.8 * faulty.config.bad_row_rate < share < 1.05 * faulty.config.bad_row_rate, table
    assert len(faults) == sum(sum(v.values()) for v in counts.values())
    assert not set(counts) - set(PLAN)


@pytest.mark.parametrize("table", list(PLAN))
def test_each_recorded_fault_is_in_the_file(faulty, table: str) -> None:
    data = pq.read_table(faulty.raw / f"{table}.parquet").to_pylist()
    skus = set(pq.read_table(faulty.raw / "products.parquet")["sku"].to_pylist())
    key = CONTRACTS[table].key
    first_seen: dict[tuple, int] = {}
    for i, row in enumerate(data):
        first_seen.setdefault(tuple(row[k] for k in key), i)
    faulted = set()
    for f in (f for f in _faults(faulty) if f["table"] == table):
        row = data[f["row"]]
        faulted.add(f["row"])
        assert json.loads(f["key"]) == {k: row[k] for k in key}
        if f["fault"] == "missing_key":
            assert row[f["column"]] is None
        elif f["fault"] == "negative_qty":
            assert row[f["column"]] < 0
            if table == "transactions":
                assert row["returned"] is False
        elif f["fault"] == "unparseable_timestamp":
            assert not _parses(row[f["column"]])
        elif f["fault"] == "unknown_sku":
            assert row["sku"] not in skus
        elif f["fault"] == "duplicate_id":
            assert first_seen[tuple(row[k] for k in key)] < f["row"]
        else:
            pytest.fail(f"unexpected fault {f['fault']}")
    # Rows without a recorded fault are clean: unique keys, no nulls in keys.
    clean_keys = [tuple(r[k] for k in key) for i, r in enumerate(data) if i not in faulted]
    assert len(clean_keys) == len(set(clean_keys))
    assert all(v is not None for k in clean_keys for v in k)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 300), rate=st.floats(0.0, 0.5), seed=st.integers(0, 2**32 - 1))
def test_inject_counts_add_up(n: int, rate: float, seed: int) -> None:
    """Property: about rate*n faults, every original row survives in order, each fault is logged once."""
    rng = np.random.default_rng(seed)
    ids = [f"EV{i:06d}" for i in range(n)]
    table = pa.table({
        "event_id": ids, "ts": ["2024-01-01T00:00:00Z"] * n, "customer_ref": [None] * n,
        "device_id": ["d"] * n, "channel": ["web"] * n, "type": ["view"] * n, "sku": ["SKU-000001"] * n,
        "query": pa.nulls(n, pa.string()), "device_type": ["mobile"] * n, "os": ["ios"] * n,
        "source": ["organic"] * n})
    log = FaultLog()
    out = inject("events", table, rate, rng, log)
    k = int(round(rate * n))
    assert len(log.rows) in (k, k - 1)  # a duplicate needs an earlier clean row to copy
    dup = sum(r["fault"] == "duplicate_id" for r in log.rows)
    assert out.num_rows == n + dup
    assert len({r["row"] for r in log.rows}) == len(log.rows)
    kept = [v for i, v in enumerate(out["event_id"].to_pylist()) if i not in {r["row"] for r in log.rows}]
    faulted_in_place = {r["row"] for r in log.rows if r["fault"] != "duplicate_id"}
    assert len(kept) == n - len(faulted_in_place)
    assert kept == sorted(kept)
