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
    spread = v.groupby(["segment", "offer_kind"])["uplift"].agg(lambda x: x.std() / x.mean())
    assert (spread > 0.2).mean() > 0.8  # shoppers of one segment differ
    wide = v.pivot(index="person_id", columns="offer_kind", values="incremental_value")
    oracle = wide.clip(lower=0).max(axis=1).mean()
    assert oracle > 1.2 * wide.mean().max()  # the best single offer leaves much on the table
    # the best kind differs between shoppers of the same segment
    seg = v.drop_duplicates("person_id").set_index("person_id")["segment"]
    best = wide.idxmax(axis=1)
    assert (best.groupby(seg).nunique() >= 3).all()


def test_explored_units_convert_as_their_true_uplift_says(clean) -> None:
    truth = json.loads((clean.raw / "truth/explore.json").read_text())
    for kind in OFFER_KINDS:
        assert truth["att_conversion_by_variant"][kind] >= 0
        # the sample's realised incremental conversion tracks the mean true uplift of its units
        assert abs(truth["att_conversion_by_variant"][kind] - truth["true_uplift_parameter_mean_by_variant"][kind]) < 0.1


def test_deal_prone_shoppers_buy_more_on_promotion(clean) -> None:
    """Discount response comes from a trait that behaviour reveals (promotion share)."""
    share = clean.value("""
        WITH u AS (SELECT t.person_id, v.uplift FROM truth_offer_value v JOIN truth_identities t
                   ON t.person_id = v.person_id WHERE v.offer_kind = 'discount'
                   GROUP BY ALL),
        tx AS (SELECT i.person_id, avg(CAST(p.promo AS DOUBLE)) AS promo_share, count(*) AS n
               FROM transactions x JOIN truth_identities i USING (customer_ref)
               JOIN prices p ON p.sku = x.sku AND p.location_id = x.location_id AND p.date = CAST(x.ts AS DATE)
               WHERE x.qty > 0 GROUP BY ALL HAVING count(*) >= 5)
        SELECT corr(u.uplift, tx.promo_share) FROM u JOIN tx USING (person_id)""")
    assert share > 0.1


def test_small_and_larger_presets_run_six_exploration_waves() -> None:
    for preset in ("small", "medium", "large"):
        explore = [d for d in designs(GeneratorConfig.preset(preset)) if d.experiment_id.startswith(EXPLORE_ID)]
        assert [d.experiment_id for d in explore][:2] == [EXPLORE_ID, f"{EXPLORE_ID}-r2"] and len(explore) == 6
        ends = [d.end_day for d in explore]
        assert all(b <= a - 28 for a, b in zip(ends, ends[1:]))  # never overlapping
    assert len(designs(GeneratorConfig.preset("tiny"))) == 2  # tiny: one wave (history is short)
