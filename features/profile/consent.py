"""Consent timeline per customer: the decision in force for each purpose.

A person may have decided through several source ids (web account, loyalty
card); the most recent decision for a purpose wins, whichever id expressed it.
No recorded decision means no consent. One row per customer and decision time,
so the latest row is what serving must honour.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from features.contracts import CONSENT_PURPOSES


def build_consent(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Rows (customer_id, event_timestamp, consent_<purpose>...) at every decision time."""
    cut = f"AND c.ts < TIMESTAMPTZ '{as_of.isoformat()}'" if as_of is not None else ""
    joins = []
    cols = []
    for p in CONSENT_PURPOSES:
        joins.append(
            f"ASOF LEFT JOIN (SELECT * FROM decisions WHERE purpose = '{p}') d_{p} "
            f"ON s.customer_id = d_{p}.customer_id AND s.ts >= d_{p}.ts"
        )
        cols.append(f"coalesce(d_{p}.granted, FALSE) AS consent_{p}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE decisions AS
        SELECT m.customer_id, c.purpose, c.ts,
               -- two decisions at the same instant: refusal wins (the cautious reading)
               bool_and(c.granted) AS granted
        FROM consents c JOIN identity_map m USING (customer_ref)
        WHERE TRUE {cut}
        GROUP BY ALL
        """
    )
    return con.execute(
        f"""
        SELECT s.customer_id, s.ts AS event_timestamp, {", ".join(cols)}
        FROM (SELECT DISTINCT customer_id, ts FROM decisions) s
        {" ".join(joins)}
        ORDER BY s.customer_id, s.ts
        """
    ).df()
