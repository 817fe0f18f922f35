"""The next-best-offer scorer as an MLflow pyfunc (what `omnicast-nbo` unpickles).

Input: one row per request with the context (channel, lat, lon, location_id,
sku_in_view, cart_skus, now as epoch seconds, k) and the shopper's online
features (the `nbo_customer` service: PROFILE_FEATURES, consent_*,
category_affinity, brand_affinity, purchased_skus, viewed_skus, cart_skus,
preferred_store, loyalty_member, lifecycle_segment; customer_id empty for an
anonymous shopper). Output: one row per (request, rank) with the SKU, offer,
probabilities, expected incremental value, fulfilment and reasons.

Stock: the sellable snapshot the model was trained with (`NBOModel.stock`);
the scoring service passes its live stock to `NBOScorer.score` instead. Kept
small: nothing here imports settings, MLflow tracking, plotting or another stage.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from serving.rules import StockMatrix
from training.nbo.candidates import Context
from training.nbo.scorer import NBOScorer
from training.nbo.state import ShopperState

REQUEST_COLUMNS = ("customer_id", "channel", "lat", "lon", "location_id", "sku_in_view", "cart_skus", "now", "k")
OUTPUT_COLUMNS = ("request", "rank", "sku", "offer_id", "offer_kind", "p_purchase", "uplift",
                  "expected_incremental_value", "fulfilment", "location_id", "ready_by", "eta", "mode", "reasons")


class NBOModel(PythonModel):
    def __init__(self, scorer: NBOScorer, stock: StockMatrix) -> None:
        self.scorer = scorer
        self.stock = stock

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        rows = []
        for i, raw in enumerate(model_input.to_dict("records")):
            req = {str(k): v for k, v in raw.items()}
            result = self.scorer.score(_state(req, self.scorer), _context(req), float(req["now"]), self.stock,
                                       int(req.get("k") or 5))
            for o in result.offers:
                f = o.fulfilment
                rows.append((i, o.rank, o.sku, o.offer_id or "", o.offer_kind or "", o.p_purchase, o.uplift,
                             o.expected_incremental_value, f.mode, f.location_id or "",
                             f.ready_by.isoformat() if f.ready_by else "", f.eta.isoformat() if f.eta else "",
                             result.mode, " | ".join(o.reasons)))
        return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS)).astype({"request": "int64", "rank": "int64"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _state(req: dict[str, Any], scorer: NBOScorer) -> ShopperState:
    if _blank(req.get("customer_id")):
        viewed = () if _blank(req.get("viewed_skus")) else tuple(str(req["viewed_skus"]).split("|"))
        return ShopperState.anonymous(scorer.items, viewed=viewed, carted=_cart(req))
    return ShopperState.from_online({k: (None if _blank(v) else v) for k, v in req.items()}, scorer.items)


def _cart(req: dict[str, Any]) -> tuple[str, ...]:
    return () if _blank(req.get("cart_skus")) else tuple(s for s in str(req["cart_skus"]).split(",") if s)


def _context(req: dict[str, Any]) -> Context:
    def opt(name: str) -> Any:
        return None if _blank(req.get(name)) else req[name]

    lat, lon = opt("lat"), opt("lon")
    return Context(channel=str(req.get("channel") or "web"), location_id=opt("location_id"),
                   lat=float(lat) if lat is not None else None, lon=float(lon) if lon is not None else None,
                   sku_in_view=opt("sku_in_view"), cart_skus=_cart(req))


def example_requests(scorer: NBOScorer, now: float, states: list[dict[str, Any]]) -> pd.DataFrame:
    """Request rows (for the signature and the smoke test) from online-feature dicts."""
    frame = pd.DataFrame(states)
    frame["channel"] = "web"
    frame["now"] = float(now)
    frame["k"] = 5
    for col in REQUEST_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan if col in ("lat", "lon") else ""
    return frame
