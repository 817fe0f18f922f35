"""Source contracts: what a retailer plugs into Omnicast (DESIGN.md, "Source contracts").

One declarative description per table, shared by the synthetic generator (which
writes these tables), ingestion (which validates raw files against them and
quarantines what fails), the real-format adapters and the docs. Changing a
contract means bumping SCHEMA_VERSION.

Conventions
- A shopper is referred to by `customer_ref` = "<source_system>:<source_customer_id>",
  the id a source system knows them by; identity resolution later maps every
  customer_ref to one `customer_id`. A null customer_ref is a guest.
- Timestamps are UTC. Raw files may hold them as ISO-8601 strings or as native
  timestamps; ingestion parses them and quarantines what does not parse.
- e-mail and phone are only ever stored as SHA-256 hex of the normalised value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

SCHEMA_VERSION = "1.0"

Kind = Literal["string", "int", "float", "bool", "timestamp", "date"]

SOURCE_SYSTEMS = ("pos", "web", "app", "loyalty", "email")
CONSENT_PURPOSES = ("marketing", "analytics", "personalization")
LOCATION_KINDS = ("store", "dc", "pickup_point")
SALES_CHANNELS = ("store", "web", "app", "marketplace")
FULFILMENTS = ("ship", "bopis", "curbside", "in_store")
EVENT_CHANNELS = ("store", "web", "app")
EVENT_TYPES = (
    "view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "wishlist",
    "checkout_start",
    "purchase",
)
OFFER_KINDS = ("discount", "bundle", "free_shipping", "points", "content")
OFFER_SCOPES = ("sku", "category", "all")


@dataclass(frozen=True)
class Column:
    """One column of a contract table."""

    name: str
    kind: Kind
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # full-match regex for strings
    references: tuple[str, str] | None = None  # (table, column) that must hold the value
    doc: str = ""


@dataclass(frozen=True)
class Contract:
    """A source table: its columns, its primary key and row-level rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    # Row rules that involve several columns: (rule name, SQL boolean over the row).
    # The expression is DuckDB SQL evaluated on typed columns; rows where it is not
    # TRUE are quarantined with the rule name as reason.
    rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


SHA256 = r"[0-9a-f]{64}"
CUSTOMER_REF = Column(
    "customer_ref",
    "string",
    nullable=True,
    references=("identities", "customer_ref"),
    doc="<source_system>:<source_customer_id>; null for a guest",
)

IDENTITIES = Contract(
    "identities",
    (
        Column("customer_ref", "string", doc="<source_system>:<source_customer_id>"),
        Column("source_system", "string", allowed=SOURCE_SYSTEMS),
        Column("source_customer_id", "string"),
        Column("email_sha256", "string", nullable=True, pattern=SHA256),
        Column("phone_sha256", "string", nullable=True, pattern=SHA256),
        Column("loyalty_id", "string", nullable=True),
        Column("device_id", "string", nullable=True),
        Column("first_seen", "timestamp"),
    ),
    key=("customer_ref",),
    doc="Each id a source system knows a shopper by, with the keys that may link it.",
    rules=(
        (
            "customer_ref_matches_source",
            "customer_ref = source_system || ':' || source_customer_id",
        ),
    ),
)

CONSENTS = Contract(
    "consents",
    (
        replace(CUSTOMER_REF, nullable=False),
        Column("purpose", "string", allowed=CONSENT_PURPOSES),
        Column("granted", "bool"),
        Column("ts", "timestamp"),
        Column("source", "string"),
    ),
    key=("customer_ref", "purpose", "ts"),
    doc="Consent decisions over time; the latest per (customer, purpose) is in force.",
)

LOCATIONS = Contract(
    "locations",
    (
        Column("location_id", "string"),
        Column("kind", "string", allowed=LOCATION_KINDS),
        Column("name", "string"),
        Column("lat", "float", min=-90, max=90),
        Column("lon", "float", min=-180, max=180),
        Column("region", "string"),
        Column("pickup_open_hour", "int", nullable=True, min=0, max=24),
        Column("pickup_close_hour", "int", nullable=True, min=0, max=24),
        Column("service_radius_km", "float", min=0),
    ),
    key=("location_id",),
    doc="Stores, distribution centres and pickup points.",
)

PRODUCTS = Contract(
    "products",
    (
        Column("sku", "string"),
        Column("name", "string"),
        Column("category", "string"),
        Column("brand", "string", nullable=True),
        Column("list_price", "float", min=0),
        Column("unit_cost", "float", nullable=True, min=0),
        Column("attributes", "string", nullable=True, doc="JSON object"),
        Column("gtin", "string", nullable=True),
    ),
    key=("sku",),
    doc="The catalogue.",
)

