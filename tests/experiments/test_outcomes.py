"""Per-unit outcomes from exposures + transactions over the exposure window."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.outcomes import OutcomeError, OutcomeWindow, unit_outcomes

T0 = pd.Timestamp("2026-03-01", tz="UTC")


def _write(tmp: Path, exposures: list[tuple], lines: list[tuple]) -> Path:
    pd.DataFrame(exposures, columns=["experiment_id", "unit_id", "variant", "ts", "channel"]).to_parquet(tmp / "exposures.parquet")
    tx = pd.DataFrame(lines, columns=["order_id", "line", "customer_ref", "qty", "unit_price", "discount", "ts", "returned"])
    tx["channel"], tx["location_id"], tx["sku"], tx["fulfilment"] = "web", "L1", "S1", "ship"
    tx.to_parquet(tmp / "transactions.parquet")
    return tmp


def day(n: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(days=n)


@pytest.fixture
def validated(tmp_path: Path) -> Path:
    exposures = [
        ("e", "web:a", "control", day(0), "web"),
        ("e", "web:a", "control", day(3), "app"),  # second exposure: first one counts
        ("e", "web:b", "treatment", day(1), "app"),
        ("e", "web:c", "control", day(2), "web"),
        ("e", "web:c", "treatment", day(4), "web"),  # saw both: dropped
        ("e", "web:late", "treatment", day(25), "web"),  # window not complete
        ("other", "web:a", "x", day(0), "web"),
    ]
    lines = [
        ("o1", 1, "web:a", 2, 10.0, 1.0, day(-5), False),  # pre-period
        ("o2", 1, "web:a", 1, 30.0, 0.0, day(1), False),  # in window
        ("o2", 2, "web:a", 1, 5.0, 0.0, day(1), False),
        ("o3", 1, "web:a", -1, 5.0, 0.0, day(2), True),  # a return in window
        ("o4", 1, "web:a", 1, 99.0, 0.0, day(15), False),  # after the 14-day window
        ("o5", 1, "web:b", 3, 20.0, 6.0, day(2), False),
        ("o6", 1, None, 1, 50.0, 0.0, day(2), False),  # guest
        ("o7", 1, "pos:b2", 1, 40.0, 0.0, day(3), False),  # b's store account
        ("o8", 1, "web:c", 1, 10.0, 0.0, day(30), False),  # ends the data
    ]
    return _write(tmp_path, exposures, lines)


def test_outcomes_over_the_window(validated: Path) -> None:
    out = unit_outcomes(validated, "e")
    units = out.units.set_index("unit_id")
    assert sorted(units.index) == ["web:a", "web:b"]
    assert out.dropped == {"saw more than one variant": 1, "outcome window not yet complete": 1}
    a, b = units.loc["web:a"], units.loc["web:b"]
    assert (a.variant, a.channel, a.first_ts) == ("control", "web", day(0))
    assert a.revenue == pytest.approx(35 - 5) and a.orders == 1 and a.refunds == pytest.approx(5)
    assert a.pre_revenue == pytest.approx(19) and a.pre_orders == 1 and a.converted == 1
    assert b.revenue == pytest.approx(54) and b.orders == 1


def test_identity_map_counts_every_channel_of_a_shopper(validated: Path) -> None:
    idmap = pd.DataFrame({"customer_ref": ["web:b", "pos:b2"], "customer_id": ["cus_b", "cus_b"]})
    units = unit_outcomes(validated, "e", identity_map=idmap).units.set_index("unit_id")
    assert units.loc["cus_b", "revenue"] == pytest.approx(54 + 40)
    assert units.loc["cus_b", "orders"] == 2


def test_fixed_end_and_purchases_only(validated: Path) -> None:
    window = OutcomeWindow(days=60, end=day(1.5), purchases_only=True)
    units = unit_outcomes(validated, "e", window).units.set_index("unit_id")
    assert units.loc["web:a", "revenue"] == pytest.approx(35)  # return on day 2 is after the end anyway
    assert units.loc["web:b", "revenue"] == 0
    assert "web:late" not in units.index or units.loc["web:late", "revenue"] == 0


def test_unknown_experiment_names_the_known_ones(validated: Path) -> None:
    with pytest.raises(OutcomeError, match=r"experiments present: \['e', 'other'\]"):
        unit_outcomes(validated, "nope")


def test_missing_tables_say_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(OutcomeError, match="omnicast data ingest"):
        unit_outcomes(tmp_path, "e")
