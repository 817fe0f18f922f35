"""The synthetic (or any contract-shaped) retailer's demand panel as forecaster input.

The panel is features.demand_panel's store_sku_daily table. By default it is
read from the panel Parquet (the file the Feast store_sku_daily view is built
from). With `via_feast=True` it is read through the Feast offline store
(`get_historical_features` over the `demand` feature service's store_sku_daily
features) when the feature repo has been applied: the values are identical, but
Feast's point-in-time join takes minutes where the Parquet read takes a second
(measured in docs/DEMAND.md). `load_panel` says which source it used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from omnicast.errors import OmnicastError
from omnicast.settings import Settings
from training.demand.panel import PanelSpec

log = logging.getLogger(__name__)

RETAIL_SPEC = PanelSpec(
    id_cols=("location_id", "sku"),
    time_col="date",
    target_col="units",
    freq="D",
    static_cols=("category", "location_kind"),
    future_cols=("price", "promo"),
    past_cols=("on_hand", "in_transit"),
    censor_col="stockout",
    fill_to_end=False,
)
TRUTH_FILE = "demand.parquet"


class PanelMissingError(OmnicastError):
    """No demand panel yet: the data has not been generated/ingested."""


def ensure_panel(settings: Settings, rebuild: bool = False) -> Path:
    """Build the panel from the validated tables if it is missing (or asked to)."""
    from features.demand_panel import write_demand_panel

    path = settings.paths.demand_panel
    if rebuild or not path.exists():
        if not Path(settings.paths.validated).exists():
            raise PanelMissingError(
                f"no validated tables under {settings.paths.validated}: run `omnicast data generate` "
                "and `omnicast data ingest` first"
            )
        write_demand_panel(settings.paths.validated, path)
    return path


class RetailPanel(NamedTuple):
    """The retailer's panel and where it was read from ('feast:demand' or the Parquet path)."""

    frame: pd.DataFrame
    source: str


def load_panel(settings: Settings, via_feast: bool = False) -> RetailPanel:
    """The store x SKU daily panel, typed for the forecaster (built from the validated tables if missing)."""
    path = ensure_panel(settings)
    panel = pd.read_parquet(path)
    if via_feast and _feast_has_panel(settings):
        try:
            return RetailPanel(_through_feast(settings, panel), "feast:demand")
        except Exception as exc:  # noqa: BLE001 - Feast not applied yet is the normal fallback
            log.info("Feast demand service unavailable (%s); reading %s directly", exc, path)
    return RetailPanel(_typed(panel), str(path))


def _feast_has_panel(settings: Settings) -> bool:
    """The features stage has turned the panel into the store_sku_daily feature table."""
    return settings.paths.feature_table("store_sku_daily").exists()


def _through_feast(settings: Settings, panel: pd.DataFrame) -> pd.DataFrame:
    """Point-in-time fetch of the store_sku_daily features for every panel row.

    The feature table stamps day D's row at the midnight closing D, so the entity
    rows ask at that instant.
    """
    from features.feature_repo.store import open_store

    store = open_store(settings)
    service = store.get_feature_service("demand")
    refs = [
        f"{p.name}:{f.name}"
        for p in service.feature_view_projections
        if p.name == "store_sku_daily"
        for f in p.features
        if f.name in RETAIL_SPEC.columns
    ]
    if not refs:
        raise PanelMissingError("the demand feature service has no store_sku_daily view")
    entities = panel[[*RETAIL_SPEC.id_cols, "date"]].copy()
    entities["event_timestamp"] = pd.to_datetime(entities["date"]).dt.tz_localize("UTC") + pd.Timedelta(days=1)
    frame = store.get_historical_features(entity_df=entities, features=refs).to_df()
    frame = frame.drop(columns=["event_timestamp"])
    missing = [c for c in RETAIL_SPEC.columns if c not in frame.columns]
    if missing:
        raise PanelMissingError(f"Feast returned no column(s) {missing}")
    return _typed(frame)


def _typed(panel: pd.DataFrame) -> pd.DataFrame:
    out = panel.copy()
    out["date"] = pd.to_datetime(out["date"])
    out["promo"] = out["promo"].astype(float)
    out["stockout"] = out["stockout"].astype(bool)
    for col in ("on_hand", "in_transit"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out.sort_values([*RETAIL_SPEC.id_cols, "date"]).reset_index(drop=True)


def load_truth(settings: Settings) -> pd.DataFrame | None:
    """The generator's true expected demand per location x SKU x date, if present."""
    path = settings.paths.truth_file(TRUTH_FILE)
    if not path.exists():
        return None
    truth = pd.read_parquet(path, columns=["location_id", "sku", "date", "expected"])
    truth["date"] = pd.to_datetime(truth["date"])
    return truth
