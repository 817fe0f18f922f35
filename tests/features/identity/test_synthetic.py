"""Identity resolution on the synthetic retailer's ground truth (tiny preset, traps included)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from features.identity import pairwise_scores, resolve
from features.identity.evaluate import linkable_pairs


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from features.synthetic import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("gen") / "raw"
    generate(GeneratorConfig.preset("tiny", seed=11, days=90), out)
    return out


def test_precision_and_recall_on_all_true_pairs_at_default_noise(raw: Path) -> None:
    identities = pd.read_parquet(raw / "identities.parquet")
    truth = pd.read_parquet(raw / "truth" / "identities.parquet")
    scores = pairwise_scores(resolve(identities).mapping, truth)
    assert scores.true_pairs > 100
    assert scores.precision >= 0.98
    assert scores.recall >= 0.98


def test_recall_of_linkable_pairs(raw: Path) -> None:
    identities = pd.read_parquet(raw / "identities.parquet")
    truth = pd.read_parquet(raw / "truth" / "identities.parquet")
    scores = pairwise_scores(resolve(identities).mapping, truth)
    assert scores.correct_pairs / linkable_pairs(identities, truth) >= 0.98


def test_every_ref_carries_a_key_except_the_unlinkable_ones(tmp_path: Path) -> None:
    """Gaps drop some keys, never all; `unlinkable_ref_rate` is the only source of lost refs."""
    from features.identity.graph import LINK_KEYS
    from features.synthetic import GeneratorConfig, generate

    for rate in (0.0, 0.2):
        out = tmp_path / f"raw-{rate}"
        generate(GeneratorConfig.preset("tiny", seed=5, days=90, unlinkable_ref_rate=rate), out)
        identities = pd.read_parquet(out / "identities.parquet")
        truth = pd.read_parquet(out / "truth" / "identities.parquet")
        assert identities[list(LINK_KEYS)].notna().any(axis=1).all()
        share_linkable = linkable_pairs(identities, truth) / pairwise_scores(truth.rename(
            columns={"person_id": "customer_id"}), truth).true_pairs
        if rate == 0.0:
            assert share_linkable >= 0.98
        else:
            assert share_linkable <= 0.85


def test_trap_devices_do_not_glue_people(raw: Path) -> None:
    identities = pd.read_parquet(raw / "identities.parquet")
    traps = json.loads((raw / "truth" / "identity_traps.json").read_text())
    shared = set(traps["kiosk_devices"]) | set(traps["shared_household_devices"])
    assert shared, "the generator should plant shared devices"
    truth = pd.read_parquet(raw / "truth" / "identities.parquet").set_index("customer_ref")["person_id"]
    mapping = resolve(identities).mapping.set_index("customer_ref")["customer_id"]
    on_trap = identities[identities["device_id"].isin(shared)]
    persons_per_customer = (
        pd.DataFrame({"customer_id": mapping[on_trap["customer_ref"]].to_numpy(),
                      "person": truth[on_trap["customer_ref"]].to_numpy()})
        .groupby("customer_id")["person"].nunique()
    )
    assert (persons_per_customer == 1).all()