TRANSACTIONS = Contract(
    "transactions",
    (
        Column("order_id", "string"),
        Column("line", "int", min=1),
        CUSTOMER_REF,
        Column("channel", "string", allowed=SALES_CHANNELS),
        Column("location_id", "string", references=("locations", "location_id")),
        Column("sku", "string", references=("products", "sku")),
        Column("qty", "int"),
        Column("unit_price", "float", min=0),
        Column("discount", "float", min=0, doc="currency amount off the line"),
        Column("ts", "timestamp"),
        Column("fulfilment", "string", allowed=FULFILMENTS),
        Column("returned", "bool", doc="true on a return line (qty < 0)"),
    ),
    key=("order_id", "line"),
    doc="Order lines. A return is its own line with qty < 0 and returned = true.",
    rules=(
        ("qty_sign_matches_returned", "(qty > 0 AND NOT returned) OR (qty < 0 AND returned)"),
    ),
)

EVENTS = Contract(
    "events",
    (
        Column("event_id", "string"),
        Column("ts", "timestamp"),
        CUSTOMER_REF,
        Column("device_id", "string", nullable=True),
        Column("channel", "string", allowed=EVENT_CHANNELS),
        Column("type", "string", allowed=EVENT_TYPES),
        Column("sku", "string", nullable=True, references=("products", "sku")),
        Column("query", "string", nullable=True),
        Column("device_type", "string", nullable=True),
        Column("os", "string", nullable=True),
        Column("source", "string", nullable=True),
    ),
    key=("event_id",),
    doc="Clickstream and in-store digital events.",
    rules=(
        ("has_customer_or_device", "customer_ref IS NOT NULL OR device_id IS NOT NULL"),
        ("sku_or_query", "sku IS NOT NULL OR type = 'search'"),
    ),
)

INVENTORY = Contract(
    "inventory",
    (
        Column("ts", "timestamp", doc="snapshot time (end of day)"),
        Column("location_id", "string", references=("locations", "location_id")),
        Column("sku", "string", references=("products", "sku")),
        Column("on_hand", "int", min=0),
        Column("reserved", "int", min=0),
        Column("in_transit", "int", min=0),
    ),
    key=("ts", "location_id", "sku"),
    doc="Stock snapshots per location and SKU.",
)

OFFERS = Contract(
    "offers",
    (
        Column("offer_id", "string"),
        Column("kind", "string", allowed=OFFER_KINDS),
        Column("scope", "string", allowed=OFFER_SCOPES),
        Column("scope_value", "string", nullable=True, doc="sku or category; null for all"),
        Column("value", "float", min=0, doc="fraction off for discount, points, currency"),
        Column("cost", "float", min=0, doc="expected cost per redemption"),
        Column("start", "timestamp"),
        Column("end", "timestamp"),
        Column("channels", "string", doc="comma-separated sales channels"),
        Column("eligibility", "string", nullable=True, doc="segment or rule name"),
    ),
    key=("offer_id",),
    doc="Offers and campaigns that next-best-offer may choose from.",
    rules=(("start_before_end", '"start" < "end"'),),
)

PRICES = Contract(
    "prices",
    (
        Column("sku", "string", references=("products", "sku")),
        Column("location_id", "string", references=("locations", "location_id")),
        Column("date", "date"),
        Column("price", "float", min=0),
        Column("promo", "bool"),
    ),
    key=("sku", "location_id", "date"),
    doc="Price and promotion calendar per SKU and location.",
)

EXPOSURES = Contract(
    "exposures",
    (
        Column("experiment_id", "string"),
        Column("unit_id", "string", doc="customer_ref or device id of the unit assigned"),
        Column("variant", "string"),
        Column("ts", "timestamp"),
        Column("channel", "string", nullable=True),
    ),
    key=("experiment_id", "unit_id"),
    doc="First exposure of a unit to an experiment; outcomes come from transactions/events.",
)

CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in (
        IDENTITIES,
        CONSENTS,
        LOCATIONS,
        PRODUCTS,
        TRANSACTIONS,
        EVENTS,
        INVENTORY,
        OFFERS,
        PRICES,
        EXPOSURES,
    )
}

# Tables are validated in this order so that references point at validated tables.
INGEST_ORDER: tuple[str, ...] = (
    "locations",
    "products",
    "identities",
    "consents",
    "offers",
    "prices",
    "inventory",
    "transactions",
    "events",
    "exposures",
)
