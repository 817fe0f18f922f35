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


def test_precision_and_recall_of_linkable_pairs(raw: Path) -> None:
    identities = pd.read_parquet(raw / "identities.parquet")
    truth = pd.read_parquet(raw / "truth" / "identities.parquet")
    result = resolve(identities)
    scores = pairwise_scores(result.mapping, truth)
    ceiling = linkable_pairs(identities, truth)
    assert scores.precision >= 0.98
    assert scores.correct_pairs / ceiling >= 0.98


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
