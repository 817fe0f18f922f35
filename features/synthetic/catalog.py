"""The retailer's fixed world: locations, the catalogue, the price calendar and offers.

Latent parameters that drive demand (popularity, elasticity, seasonality,
promotion lift, launch/discontinue dates) are drawn here and kept on the
returned objects so that `demand` can use them and `truth` can record them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from features.contracts import OFFER_KINDS
from features.synthetic.calendar import Calendar
from features.synthetic.config import GeneratorConfig


@dataclass(frozen=True)
class Category:
    """Latent traits of a product category (drive prices, demand shape and returns)."""

    name: str
    median_price: float
    margin: float
    elasticity: float  # constant price elasticity of demand
    season_amplitude: float  # yearly cycle
    season_peak: float  # fraction of the year
    giftiness: float  # strength of the December run-up
    return_multiplier: float
    online_affinity: float
    saturday: float  # store Saturday multiplier (Sunday is 0.55 of it)
    nouns: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("grocery", 4.0, 0.25, -0.9, 0.05, 0.00, 0.0, 0.2, 0.6, 1.15, ("Coffee", "Pasta", "Olive Oil", "Tea", "Cereal")),
    Category("home", 25.0, 0.45, -1.4, 0.15, 0.80, 0.3, 0.8, 1.0, 1.50, ("Lamp", "Cushion", "Vase", "Throw", "Frame")),
    Category("kitchen", 30.0, 0.42, -1.5, 0.10, 0.90, 0.5, 1.0, 1.0, 1.40, ("Pan", "Knife", "Kettle", "Blender", "Mug")),
    Category("garden", 35.0, 0.40, -1.6, 0.70, 0.37, 0.05, 0.8, 0.8, 1.80, ("Hose", "Planter", "Seeds", "Shears", "Lantern")),
    Category("toys", 22.0, 0.45, -1.8, 0.30, 0.95, 1.5, 0.8, 1.2, 1.60, ("Puzzle", "Blocks", "Doll", "Robot", "Game")),
    Category("electronics", 120.0, 0.25, -2.2, 0.20, 0.92, 0.9, 1.4, 1.6, 1.40, ("Headphones", "Speaker", "Charger", "Tablet", "Camera")),
    Category("apparel", 35.0, 0.55, -2.0, 0.35, 0.30, 0.5, 3.0, 1.3, 1.50, ("Jacket", "Sweater", "Jeans", "Shirt", "Sneakers")),
    Category("beauty", 15.0, 0.55, -1.3, 0.10, 0.95, 0.8, 0.6, 1.1, 1.30, ("Serum", "Lipstick", "Shampoo", "Perfume", "Cream")),
    Category("sports", 45.0, 0.45, -1.7, 0.35, 0.45, 0.4, 1.2, 1.1, 1.60, ("Yoga Mat", "Dumbbell", "Bottle", "Racket", "Ball")),
    Category("books", 14.0, 0.35, -1.1, 0.20, 0.95, 0.9, 0.5, 1.3, 1.40, ("Novel", "Cookbook", "Atlas", "Comic", "Guide")),
    Category("pet", 18.0, 0.35, -1.0, 0.05, 0.00, 0.1, 0.4, 1.0, 1.20, ("Dog Food", "Cat Litter", "Leash", "Toy Mouse", "Bed")),
    Category("baby", 20.0, 0.38, -1.2, 0.05, 0.00, 0.3, 0.8, 1.1, 1.20, ("Diapers", "Bottle Set", "Onesie", "Stroller Fan", "Wipes")),
)
CATEGORY_NAMES = tuple(c.name for c in CATEGORIES)
TIERS = ("value", "mid", "premium")
BRANDS_PER_CATEGORY = 4
N_BRANDS = len(CATEGORIES) * (BRANDS_PER_CATEGORY + 1)  # plus the store brand in each category
TIER_PRICE = np.array([0.7, 1.0, 1.6])
TIER_POPULARITY = np.array([1.3, 1.0, 0.6])
VARIANTS = ("Classic", "Pro", "Mini", "XL", "Eco", "Plus", "Max", "Lite", "Duo", "Essential")
COLORS = ("black", "white", "grey", "blue", "green", "red", "natural", "pink")
SYLLABLES = ("nor", "vik", "bel", "ca", "sa", "lu", "ma", "ro", "ten", "dal", "fi", "ko", "ra", "zen", "mi", "lo")

# city, region, lat, lon, population weight: a Benelux-like cluster of markets.
CITIES: tuple[tuple[str, str, float, float, float], ...] = (
    ("Amsterdam", "north-holland", 52.370, 4.895, 3.0),
    ("Haarlem", "north-holland", 52.381, 4.637, 1.0),
    ("Rotterdam", "south-holland", 51.922, 4.479, 2.5),
    ("The Hague", "south-holland", 52.070, 4.300, 2.0),
    ("Leiden", "south-holland", 52.160, 4.497, 0.9),
    ("Utrecht", "utrecht", 52.091, 5.122, 1.8),
    ("Amersfoort", "utrecht", 52.156, 5.390, 0.9),
    ("Eindhoven", "north-brabant", 51.441, 5.470, 1.5),
    ("Breda", "north-brabant", 51.571, 4.768, 1.0),
    ("Tilburg", "north-brabant", 51.560, 5.091, 1.1),
    ("Groningen", "groningen", 53.219, 6.567, 1.2),
    ("Zwolle", "overijssel", 52.516, 6.083, 0.8),
    ("Enschede", "overijssel", 52.221, 6.894, 0.9),
    ("Arnhem", "gelderland", 51.985, 5.899, 1.0),
    ("Nijmegen", "gelderland", 51.842, 5.853, 1.1),
    ("Maastricht", "limburg", 50.851, 5.691, 0.9),
)
# A DC is national (for prices) and sits on the motorway ring.
DC_SITES = (("Tilburg", "north-brabant", 51.580, 5.020), ("Zwolle", "overijssel", 52.480, 6.120),
            ("Utrecht", "utrecht", 52.040, 5.050), ("Rotterdam", "south-holland", 51.880, 4.400),
            ("Arnhem", "gelderland", 52.010, 5.950))


@dataclass(frozen=True)
class Locations:
    ids: np.ndarray  # object
    kind: np.ndarray  # object: store / dc / pickup_point
    name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    region: np.ndarray
    open_hour: np.ndarray  # float with nan for none
    close_hour: np.ndarray
    radius_km: np.ndarray
    size: np.ndarray  # latent store size (1 for DCs), 0 for pickup points

    @property
    def stocked(self) -> np.ndarray:
        """Indices of locations that hold stock and sell: stores then DCs."""
        return np.flatnonzero(self.kind != "pickup_point")

    @property
    def stores(self) -> np.ndarray:
        return np.flatnonzero(self.kind == "store")


@dataclass(frozen=True)
class Products:
    sku: np.ndarray  # object
    name: np.ndarray
    category: np.ndarray  # int index into CATEGORIES
    brand: np.ndarray  # object, None for unbranded
    brand_id: np.ndarray  # latent brand index (store brand counted once per category), < N_BRANDS
    tier: np.ndarray  # int index into TIERS
    list_price: np.ndarray
    unit_cost: np.ndarray  # nan where the source has none
    attributes: np.ndarray  # object JSON strings
    gtin: np.ndarray
    popularity: np.ndarray  # latent share of units, sums to 1
    trend: np.ndarray  # log growth per year
    launch_day: np.ndarray  # first day on sale (0 = before history)
    end_day: np.ndarray  # first day no longer sold (D = never)
    promo_lift: np.ndarray  # multiplicative display/feature lift while on promotion

    @property
    def n(self) -> int:
        return len(self.sku)


def category_params(trait: str) -> np.ndarray:
    """One latent trait of every category, indexable by a SKU's category."""
    return np.array([getattr(c, trait) for c in CATEGORIES], dtype=float)


