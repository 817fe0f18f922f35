"""Per-unit outcomes from the platform's own exposures and transactions.

For each unit exposed to an experiment: its variant, the channel and time of its
first exposure, and what it bought in the outcome window [first exposure,
first exposure + window) -- revenue net of discounts (and of returns unless
purchases_only), orders, refunds, whether it converted -- plus the same over a pre-period window before the
first exposure, which CUPED uses as covariates. The work is one DuckDB query
over the validated Parquet tables (contracts `exposures` and `transactions`).

Units are the exposures' `unit_id`. If an identity map (customer_ref ->
customer_id) is given, transactions and exposures are both mapped through it,
so a shopper's purchases in every channel count towards their one unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.paths import table_file


class OutcomeError(OmnicastError):
    """Exposures or transactions are missing or cannot produce outcomes."""


@dataclass(frozen=True)
class OutcomeWindow:
    """How long after (and before) first exposure purchases count."""

    days: float = 14.0
    pre_days: float = 28.0
    complete_only: bool = True  # drop units whose window runs past the end of the data
    end: pd.Timestamp | None = None  # fixed end of the outcome period (e.g. the experiment's end)
    purchases_only: bool = False  # count purchase lines only (returns not netted off)

    def __post_init__(self) -> None:
        if not self.days > 0:
            raise OutcomeError(f"the outcome window must be longer than 0 days (days of outcomes after first exposure), got {self.days:g}")
        if not self.pre_days >= 0:
            raise OutcomeError(f"pre_days must be >= 0 (days of pre-period covariate), got {self.pre_days:g}")


@dataclass
class UnitOutcomes:
    """One row per unit, and what was dropped on the way (with counts)."""

    units: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    data_end: pd.Timestamp | None = None


_CTES = """
WITH exposed AS (
    SELECT coalesce(m.customer_id, e.unit_id) AS unit_id, e.variant, e.ts, e.channel
    FROM exposures e LEFT JOIN idmap m ON m.customer_ref = e.unit_id
    WHERE e.experiment_id = $experiment
),
units AS (
    SELECT unit_id,
           arg_min(variant, ts) AS variant,
           count(DISTINCT variant) AS n_variants,
           min(ts) AS first_ts,
           arg_min(coalesce(channel, '(unknown)'), ts) AS channel
    FROM exposed GROUP BY unit_id
),
lines AS (
    SELECT coalesce(m.customer_id, t.customer_ref) AS unit_id, t.order_id, t.ts, t.returned,
           t.qty * t.unit_price - sign(t.qty) * t.discount AS amount
    FROM transactions t LEFT JOIN idmap m ON m.customer_ref = t.customer_ref
    WHERE t.customer_ref IS NOT NULL
),
windows AS (
    SELECT *, CASE WHEN $end IS NULL THEN first_ts + $window ELSE least(first_ts + $window, $end) END AS window_end
    FROM units
)
"""

OUTCOME_SQL = _CTES + """
SELECT u.unit_id, u.variant, u.n_variants, u.first_ts, u.window_end, u.channel,
       coalesce(sum(l.amount) FILTER (WHERE l.ts >= u.first_ts AND l.ts < u.window_end
                                        AND (NOT $purchases_only OR NOT l.returned)), 0) AS revenue,
       count(DISTINCT l.order_id) FILTER (WHERE l.ts >= u.first_ts AND l.ts < u.window_end AND NOT l.returned) AS orders,
       coalesce(-sum(l.amount) FILTER (WHERE l.ts >= u.first_ts AND l.ts < u.window_end AND l.returned), 0) AS refunds,
       coalesce(sum(l.amount) FILTER (WHERE l.ts >= u.first_ts - $pre AND l.ts < u.first_ts), 0) AS pre_revenue,
       count(DISTINCT l.order_id) FILTER (WHERE l.ts >= u.first_ts - $pre AND l.ts < u.first_ts AND NOT l.returned) AS pre_orders
