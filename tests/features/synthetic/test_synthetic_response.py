"""The per-shopper offer-response truth: heterogeneous, observable through behaviour, valued exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from features.contracts import OFFER_KINDS
from features.synthetic import GeneratorConfig
from features.synthetic.experiment import EXPLORE_ID, designs


def _value(clean) -> pd.DataFrame:
    return pd.read_parquet(clean.raw / "truth/offer_value.parquet")


def test_every_shopper_has_a_value_per_offer_kind(clean) -> None:
    v = _value(clean)
    assert len(v) == clean.config.customers * len(OFFER_KINDS)
    assert np.allclose(v["incremental_value"], v["uplift"] * (v["order_margin"] - v["cost"]))
    discount = v[v["offer_kind"] == "discount"]
    assert np.allclose(discount["cost"], 0.15 * discount["order_price"])  # 15% off the induced order
    assert v["uplift"].between(0, 0.6).all() and (v["order_margin"] > 0).all()


def test_response_is_heterogeneous_within_segments_and_targeting_pays(clean) -> None:
    v = _value(clean)
    spread = v.groupby(["segment", "offer_kind"])["uplift"].agg(lambda x: x.std() / x.mean()).unstack()
    assert (spread.drop(columns="bundle") > 0.2).to_numpy().mean() > 0.9  # shoppers of one segment differ
    wide = v.pivot(index="person_id", columns="offer_kind", values="incremental_value")
    oracle = wide.clip(lower=0).max(axis=1).mean()
    assert oracle > 1.3 * wide.mean().max()  # the best single offer leaves much on the table
    seg = v.drop_duplicates("person_id").set_index("person_id")["segment"]
    best = wide.idxmax(axis=1)
    assert (best.groupby(seg).nunique() >= 3).all()  # the best kind differs within a segment
    means = pd.read_parquet(clean.raw / "truth/offer_response.parquet").set_index(["segment", "offer_kind"])
    assert np.allclose(means["uplift"].sort_index(), v.groupby(["segment", "offer_kind"])["uplift"].mean().sort_index())


def test_explored_units_convert_as_their_true_uplift_says(clean) -> None:
    truth = json.loads((clean.raw / "truth/explore.json").read_text())
    for kind in OFFER_KINDS:
        assert truth["att_conversion_by_variant"][kind] >= 0
        # the sample's realised incremental conversion tracks the mean true uplift of its units
        assert abs(truth["att_conversion_by_variant"][kind] - truth["true_uplift_parameter_mean_by_variant"][kind]) < 0.1


def test_observable_traits_drive_the_response(clean) -> None:
    """Points work for loyalty members and free shipping for app users: behaviour reveals both."""
    rows = clean.rows("""
        WITH acc AS (SELECT person_id, bool_or(customer_ref LIKE 'loyalty:%') AS member,
                            bool_or(customer_ref LIKE 'app:%') AS app
                     FROM truth_identities GROUP BY person_id)
        SELECT v.offer_kind, CASE WHEN v.offer_kind = 'points' THEN a.member ELSE a.app END AS has,
               avg(v.uplift) FROM truth_offer_value v JOIN acc a USING (person_id)
        WHERE v.offer_kind IN ('points', 'free_shipping') GROUP BY ALL""")
    mean = {(k, h): u for k, h, u in rows}
    assert mean[("points", True)] > 10 * mean[("points", False)]
    assert mean[("free_shipping", True)] > 5 * mean[("free_shipping", False)]


def test_small_and_larger_presets_run_six_exploration_waves() -> None:
    for preset in ("small", "medium", "large"):
        explore = [d for d in designs(GeneratorConfig.preset(preset)) if d.experiment_id.startswith(EXPLORE_ID)]
        assert [d.experiment_id for d in explore][:2] == [EXPLORE_ID, f"{EXPLORE_ID}-r2"] and len(explore) == 6
        ends = [d.end_day for d in explore]
        assert all(b <= a - 28 for a, b in zip(ends, ends[1:]))  # never overlapping
    assert len(designs(GeneratorConfig.preset("tiny"))) == 2  # tiny: one wave (history is short)