def build_locations(cfg: GeneratorConfig, rng: np.random.Generator) -> Locations:
    city_w = np.array([c[4] for c in CITIES])
    n_s = cfg.stores
    # Big cities get the first stores; further stores go where population is.
    store_city = np.concatenate([
        np.argsort(-city_w, kind="stable")[: min(n_s, len(CITIES))],
        rng.choice(len(CITIES), size=max(0, n_s - len(CITIES)), p=city_w / city_w.sum()),
    ])
    pp_city = rng.choice(len(CITIES), size=cfg.pickup_points, p=city_w / city_w.sum())
    rows: list[tuple] = []
    for i, c in enumerate(store_city, start=1):
        city, region, lat, lon, _ = CITIES[c]
        close = int(rng.choice([20, 21, 22]))
        rows.append((f"ST-{i:03d}", "store", f"Omni {city} {i}", lat + rng.normal(0, 0.03),
                     lon + rng.normal(0, 0.04), region, 9.0, float(close),
                     float(rng.choice([10.0, 15.0, 20.0, 25.0])), float(rng.lognormal(0, 0.35))))
    for i in range(cfg.dcs):
        city, region, lat, lon = DC_SITES[i % len(DC_SITES)]
        rows.append((f"DC-{i + 1:02d}", "dc", f"Omni DC {city}", lat, lon, region,
                     np.nan, np.nan, 300.0, 1.0))
    for i, c in enumerate(pp_city, start=1):
        city, region, lat, lon, _ = CITIES[c]
        rows.append((f"PP-{i:03d}", "pickup_point", f"Pickup {city} {i}", lat + rng.normal(0, 0.03),
                     lon + rng.normal(0, 0.04), region, 8.0, 22.0, 5.0, 0.0))
    cols = list(zip(*rows))
    obj = lambda k: np.array(cols[k], dtype=object)  # noqa: E731
    flt = lambda k: np.array(cols[k], dtype=float)  # noqa: E731
    return Locations(obj(0), obj(1), obj(2), np.round(flt(3), 5), np.round(flt(4), 5), obj(5),
                     flt(6), flt(7), flt(8), flt(9))