FROM windows u LEFT JOIN lines l ON l.unit_id = u.unit_id
GROUP BY ALL
ORDER BY u.unit_id
"""


# Sufficient statistics per daily look: units exposed before the look, purchases counted up
# to the look (or the unit's window end). What an analyst peeking that day would have seen.
DAILY_SQL = _CTES + """,
clean AS (SELECT * FROM windows WHERE n_variants = 1),
looks AS (
    SELECT CAST(range AS TIMESTAMPTZ) AS look
    FROM range(
        CAST(date_trunc('day', (SELECT min(first_ts) FROM clean)) AS TIMESTAMP) + INTERVAL 1 DAY,
        CAST(date_trunc('day', (SELECT least(max(window_end), $data_end) FROM clean)) AS TIMESTAMP) + INTERVAL 2 DAY,
        INTERVAL 1 DAY)
),
per_unit AS (
    SELECT k.look, u.unit_id, u.variant,
           coalesce(sum(l.amount) FILTER (WHERE NOT $purchases_only OR NOT l.returned), 0) AS revenue,
           count(DISTINCT l.order_id) FILTER (WHERE NOT l.returned) AS orders
    FROM looks k JOIN clean u ON u.first_ts < k.look
    LEFT JOIN lines l ON l.unit_id = u.unit_id AND l.ts >= u.first_ts AND l.ts < least(u.window_end, k.look)
    GROUP BY ALL
)
SELECT look, variant, count(*) AS n,
       sum(revenue) AS revenue_sum, sum(revenue * revenue) AS revenue_ss,
       sum(CAST(orders > 0 AS INTEGER)) AS converted_sum, sum(CAST(orders > 0 AS INTEGER)) AS converted_ss
FROM per_unit GROUP BY ALL ORDER BY look, variant
"""


def _table(validated_dir: Path, name: str) -> Path:
    path = table_file(validated_dir, name)
    if not path.exists():
        raise OutcomeError(f"validated table {name} not found at {path}; run `omnicast data ingest` first")
    return path


def _run(validated_dir: Path, experiment_id: str, window: OutcomeWindow, identity_map: pd.DataFrame | None,
         sql: str) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Run one outcome query over the validated tables; (result, end of the transaction data)."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE VIEW exposures AS SELECT * FROM read_parquet('{_table(validated_dir, 'exposures')}')")
        con.execute(f"CREATE VIEW transactions AS SELECT * FROM read_parquet('{_table(validated_dir, 'transactions')}')")
        idmap = identity_map if identity_map is not None else pd.DataFrame({"customer_ref": [], "customer_id": []}, dtype="string")
        con.register("idmap", idmap[["customer_ref", "customer_id"]])
        row = con.execute("SELECT max(ts) FROM transactions").fetchone()
        data_end = row[0] if row else None
        params = {
            "experiment": experiment_id,
            "window": pd.Timedelta(days=window.days).to_pytimedelta(),
            "pre": pd.Timedelta(days=window.pre_days).to_pytimedelta(),
            "end": None if window.end is None else _utc(window.end).to_pydatetime(),
            "purchases_only": window.purchases_only,
        }
        params["data_end"] = data_end
        out = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).df()
        if out.empty:
            known = [k[0] for k in con.execute("SELECT DISTINCT experiment_id FROM exposures ORDER BY 1").fetchall()]
            raise OutcomeError(f"no exposures for experiment {experiment_id!r}; experiments present: {known}")
    finally:
        con.close()
    return out, (_utc(data_end) if data_end is not None else None)


def unit_outcomes(
    validated_dir: Path,
    experiment_id: str,
    window: OutcomeWindow | None = None,
    identity_map: pd.DataFrame | None = None,
) -> UnitOutcomes:
    """Outcomes per exposed unit of `experiment_id` from validated Parquet tables."""
    window = window or OutcomeWindow()
    units, data_end = _run(Path(validated_dir), experiment_id, window, identity_map, OUTCOME_SQL)
    return _clean(units, window, data_end)


def daily_outcomes(
    validated_dir: Path,
    experiment_id: str,
    window: OutcomeWindow | None = None,
    identity_map: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per daily look and variant: units so far, and sum / sum of squares of revenue and conversion."""
    window = window or OutcomeWindow()
    daily, _ = _run(Path(validated_dir), experiment_id, window, identity_map, DAILY_SQL)
    daily["look"] = pd.to_datetime(daily["look"], utc=True)
    return daily


def _utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _clean(units: pd.DataFrame, window: OutcomeWindow, data_end: pd.Timestamp | None) -> UnitOutcomes:
    dropped: dict[str, int] = {}
    mixed = units["n_variants"] > 1
    dropped["saw more than one variant"] = int(mixed.sum())
    units = units[~mixed]
    if window.complete_only and data_end is not None:
        incomplete = pd.to_datetime(units["window_end"], utc=True) > _utc(data_end)
        dropped["outcome window not yet complete"] = int(incomplete.sum())
        units = units[~incomplete.to_numpy()]
    if units.empty:
        raise OutcomeError(
            f"no unit has a complete {window.days:g}-day outcome window before the data ends ({data_end}); "
            "use a shorter window"
        )
    units = units.drop(columns=["n_variants", "window_end"]).assign(
        first_ts=lambda d: pd.to_datetime(d["first_ts"], utc=True),converted=lambda d: (d["orders"] > 0).astype(int))
    return UnitOutcomes(units=units.reset_index(drop=True), dropped=dropped, data_end=data_end)
