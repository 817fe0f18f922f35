"""The contract checks as DuckDB SQL: typed columns and the first failing reason per row.

Checks run in this order and the first that fails names the row's reason:
missing:<col>, type:<col>, not_allowed:<col>, pattern:<col>, range:<col>,
rule:<name>, unknown_reference:<col>-><table>, duplicate_key. Everything is
vectorized SQL (a projection and two UPDATEs per table); no Python touches a row.

Conventions (documented in features/ingest/__init__.py):
- a blank string counts as null (CSV has no other way to say "no value");
- an int column accepts only integral values ("1.0" yes, "1.5" no);
- a float column rejects NaN and infinities;
- timestamps without an offset are read as UTC.
"""

from __future__ import annotations

from features.contracts import Column, Contract

SQL_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
}
BLANK_PREFIX = "n__"
REASON = "_reason"


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + value.replace("'", "''") + "'"


def typed_select(contract: Contract, source_types: dict[str, str]) -> str:
    """Projection giving each column a blank flag and its value typed to the contract."""
    parts = ["_row"]
    for col in contract.columns:
        raw = q(col.name)
        value = _non_blank(raw, source_types[col.name])
        parts.append(f"({value}) IS NULL AS {q(BLANK_PREFIX + col.name)}")
        parts.append(f"{_typed(value, col, source_types[col.name])} AS {raw}")
    return ", ".join(parts)


def _non_blank(raw: str, source_type: str) -> str:
    if source_type == "VARCHAR":
        return f"CASE WHEN trim({raw}) = '' THEN NULL ELSE {raw} END"
    return raw


def _typed(value: str, col: Column, source_type: str) -> str:
    target = SQL_TYPES[col.kind]
    if source_type == target and col.kind != "float":  # a DOUBLE may still hold NaN
        return value
    if col.kind == "string":
        return f"CAST({value} AS VARCHAR)"
    if col.kind == "int":
        as_double = f"TRY_CAST({value} AS DOUBLE)"
        return (
            f"CASE WHEN isfinite({as_double}) AND {as_double} = trunc({as_double}) "
            f"THEN TRY_CAST({value} AS BIGINT) END"
        )
    if col.kind == "float":
        as_double = f"TRY_CAST({value} AS DOUBLE)"
        return f"CASE WHEN isfinite({as_double}) THEN {as_double} END"
    return f"TRY_CAST({value} AS {target})"


def row_checks(contract: Contract) -> list[tuple[str, str]]:
    """(condition that FAILS the row, reason) in check order, over typed columns."""
    checks: list[tuple[str, str]] = []
    cols = contract.columns
    for col in cols:
        if not col.nullable:
            checks.append((q(BLANK_PREFIX + col.name), f"missing:{col.name}"))
    for col in cols:
        checks.append((f"NOT {q(BLANK_PREFIX + col.name)} AND {q(col.name)} IS NULL", f"type:{col.name}"))
    for col in cols:
        if col.allowed is not None:
            values = ", ".join(lit(v) for v in col.allowed)
            checks.append((f"{q(col.name)} NOT IN ({values})", f"not_allowed:{col.name}"))
    for col in cols:
        if col.pattern is not None:
            checks.append(
                (f"NOT regexp_full_match({q(col.name)}, {lit(col.pattern)})", f"pattern:{col.name}")
            )
    for col in cols:
        bounds = []
        if col.min is not None:
            bounds.append(f"{q(col.name)} < {col.min!r}")
        if col.max is not None:
            bounds.append(f"{q(col.name)} > {col.max!r}")
        if bounds:
            checks.append(("(" + " OR ".join(bounds) + ")", f"range:{col.name}"))
    for name, expr in contract.rules:
        checks.append((f"NOT coalesce(({expr}), false)", f"rule:{name}"))
    return checks


def reference_checks(contract: Contract, accepted_view: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """Failing conditions for references, against views of the referenced ACCEPTED rows."""
    checks = []
    for col in contract.columns:
        if col.references is None:
            continue
        table, column = col.references
        view = accepted_view[(table, column)]
        checks.append(
            (
                f"{q(col.name)} IS NOT NULL AND {q(col.name)} NOT IN (SELECT {q(column)} FROM {view})",
                f"unknown_reference:{col.name}->{table}",
            )
        )
    return checks


def reason_case(checks: list[tuple[str, str]]) -> str:
    """CASE expression giving the first failing check's reason, NULL for a clean row."""
    if not checks:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN {cond} THEN {lit(reason)}" for cond, reason in checks)
    return f"CASE {whens} END"


def mark_references(checks: list[tuple[str, str]], table: str) -> str:
    """UPDATE giving clean rows whose reference does not resolve their reason.

    Kept out of the main projection on purpose: DuckDB's joins do not keep row
    order, while a projection and an UPDATE do, so the validated file needs no sort.
    """
    return f"""UPDATE {table} AS t SET {REASON} = r.ref_reason
        FROM (SELECT _row, {reason_case(checks)} AS ref_reason FROM {table}
              WHERE {REASON} IS NULL) AS r
        WHERE t._row = r._row AND r.ref_reason IS NOT NULL"""


def mark_duplicates(contract: Contract, table: str) -> str:
    """UPDATE marking every clean row whose key an earlier clean row already has.

    A hash aggregate over the keys that occur more than once, instead of a window
    over every row: duplicates are rare, so this touches almost nothing.
    """
    keys = ", ".join(q(k) for k in contract.key)
    join = " AND ".join(f"t.{q(k)} = d.{q(k)}" for k in contract.key)
    return f"""UPDATE {table} AS t SET {REASON} = 'duplicate_key'
        FROM (SELECT {keys}, min(_row) AS first_row FROM {table} WHERE {REASON} IS NULL
              GROUP BY ALL HAVING count(*) > 1) AS d
        WHERE t.{REASON} IS NULL AND {join} AND t._row <> d.first_row"""