def _gtin13(body: np.ndarray) -> np.ndarray:
    """EAN-13 strings with a valid check digit, from 12-digit integers."""
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    weights = np.where(np.arange(12) % 2 == 0, 1, 3)
    check = (10 - (digits * weights).sum(axis=1) % 10) % 10
    return np.array([f"{b:012d}{c}" for b, c in zip(body, check)], dtype=object)


def _brand_names(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        k = int(rng.integers(2, 4))
        name = "".join(rng.choice(SYLLABLES, size=k)).capitalize()
        if name not in names:
            names.append(name)
    return names


def build_products(cfg: GeneratorConfig, cal: Calendar, rng: np.random.Generator) -> Products:
    n, n_cat, D = cfg.skus, len(CATEGORIES), cal.n
    # Brands: a few per category, each positioned in one tier; a store brand (value) everywhere.
    per_cat = BRANDS_PER_CATEGORY
    brand_names = _brand_names(rng, n_cat * per_cat)
    brand_tier = rng.choice(3, size=n_cat * per_cat, p=[0.3, 0.45, 0.25])
    category = np.sort(rng.choice(n_cat, size=n, p=_category_mix()), kind="stable")
    brand_slot = rng.integers(0, per_cat + 1, size=n)  # per_cat = the store brand
    own_brand = brand_slot == per_cat
    brand_idx = category * per_cat + np.minimum(brand_slot, per_cat - 1)
    tier = np.where(own_brand, 0, brand_tier[brand_idx])
    brand = np.array(["Omni Basics" if o else brand_names[b] for o, b in zip(own_brand, brand_idx)],
                     dtype=object)
    brand[rng.random(n) < 0.03] = None
    median = category_params("median_price")[category] * TIER_PRICE[tier]
    list_price = np.maximum(np.round(median * rng.lognormal(0, 0.35, n)) - 0.01, 0.99)
    margin = np.clip(category_params("margin")[category] + rng.normal(0, 0.06, n), 0.05, 0.8)
    unit_cost = np.round(list_price * (1 - margin), 2)
    unit_cost[rng.random(n) < 0.01] = np.nan
    nouns = [CATEGORIES[c].nouns[int(rng.integers(0, 5))] for c in category]
    variants = rng.choice(VARIANTS, size=n)
    colors = rng.choice(COLORS, size=n)
    sku = np.array([f"SKU-{i:06d}" for i in range(1, n + 1)], dtype=object)
    name = np.array([f"{b or 'Unbranded'} {noun} {v}" for b, noun, v in zip(brand, nouns, variants)],
                    dtype=object)
    attributes = np.array(
        [json.dumps({"color": str(c), "tier": TIERS[t], "variant": str(v)}, sort_keys=True)
         for c, t, v in zip(colors, tier, variants)],
        dtype=object,
    )
    gtin = _gtin13(rng.integers(10**11, 10**12, size=n))
    # Long tail: lognormal popularity, a block of intermittent slow movers.
    popularity = rng.lognormal(0, 1.1, n) * TIER_POPULARITY[tier]
    popularity[rng.random(n) < 0.3] *= 0.08
    popularity /= popularity.sum()
    trend = rng.normal(0, 0.25, n)
    launch_day = np.zeros(n, dtype=np.int64)
    new = rng.random(n) < cfg.new_sku_share
    launch_day[new] = rng.integers(int(0.15 * D), int(0.85 * D), size=new.sum())
    end_day = np.full(n, D, dtype=np.int64)
    dropped = (~new) & (rng.random(n) < cfg.discontinued_share)
    end_day[dropped] = rng.integers(int(0.2 * D), int(0.9 * D), size=dropped.sum())
    promo_lift = rng.uniform(0.2, 0.9, n)
    brand_id = np.where(own_brand, n_cat * per_cat + category, brand_idx)
    return Products(sku, name, category, brand, brand_id, tier, list_price, unit_cost, attributes, gtin,
                    popularity, trend, launch_day, end_day, promo_lift)


def _category_mix() -> np.ndarray:
    w = np.array([1.6, 1.2, 1.0, 0.7, 0.8, 0.9, 1.3, 1.0, 0.8, 0.7, 0.6, 0.6])
    return w / w.sum()


@dataclass(frozen=True)
class PriceCalendar:
    """Price actually charged per day x stocked location x SKU, and the promo flag."""

    price: np.ndarray  # float64 (D, L, S), rounded to cents
    promo: np.ndarray  # bool (D, S): national promotions
    zone_index: np.ndarray  # price level per stocked location


def build_prices(cfg: GeneratorConfig, cal: Calendar, loc: Locations, prod: Products,
                 rng: np.random.Generator) -> PriceCalendar:
    D, S = cal.n, prod.n
    stocked = loc.stocked
    # Regional price zones (stores); DCs sell at the national online price.
    regions = sorted(set(loc.region[loc.stores]))
    zone_level = {r: float(rng.uniform(0.96, 1.06)) for r in regions}
    zone_index = np.array([zone_level[loc.region[i]] if loc.kind[i] == "store" else 0.98
                           for i in stocked])
    # Permanent list-price moves: 0-3 per SKU over history, +-5..15%.
    level = np.ones((D, S), dtype=np.float32)
    n_moves = rng.poisson(cfg.years * 1.0, S)
    for k in range(int(n_moves.max(initial=0))):
        has = np.flatnonzero(n_moves > k)
        day = rng.integers(30, D - 1, size=has.size)
        step = rng.choice([-1.0, 1.0], size=has.size, p=[0.35, 0.65]) * rng.uniform(0.05, 0.15, has.size)
        after = np.arange(D)[:, None] >= day[None, :]
        level[:, has] *= np.where(after, 1.0 + step, 1.0).astype(np.float32)
    # National promotions: 7- or 14-day windows, 10-35% off.
    promo = np.zeros((D, S), dtype=bool)
    depth = np.zeros((D, S), dtype=np.float32)
    n_promos = rng.poisson(cfg.promo_rate * D / 10.5, S)
    for k in range(int(n_promos.max(initial=0))):
        has = np.flatnonzero(n_promos > k)
        length = rng.choice([7, 14], size=has.size)
        first = rng.integers(0, D - 7, size=has.size)
        off = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3, 0.35], size=has.size)
        days = np.arange(D)[:, None]
        window = (days >= first) & (days < first + length)
        newly = window & ~promo[:, has]
        promo[:, has] |= window
        depth[:, has] = np.where(newly, off.astype(np.float32), depth[:, has])
    base = prod.list_price.astype(np.float32)[None, :] * level * (1 - depth)  # (D, S)
    price = base[:, None, :] * zone_index.astype(np.float32)[None, :, None]
    price = np.round(price.astype(np.float64), 2)
    return PriceCalendar(price=price, promo=promo, zone_index=zone_index)


