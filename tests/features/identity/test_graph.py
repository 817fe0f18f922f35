"""Identity resolution on hand-made identities with a known answer."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.identity import IdentityConfig, pairwise_scores, resolve
from features.identity.graph import IdentityError


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ids(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=["customer_ref", "email_sha256", "phone_sha256", "loyalty_id", "device_id", "person"],
    )
    frame["source_system"] = frame["customer_ref"].str.split(":").str[0]
    frame["source_customer_id"] = frame["customer_ref"].str.split(":").str[1]
    frame["first_seen"] = pd.Timestamp("2024-01-01", tz="UTC")
    return frame


ANNA = [
    ("web:a1", _h("anna@x"), None, None, "dev-anna", "anna"),
    ("app:a2", None, None, None, "dev-anna", "anna"),
    ("loyalty:L1", _h("anna@x"), _h("+111"), "L1", None, "anna"),
    ("pos:p1", None, None, "L1", None, "anna"),
    ("email:e1", _h("anna@x"), None, None, None, "anna"),
]
BOB = [
    ("web:b1", _h("bob@x"), None, None, "dev-bob", "bob"),
    ("pos:p2", None, _h("+222"), None, None, "bob"),
    ("loyalty:L2", _h("bob@x"), _h("+222"), "L2", None, "bob"),
]
KIOSK = [  # three strangers each used the store's shared kiosk with their web account
    ("web:k1", None, None, None, "kiosk-1", "k1"),
    ("web:k2", None, None, None, "kiosk-1", "k2"),
    ("web:k3", None, None, None, "kiosk-1", "k3"),
]


def test_links_by_shared_keys_transitively() -> None:
    frame = _ids(ANNA + BOB)
    result = resolve(frame)
    people = result.mapping.set_index("customer_ref")["customer_id"]
    assert people[[r[0] for r in ANNA]].nunique() == 1
    assert people[[r[0] for r in BOB]].nunique() == 1
    assert people["web:a1"] != people["web:b1"]
    assert result.stats["customers"] == 2
    assert result.stats["merged_refs"] == 6
    assert result.stats["largest_component"] == 5


def test_shared_kiosk_device_does_not_glue_strangers() -> None:
    frame = _ids(ANNA + BOB + KIOSK)
    result = resolve(frame)
    people = result.mapping.set_index("customer_ref")["customer_id"]
    assert people[["web:k1", "web:k2", "web:k3"]].nunique() == 3
    assert result.stats["keys"]["device_id"]["dropped_shared_within_system"] == 1
    scores = pairwise_scores(result.mapping, frame.rename(columns={"person": "person_id"}))
    assert scores.precision == 1.0 and scores.recall == 1.0


def test_key_on_too_many_refs_is_dropped() -> None:
    placeholder = _h("noreply@store")
    rows = [(f"{s}:x{i}", placeholder, None, None, None, f"p{i}") for i, s in enumerate(
        ["web", "app", "pos", "loyalty", "email"])]
    frame = _ids(rows)
    loose = resolve(frame, IdentityConfig(max_refs_per_key={"email_sha256": 10}))
    strict = resolve(frame, IdentityConfig(max_refs_per_key={"email_sha256": 4}))
    assert loose.stats["customers"] == 1
    assert strict.stats["customers"] == 5
    assert strict.stats["keys"]["email_sha256"]["dropped_too_many_refs"] == 1


def test_customer_id_is_stable_under_row_order() -> None:
    frame = _ids(ANNA + BOB)
    a = resolve(frame).mapping
    b = resolve(frame.sample(frac=1.0, random_state=3)).mapping
    pd.testing.assert_frame_equal(a, b)


def test_bad_config_and_input_are_named() -> None:
    with pytest.raises(IdentityError, match="max_refs_per_key"):
        IdentityConfig(max_refs_per_key={"device_id": 0})
    with pytest.raises(IdentityError, match="lacks columns"):
        resolve(pd.DataFrame({"customer_ref": ["web:1"]}))


def test_pairwise_scores_known_answer() -> None:
    mapping = pd.DataFrame({"customer_ref": list("abcd"), "customer_id": ["1", "1", "1", "2"]})
    truth = pd.DataFrame({"customer_ref": list("abcd"), "person_id": ["x", "x", "y", "y"]})
    s = pairwise_scores(mapping, truth)
    # predicted pairs ab ac bc; true pairs ab cd; correct ab
    assert (s.predicted_pairs, s.true_pairs, s.correct_pairs) == (3, 2, 1)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 2)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["web", "app", "pos", "loyalty", "email"])),
        min_size=1,
        max_size=25,
    )
)
def test_people_with_private_keys_are_recovered_exactly(refs: list[tuple[int, str]]) -> None:
    """When each person's keys are private to them, resolution equals the truth."""
    rows = []
    seen: set[tuple[int, str]] = set()
    for person, system in refs:
        if (person, system) in seen:  # one id per person and system
            continue
        seen.add((person, system))
        rows.append((f"{system}:{person}", _h(f"p{person}@x"), None, None, None, f"p{person}"))
    frame = _ids(rows)
    result = resolve(frame)
    s = pairwise_scores(result.mapping, frame.rename(columns={"person": "person_id"}))
    assert s.precision == 1.0 and s.recall == 1.0
    assert result.stats["customers"] == frame["person"].nunique()


def test_second_account_links_by_personal_keys_but_a_tablet_does_not() -> None:
    rows = [
        ("web:w1", _h("eve@x"), None, "LE", "browser-eve", "eve"),
        ("web:w2", _h("new.eve@x"), None, "LE", "browser-eve", "eve"),  # eve's 2nd account
        ("web:t1", _h("tom@x"), None, None, "tablet-home", "tom"),
        ("web:t2", _h("tia@x"), None, None, "tablet-home", "tia"),  # same household tablet
    ]
    frame = _ids(rows)
    result = resolve(frame)
    people = result.mapping.set_index("customer_ref")["customer_id"]
    assert people["web:w1"] == people["web:w2"]  # joined by the loyalty card
    assert people["web:t1"] != people["web:t2"]


def test_linkable_pairs_is_the_recall_ceiling() -> None:
    from features.identity.evaluate import linkable_pairs

    rows = ANNA + BOB + [("pos:lonely", None, None, None, None, "bob")]  # bob's POS id has no key
    frame = _ids(rows)
    truth = frame.rename(columns={"person": "person_id"})
    # anna 5 refs: 10 pairs; bob's 3 keyed refs: 3 pairs; the lonely POS id links nothing
    assert linkable_pairs(frame, truth) == 13
    s = pairwise_scores(resolve(frame).mapping, truth)
    assert s.true_pairs == 16 and s.correct_pairs == 13
