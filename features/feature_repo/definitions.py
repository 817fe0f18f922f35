"""Entities, sources, feature views and feature services over the profile tables.

Feature schemas are read from the Parquet files the profile build wrote, so a
column added to a builder appears in Feast without a second list to maintain.
Views use ttl=0 (no expiry): every table has a row at the build's as-of time,
so "the latest row before t" is always the right value.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from feast import Entity, FeatureService, FeatureView, Field, FileSource, PushSource
from feast.data_source import DataSource
from feast.types import Bool, Float64, Int64, String
from feast.value_type import ValueType

from omnicast.errors import OmnicastError

TIMESTAMP = "event_timestamp"

customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.STRING,
                  description="A resolved shopper (features.identity).")
product = Entity(name="product", join_keys=["sku"], value_type=ValueType.STRING, description="A SKU.")
location = Entity(name="location", join_keys=["location_id"], value_type=ValueType.STRING,
                  description="A store, DC or pickup point.")

# view name -> entities; the Parquet file is <tables_dir>/<view>.parquet
VIEWS: dict[str, tuple[Entity, ...]] = {
    "customer_profile": (customer,),
    "customer_consent": (customer,),
    "customer_activity": (customer,),
    "customer_affinity": (customer,),
    "product_features": (product,),
    "location_stock": (location, product),
    "location_info": (location,),
    "store_sku_daily": (location, product),
}
OPTIONAL_VIEWS = {"store_sku_daily", "customer_affinity"}  # the panel; affinity from profile builds since NBO
# Views the storefront / consent API update in real time, by push source name.
PUSH_SOURCES = {"customer_activity": "customer_activity_push", "customer_consent": "customer_consent_push"}
PUSH_SOURCE = PUSH_SOURCES["customer_activity"]


class FeatureRepoError(OmnicastError):
    """The feature tables are missing or cannot be registered in Feast."""


def _feast_type(arrow_type: pa.DataType):
    if pa.types.is_boolean(arrow_type):
        return Bool
    if pa.types.is_integer(arrow_type):
        return Int64
    if pa.types.is_floating(arrow_type):
        return Float64
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return String
    raise FeatureRepoError(f"no Feast type for column type {arrow_type}")


def schema_of(path: Path, keys: list[str]) -> list[Field]:
    """Feature fields of a feature table: every column but the join keys and the timestamp."""
    schema = pq.read_schema(path)
    return [
        Field(name=f.name, dtype=_feast_type(f.type))
        for f in schema
        if f.name not in keys and f.name != TIMESTAMP
    ]


def repo_objects(tables_dir: Path) -> list:
    """All Feast objects for the feature tables found under `tables_dir`."""
    tables_dir = Path(tables_dir).resolve()
    views: dict[str, FeatureView] = {}
    objects: list = [customer, product, location]
    for name, entities in VIEWS.items():
        path = tables_dir / f"{name}.parquet"
        if not path.exists():
            if name in OPTIONAL_VIEWS:
                continue
            raise FeatureRepoError(f"feature table {path} is missing: run `omnicast features build`")
        keys = [e.join_key for e in entities]
        source: DataSource = FileSource(name=f"{name}_source", path=str(path), timestamp_field=TIMESTAMP)
        if name in PUSH_SOURCES:
            source = PushSource(name=PUSH_SOURCES[name], batch_source=source)
        views[name] = FeatureView(
            name=name,
            entities=list(entities),
            ttl=timedelta(0),
            schema=schema_of(path, keys),
            source=source,
            online=True,
        )
        objects.append(source)
    objects.extend(views.values())
    objects.extend(_services(views))
    return objects


def _services(views: dict[str, FeatureView]) -> list[FeatureService]:
    """One service per consumer: what a model or a serving lookup reads in one call."""
    customer_views = [views[v] for v in ("customer_profile", "customer_consent", "customer_activity",
                                         "customer_affinity") if v in views]
    demand = [views[v] for v in ("store_sku_daily", "product_features", "location_stock") if v in views]
    # list(...): FeatureService declares list[FeatureView | OnDemandFeatureView | ...], and lists are invariant
    return [
        FeatureService(name="nbo", features=list([*customer_views, views["product_features"]]),
                       description="Next best offer: shopper x candidate SKU."),
        FeatureService(name="nbo_customer", features=list(customer_views),
                       description="One shopper's profile, consent and live activity (one lookup)."),
        FeatureService(name="consent", features=[views["customer_consent"]],
                       description="May we personalize / market / analyse for this shopper?"),
        FeatureService(name="demand", features=list(demand),
                       description="Demand forecasting: store x SKU daily panel, price, stock."),
        FeatureService(name="fulfilment", features=[views["location_stock"], views["location_info"]],
                       description="Sellable stock and pickup windows per location x SKU."),
    ]