# What the marketer believes each segment responds to (plans the offer-policy test); the
# true per-shopper response is features.synthetic.response.
# Rows follow customers.SEGMENTS, columns contracts.OFFER_KINDS.
OFFER_UPLIFT = np.array([
    # discount bundle free_ship points content
    [0.120, 0.060, 0.050, 0.030, 0.005],  # bargain_hunter
    [0.060, 0.080, 0.030, 0.070, 0.010],  # loyal_family
    [0.015, 0.020, 0.040, 0.010, 0.045],  # premium
    [0.040, 0.015, 0.060, 0.010, 0.010],  # occasional
    [0.050, 0.030, 0.070, 0.040, 0.030],  # digital_native
])


def build_offers(cfg: GeneratorConfig, cal: Calendar, prod: Products, segments: tuple[str, ...],
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The offer catalogue next-best-offer chooses from (start/end as day indices)."""
    D = cal.n
    n = max(20, min(200, cfg.skus // 4))
    # Every kind at least once, then a realistic mix (discounts dominate).
    kind = rng.permutation(np.concatenate([np.arange(len(OFFER_KINDS)),
                                           rng.choice(len(OFFER_KINDS), size=n - len(OFFER_KINDS),
                                                      p=[0.4, 0.15, 0.15, 0.15, 0.15])]))
    scope = np.where(kind == 2, 2, rng.choice(3, size=n, p=[0.4, 0.45, 0.15]))  # free ship: all
    scope_names = np.array(["sku", "category", "all"], dtype=object)[scope]
    sku_pick = rng.choice(prod.n, size=n, p=prod.popularity)
    scope_value = np.where(scope == 0, prod.sku[sku_pick],
                           np.where(scope == 1, np.array(CATEGORY_NAMES, dtype=object)[prod.category[sku_pick]], None))
    value = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [rng.choice([0.1, 0.15, 0.2, 0.25], size=n), np.full(n, 0.5), np.full(n, 4.95),
         rng.choice([100.0, 200.0, 500.0], size=n)],
        0.0,
    )
    typical = prod.list_price[sku_pick]
    cost = np.round(np.select([kind == 0, kind == 1, kind == 2, kind == 3],
                              [value * typical, 0.5 * typical * 0.4, np.full(n, 4.95), value * 0.01],
                              0.05), 2)
    start = rng.integers(0, D - 14, size=n)
    end = np.minimum(start + rng.choice([7, 14, 28, 56], size=n), D)
    channel_sets = np.array(["store,web,app", "web,app", "app", "store", "web,app,marketplace"], dtype=object)
    channels = channel_sets[rng.choice(len(channel_sets), size=n, p=[0.4, 0.3, 0.1, 0.1, 0.1])]
    elig_options = np.array([None, "loyalty_members", *segments], dtype=object)
    eligibility = elig_options[rng.choice(len(elig_options), size=n)]
    return {
        "offer_id": np.array([f"OF-{i:04d}" for i in range(1, n + 1)], dtype=object),
        "kind": np.array(OFFER_KINDS, dtype=object)[kind], "scope": scope_names, "scope_value": scope_value,
        "value": value, "cost": cost, "start": start, "end": end, "channels": channels, "eligibility": eligibility,
    }
