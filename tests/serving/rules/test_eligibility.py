"""Eligibility rules: scope expansion, each rule's known answer, and consent modes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from serving.rules import Consent, OfferCatalog, RuleConfig, Shopper, applicable, check, describe

NOW = pd.Timestamp("2026-12-02 10:00", tz="UTC").timestamp()
OFFERS = pd.DataFrame({
    "offer_id": ["SKU10", "CATK", "ALLSHIP", "OLD", "APPONLY", "LOYAL", "CAMP", "BIGDISC"],
    "kind": ["discount", "bundle", "free_shipping", "discount", "points", "content", "discount", "discount"],
    "scope": ["sku", "category", "all", "all", "all", "all", "all", "sku"],
    "scope_value": ["S1", "kitchen", None, None, None, None, None, "S2"],
    "value": [0.10, 0.5, 4.95, 0.2, 200.0, 0.0, 0.15, 0.60],
    "cost": [1.0, 3.0, 4.95, 2.0, 2.0, 0.05, 1.5, 6.0],
    "start": pd.to_datetime(["2026-12-01"] * 3 + ["2026-11-01"] + ["2026-12-01"] * 4, utc=True),
    "end": pd.to_datetime(["2026-12-10"] * 3 + ["2026-11-30"] + ["2026-12-10"] * 4, utc=True),
    "channels": ["web,app,store", "web,app", "web", "web", "app", "web,app", "web,app", "web"],
    "eligibility": [None, None, None, None, None, "loyalty_members", "experiment:offer-explore-v1", None],
})
# candidates: S1 (kitchen, 10.00, cost 6) and S2 (toys, 20.00, cost 8)
SKUS = np.array(["S1", "S2"], dtype=object)
CATS = np.array(["kitchen", "toys"], dtype=object)
PRICE = np.array([10.0, 20.0])
COST = np.array([6.0, 8.0])


def test_catalog_reads_the_contract_table() -> None:
    cat = OfferCatalog.from_frame(OFFERS)
    assert cat.n == 8 and cat.channels[0] == frozenset({"web", "app", "store"})
    assert cat.start[0] == pd.Timestamp("2026-12-01", tz="UTC").timestamp()
    assert cat.live(NOW).n == 7  # OLD has ended


def test_scope_expands_to_sku_category_and_all() -> None:
    cat = OfferCatalog.from_frame(OFFERS)
    pairs = applicable(cat, SKUS, CATS)
    got = {(str(SKUS[c]), str(cat.offer_id[o])) for c, o in zip(pairs.cand, pairs.offer)}
    everyone = {"ALLSHIP", "OLD", "APPONLY", "LOYAL", "CAMP"}
    assert got == {("S1", "SKU10"), ("S1", "CATK"), ("S2", "BIGDISC")} | {(s, o) for s in SKUS for o in everyone}


def test_each_rule_drops_what_it_should() -> None:
    cat = OfferCatalog.from_frame(OFFERS)
    pairs = applicable(cat, SKUS, CATS)
    shopper = Shopper(shown={"ALLSHIP": 3})
    checked = check(cat, pairs, shopper, "web", NOW, PRICE, COST, RuleConfig(margin_floor=0.05, max_per_offer=3))
    by_pair = {(str(SKUS[c]), str(cat.offer_id[o])): f for c, o, f in zip(pairs.cand, pairs.offer, checked.failed)}
    rule = {-1: "ok", 0: "channel", 1: "window", 2: "audience", 3: "frequency", 4: "margin"}
    named = {k: rule[int(v)] for k, v in by_pair.items()}
    assert named[("S1", "SKU10")] == "ok"  # margin (10 - 6 - 1) / 10 = 30%
    assert named[("S1", "CATK")] == "ok"  # (10 - 6 - 3) / 10 = 10% >= 5%
    assert named[("S1", "OLD")] == "window"
    assert named[("S1", "APPONLY")] == "channel"
    assert named[("S1", "LOYAL")] == "audience" and named[("S1", "CAMP")] == "audience"
    assert named[("S1", "ALLSHIP")] == "frequency"
    assert named[("S2", "BIGDISC")] == "margin"  # 60% off a 60%-margin item: -0%
    assert checked.dropped()["window"] == 2
    strict = check(cat, pairs, shopper, "web", NOW, PRICE, COST, RuleConfig(margin_floor=0.15))
    assert strict.failed[[i for i, (c, o) in enumerate(zip(pairs.cand, pairs.offer))
                          if (c, cat.offer_id[o]) == (0, "CATK")][0]] == 4  # 10% < 15%


def test_audience_tags_and_campaign_assignment_open_offers() -> None:
    cat = OfferCatalog.from_frame(OFFERS)
    pairs = applicable(cat, SKUS[:1], CATS[:1])
    member = Shopper(tags=frozenset({"loyalty_members"}), experiment_offers=frozenset({"CAMP"}))
    ok = check(cat, pairs, member, "app", NOW, PRICE, COST).ok
    passed = {str(cat.offer_id[o]) for o, k in zip(pairs.offer, ok) if k}
    assert {"LOYAL", "CAMP", "APPONLY"} <= passed


def test_unknown_cost_fails_the_margin_floor() -> None:
    cat = OfferCatalog.from_frame(OFFERS.iloc[:1])
    pairs = applicable(cat, SKUS[:1], CATS[:1])
    assert check(cat, pairs, Shopper(), "web", NOW, PRICE, np.array([np.nan, 1.0])).dropped() == {"margin": 1}


def test_consent_modes_and_reasons() -> None:
    assert Consent(personalization=True).mode("web") == "personalized"
    assert Consent(personalization=False, marketing=True).mode("app") == "context_only"
    assert Consent(personalization=True, marketing=False).mode("email") == "none"
    assert "context only" in Consent().reason("web")


def test_describe_names_the_rules_passed() -> None:
    cat = OfferCatalog.from_frame(OFFERS)
    text = " | ".join(describe(cat, 0, 10.0, 6.0, Shopper(shown={"SKU10": 1})))
    assert "SKU10 (discount, scope sku=S1)" in text and "margin after offer 30%" in text and "shown 1 of 3" in text
