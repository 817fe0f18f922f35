"""The scorer: consent modes, deliverability, offers worth more than they cost, reasons, ordering."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from serving.rules import Consent, OfferCatalog, StockMatrix
from training.nbo import Context, ShopperState
from training.nbo.candidates import FEATURES, MAX_CANDIDATES, features, generate
from training.nbo.pipeline import latest_stock, online_rows


@pytest.fixture(scope="module")
def scorer(trained):
    return trained.scorer


@pytest.fixture(scope="module")
def stock(tiny_settings, scorer) -> StockMatrix:
    return latest_stock(tiny_settings, scorer.items)


@pytest.fixture(scope="module")
def shopper(tiny_settings, scorer) -> ShopperState:
    row = online_rows(tiny_settings, 1)[0]
    state = ShopperState.from_online(row, scorer.items)
    return dataclasses.replace(state, consent=Consent(personalization=True, marketing=True))


def now_of(scorer) -> float:
    return scorer.items.as_of + 11 * 3600


def home(scorer) -> Context:
    locs = scorer.items.locations
    store = int(np.flatnonzero(locs.kind == "store")[0])
    return Context(channel="web", lat=float(locs.lat[store]), lon=float(locs.lon[store]))


def test_candidates_and_features_for_one_shopper(scorer, shopper) -> None:
    ctx = Context(channel="web", sku_in_view=str(scorer.items.sku[0]), cart_skus=(str(scorer.items.sku[1]),))
    cands = generate(shopper, scorer.items, ctx, 12)
    assert 0 < cands.n <= MAX_CANDIDATES and len(set(cands.item.tolist())) == cands.n
    assert 0 not in cands.item and 1 not in cands.item  # the SKU in view and the cart are not recommended
    bought = set(shopper.bought.tolist()) - {0, 1}
    assert bought <= set(cands.item.tolist())  # repurchase is a source
    x = features(cands, shopper, scorer.items, ctx, 12)
    assert x.shape == (cands.n, len(FEATURES))
    j = FEATURES.index("category_share")
    assert np.allclose(x[:, j], shopper.category_share[scorer.items.category[cands.item]])
    rep = FEATURES.index("src_repurchase")
    assert set(cands.item[x[:, rep] == 1].tolist()) == bought & set(cands.item.tolist())


def test_personalized_answer_is_deliverable_ranked_and_explained(scorer, shopper, stock) -> None:
    result = scorer.score(shopper, home(scorer), now_of(scorer), stock, k=5)
    assert result.mode == "personalized" and result.offers
    assert [o.rank for o in result.offers] == list(range(1, len(result.offers) + 1))
    values = [o.expected_margin + o.expected_incremental_value for o in result.offers]
    assert values == sorted(values, reverse=True)
    for o in result.offers:
        assert o.fulfilment.deliverable and o.fulfilment.sku == o.sku
        assert any(r.startswith("signal:") for r in o.reasons) and any(r.startswith("fulfilment:") for r in o.reasons)
        assert 0 <= o.p_purchase <= 1
        if o.offer_id is not None:
            assert o.expected_incremental_value > 0  # attached only when worth more than it costs


def test_nothing_in_stock_means_nothing_recommended(scorer, shopper, stock) -> None:
    empty = StockMatrix(stock.sku, np.zeros_like(stock.sellable))
    result = scorer.score(shopper, home(scorer), now_of(scorer), empty, k=5)
    assert result.offers == () and result.candidates > 0 and result.deliverable == 0


def test_without_personalization_consent_the_profile_is_not_used(scorer, shopper, stock) -> None:
    refused = dataclasses.replace(shopper, consent=Consent(personalization=False, marketing=True))
    result = scorer.score(refused, home(scorer), now_of(scorer), stock, k=5)
    assert result.mode == "context_only" and "context only" in result.reasons[0]
    anonymous = scorer.score(ShopperState.anonymous(scorer.items), home(scorer), now_of(scorer), stock, k=5)
    assert [o.sku for o in result.offers] == [o.sku for o in anonymous.offers]  # no trace of the profile
    assert not any("bought" in " ".join(o.reasons) for o in result.offers)


def test_outbound_channel_needs_marketing_consent(scorer, shopper, stock) -> None:
    no_mail = dataclasses.replace(shopper, consent=Consent(personalization=True, marketing=False))
    result = scorer.score(no_mail, Context(channel="email"), now_of(scorer), stock)
    assert result.mode == "none" and result.offers == () and "marketing" in result.reasons[0]


def test_a_live_offer_is_attached_when_worth_it_and_dropped_below_the_margin_floor(scorer, shopper, stock) -> None:
    now = now_of(scorer)
    catalog = OfferCatalog.from_frame(pd.DataFrame({
        "offer_id": ["PTS", "HUGE"], "kind": ["points", "discount"], "scope": ["all", "all"],
        "scope_value": [None, None], "value": [100.0, 0.9], "cost": [0.01, 0.0],
        "start": [now - 86400, now - 86400], "end": [now + 86400, now + 86400],
        "channels": ["web,app", "web,app"], "eligibility": [None, None]}))
    with_offers = dataclasses.replace(scorer, offers=catalog, _live=None)
    with_offers.uplift, with_offers.mean_uplift = None, np.full(len(scorer.kinds), 0.05)  # a known uplift
    result = with_offers.score(shopper, home(scorer), now, stock, k=5)
    attached = [o for o in result.offers if o.offer_id]
    assert attached and all(o.offer_id == "PTS" for o in attached)  # 90% off never passes the margin floor
    assert result.dropped.get("margin", 0) >= 1
    assert any("margin after offer" in r for r in attached[0].reasons)
