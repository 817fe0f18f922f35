"""Shoppers: latent segments and preferences, their ids in each source system, consents.

A person is the truth; source systems only ever see `customer_ref`s. Link keys
(hashed e-mail/phone, loyalty id, device id) connect refs of one person, with
realistic gaps, typos, second accounts, and traps that would wrongly merge
different people: a household tablet, a store kiosk, a placeholder e-mail.
Every ref carries at least one key of its own person (the one its source id
exists because of); only `unlinkable_ref_rate` of refs carry nothing linkable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from features.contracts import CONSENT_PURPOSES
from features.synthetic.catalog import CATEGORIES, N_BRANDS, Locations
from features.synthetic.config import GeneratorConfig

SEGMENTS = ("bargain_hunter", "loyal_family", "premium", "occasional", "digital_native")
SEGMENT_SHARE = np.array([0.25, 0.25, 0.15, 0.25, 0.10])
SEGMENT_ACTIVITY = np.array([1.2, 1.5, 1.0, 0.35, 1.1])
# channel habit: store, web, app
CHANNEL_HABIT = np.array([
    [0.65, 0.25, 0.10],
    [0.75, 0.15, 0.10],
    [0.45, 0.35, 0.20],
    [0.70, 0.25, 0.05],
    [0.15, 0.35, 0.50],
])
SYSTEMS = ("pos", "loyalty", "web", "app", "email")
# probability of holding an id in each system, by segment (columns follow SYSTEMS)
ACCOUNT_PROB = np.array([
    [0.50, 0.60, 0.55, 0.25, 0.60],
    [0.50, 0.85, 0.45, 0.35, 0.55],
    [0.40, 0.50, 0.75, 0.50, 0.40],
    [0.45, 0.20, 0.40, 0.08, 0.25],
    [0.20, 0.40, 0.80, 0.90, 0.50],
])
PROMO_AFFINITY = np.array([2.2, 1.3, 0.6, 1.0, 1.2])
TIER_PREFERENCE = np.array([
    [1.6, 1.0, 0.4],
    [1.2, 1.1, 0.6],
    [0.4, 1.0, 2.5],
    [1.0, 1.0, 1.0],
    [0.9, 1.1, 1.2],
])
# category preference by segment, columns follow catalog.CATEGORIES
CATEGORY_PREFERENCE = np.array([
    [1.5, 1.0, 1.0, 0.8, 1.0, 0.8, 1.1, 0.9, 0.8, 0.7, 1.2, 1.0],
    [1.4, 1.1, 1.1, 1.0, 1.8, 0.7, 1.0, 0.8, 0.9, 0.8, 1.3, 2.0],
    [0.8, 1.4, 1.3, 1.1, 0.6, 1.6, 1.4, 1.5, 1.1, 1.2, 0.8, 0.6],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.7, 0.9, 0.8, 0.5, 0.8, 2.0, 1.5, 1.2, 1.3, 1.3, 0.7, 0.6],
])
# probability that a ref row carries each link key: email, phone, loyalty id (members), device
KEY_PROB = {
    "pos": (0.35, 0.30, 0.60, 0.0),
    "loyalty": (0.85, 0.90, 1.00, 0.0),
    "web": (0.97, 0.20, 0.30, 0.50),
    "app": (0.90, 0.50, 0.70, 1.00),
    "email": (1.00, 0.00, 0.00, 0.0),
}
ID_FORMAT = {"pos": ("P", 8), "loyalty": ("M", 9), "web": ("W", 9), "app": ("A", 9), "email": ("E", 9)}
PLACEHOLDER_EMAIL = "noemail@example.com"
DOMAINS = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "ziggo.nl", "kpnmail.nl")


def sha256_hex(values: list[str]) -> list[str]:
    return [hashlib.sha256(v.encode()).hexdigest() for v in values]


@dataclass(frozen=True)
class Persons:
    segment: np.ndarray  # int index into SEGMENTS
    home: np.ndarray  # index into locations (a store)
    activity: np.ndarray
    category_pref: np.ndarray  # (P, n_categories)
    brand_affinity: np.ndarray  # (P, catalog.N_BRANDS): mean 1, a few favourites per shopper
    start_day: np.ndarray  # first day they shop (may be 0 = before history)
    household: np.ndarray
    has: np.ndarray  # bool (P, len(SYSTEMS))
    deal: np.ndarray  # deal proneness: the segment's promotion affinity times a personal factor

    @property
    def n(self) -> int:
        return len(self.segment)


def build_persons(cfg: GeneratorConfig, loc: Locations, days: int, rng: np.random.Generator) -> Persons:
    n = cfg.customers
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARE)
    stores = loc.stores
    w = loc.size[stores]
    home = stores[rng.choice(len(stores), size=n, p=w / w.sum())]
    activity = SEGMENT_ACTIVITY[segment] * rng.gamma(0.8, 1.25, n)
    category_pref = CATEGORY_PREFERENCE[segment] * rng.gamma(2.0, 0.5, (n, len(CATEGORIES)))
    brand_affinity = rng.gamma(0.3, 1 / 0.3, (n, N_BRANDS))
    start_day = np.where(rng.random(n) < 0.65, 0, rng.integers(0, int(0.9 * days), n))
    # Households: neighbours at the same home store, sizes 1-4.
    order = np.argsort(home, kind="stable")
    sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.45, 0.30, 0.15, 0.10])
    starts = np.cumsum(sizes)
    hh_of_slot = np.searchsorted(starts, np.arange(n), side="right")
    household = np.empty(n, dtype=np.int64)
    household[order] = hh_of_slot
    has = rng.random((n, len(SYSTEMS))) < ACCOUNT_PROB[segment]
    has[~has.any(axis=1), 0] = True  # everyone is known to at least the POS
    deal = PROMO_AFFINITY[segment] * rng.lognormal(-0.18, 0.6, n)  # drawn last: earlier draws unchanged
    return Persons(segment, home, activity, category_pref, brand_affinity, start_day, household, has, deal)


@dataclass(frozen=True)
class Identities:
    """One row per customer_ref; `person` is the identity truth."""

    person: np.ndarray
    system: np.ndarray  # index into SYSTEMS
    ref: np.ndarray  # object "<system>:<id>"
    source_id: np.ndarray
    email_sha256: np.ndarray  # object, None = missing
    phone_sha256: np.ndarray
    loyalty_id: np.ndarray
    device_id: np.ndarray
    first_seen: np.ndarray  # int64 epoch seconds (planned; refined after activity)
    ref_of: dict[str, np.ndarray]  # system -> ref row per person (-1 none)
    second_web: np.ndarray  # ref row of a person's second web account (-1 none)
    traps: dict[str, list[str]]  # keys shared by different people, by kind

    @property
    def n(self) -> int:
        return len(self.ref)


def _device_ids(rng: np.random.Generator, n: int, prefix: str = "dev-") -> np.ndarray:
    return np.array([f"{prefix}{v:012x}" for v in rng.integers(0, 2**48, size=n)], dtype=object)


def build_identities(cfg: GeneratorConfig, persons: Persons, loc: Locations, start_epoch: int,
                     rng: np.random.Generator) -> Identities:
    P = persons.n
    email = np.array([f"shopper{i}@{DOMAINS[d]}" for i, d in
                      zip(rng.permutation(P) + 1000, rng.integers(0, len(DOMAINS), P))], dtype=object)
    phone = np.array([f"+316{v:08d}" for v in rng.choice(10**8, size=P, replace=False)], dtype=object)
    loyalty_card = np.array([f"LC{v:010d}" for v in rng.choice(10**10, size=P, replace=False)], dtype=object)
    app_device = _device_ids(rng, P)
    browser = _device_ids(rng, P)
    tablet_of_household = _device_ids(rng, int(persons.household.max()) + 1)
    hh_size = np.bincount(persons.household)[persons.household]
    shares_tablet = (hh_size > 1) & (rng.random(int(persons.household.max()) + 1) < cfg.shared_device_rate)[persons.household]

    rows_person: list[np.ndarray] = []
    rows_system: list[np.ndarray] = []
    second = np.zeros(0, dtype=np.int64)
    for k, system_name in enumerate(SYSTEMS):
        who = np.flatnonzero(persons.has[:, k])
        rows_person.append(who)
        rows_system.append(np.full(who.size, k))
        if system_name == "web":
            second = who[rng.random(who.size) < cfg.new_email_rate]
            rows_person.append(second)
            rows_system.append(np.full(second.size, k))
    person = np.concatenate(rows_person)
    system = np.concatenate(rows_system)
    n = person.size
    is_second = np.zeros(n, dtype=bool)
    web_rows = np.flatnonzero(system == SYSTEMS.index("web"))
    n_first_web = int(persons.has[:, SYSTEMS.index("web")].sum())
    is_second[web_rows[n_first_web:]] = True

    # Source ids: unique random numbers per system, so ids never reveal the person.
    source_id = np.empty(n, dtype=object)
    for k, system_name in enumerate(SYSTEMS):
        rows = np.flatnonzero(system == k)
        prefix, width = ID_FORMAT[system_name]
        nums = rng.choice(10**width, size=rows.size, replace=False)
        source_id[rows] = [f"{prefix}{v:0{width}d}" for v in nums]
    sys_names = np.array(SYSTEMS, dtype=object)[system]
    ref = np.array([f"{s}:{i}" for s, i in zip(sys_names, source_id)], dtype=object)

    # Link keys, each with a per-system presence probability, then the keys a ref cannot lack.
    probs = np.array([KEY_PROB[s] for s in SYSTEMS])[system]  # (n, 4)
    present = rng.random((n, 4)) < probs
    member = persons.has[person, SYSTEMS.index("loyalty")]
    pos = system == SYSTEMS.index("pos")
    unlinkable = _unlinkable_rows(cfg, system, is_second, rng)
    pos_card = _require_own_key(present, system, person, member, is_second)
    present[unlinkable] = [True, False, False, False]
    row_email = email[person].copy()
    new_addr = np.array([f"new.{e}" for e in email[person[is_second]]], dtype=object)
    row_email[is_second] = new_addr
    # Only addresses a cashier types at the till carry typos; online, newsletter and loyalty
    # accounts confirm their address by mail before they count.
    typo = (rng.random(n) < cfg.email_typo_rate) & pos & ~unlinkable
    row_email[typo] = [_typo(e, i) for i, e in enumerate(row_email[typo])]
    # A shop-floor placeholder address typed in for many different shoppers (at least two). The
    # cashier types it when the card identifies the shopper, so those till ids stay linkable.
    candidates = np.flatnonzero(pos_card & ~unlinkable)
    if candidates.size < 2:
        candidates = np.flatnonzero(pos & ~unlinkable)
    n_placeholder = min(candidates.size, max(2, round(cfg.placeholder_email_rate * int(pos.sum()))))
    placeholder = np.zeros(n, dtype=bool)
    if cfg.placeholder_email_rate > 0:
        placeholder[rng.choice(candidates, size=n_placeholder, replace=False)] = True
    row_email[placeholder] = PLACEHOLDER_EMAIL
    row_email[unlinkable] = [f"fresh.{i}@{DOMAINS[0]}" for i in source_id[unlinkable]]
    email_present = present[:, 0] | placeholder | is_second
    email_hash = np.full(n, None, dtype=object)
    email_hash[email_present] = sha256_hex([e.strip().lower() for e in row_email[email_present]])
    phone_hash = np.full(n, None, dtype=object)
    phone_hash[present[:, 1]] = sha256_hex(list(phone[person[present[:, 1]]]))
    loyalty_id = np.full(n, None, dtype=object)
    has_card = present[:, 2] & member
    loyalty_id[has_card] = loyalty_card[person[has_card]]
    device = np.full(n, None, dtype=object)
    app_rows = system == SYSTEMS.index("app")
    device[app_rows] = app_device[person[app_rows]]
    web_dev = (system == SYSTEMS.index("web")) & present[:, 3]
    use_tablet = web_dev & shares_tablet[person] & (rng.random(n) < 0.7) & ~unlinkable
    device[web_dev & ~use_tablet] = browser[person[web_dev & ~use_tablet]]
    device[use_tablet] = tablet_of_household[persons.household[person[use_tablet]]]
    kiosk = pos & (rng.random(n) < cfg.kiosk_rate) & ~unlinkable
    device[kiosk] = kiosk_id(loc.ids[persons.home[person[kiosk]]])
    online_lost = unlinkable & ((system == SYSTEMS.index("web")) | app_rows)
    device[online_lost] = _device_ids(rng, int(online_lost.sum()), prefix="dev-new-")

    offset_days = rng.exponential(45.0, n) + np.where(is_second, rng.uniform(30, 300, n), 0.0)
    first_day = persons.start_day[person] + offset_days
    first_day = np.where(persons.start_day[person] == 0, -rng.uniform(0, 1000, n), first_day)
    first_seen = start_epoch + (first_day * 86400).astype(np.int64)

    ref_of = {s: np.full(P, -1, dtype=np.int64) for s in SYSTEMS}
    for k, s in enumerate(SYSTEMS):
        rows = np.flatnonzero((system == k) & ~is_second)
        ref_of[s][person[rows]] = rows
    second_web = np.full(P, -1, dtype=np.int64)
    second_web[person[is_second]] = np.flatnonzero(is_second)
    traps = {
        "placeholder_email_sha256": sha256_hex([PLACEHOLDER_EMAIL]) if placeholder.any() else [],
        "shared_household_devices": sorted(set(device[use_tablet])),
        "kiosk_devices": sorted(set(device[kiosk])),
    }
    return Identities(person, system, ref, source_id, email_hash, phone_hash, loyalty_id, device,
                      first_seen, ref_of, second_web, traps)


def _unlinkable_rows(cfg: GeneratorConfig, system: np.ndarray, is_second: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """Refs that no key can link: a new address, a new device, nothing else (`unlinkable_ref_rate`).

    Loyalty ids are the card programme itself, so a loyalty ref always carries its card.
    """
    eligible = (system != SYSTEMS.index("loyalty")) & ~is_second
    return eligible & (rng.random(system.size) < cfg.unlinkable_ref_rate)


def _require_own_key(present: np.ndarray, system: np.ndarray, person: np.ndarray, member: np.ndarray,
                     is_second: np.ndarray) -> np.ndarray:
    """Give every ref the key its source id exists because of (in place); returns till ids on a card.

    An online, newsletter or loyalty account is opened with an e-mail address; a till (POS)
    customer id exists because of a loyalty card or an e-receipt address; a second web account
    has a new address but the shopper's own phone (or card) at checkout. Other keys keep their
    realistic gaps, so a ref misses some keys but never all of them.
    """
    pos = system == SYSTEMS.index("pos")
    pos_card = pos & member & present[:, 2]
    present[~pos & ~is_second, 0] = True
    present[pos & ~pos_card, 0] = True
    second_card = is_second & member & present[:, 2]
    by_phone = is_second & ~second_card
    present[by_phone, 1] = True
    # ... the same phone that is on the delivery address of their first web account.
    first_web = (system == SYSTEMS.index("web")) & ~is_second
    present[first_web & np.isin(person, person[by_phone]), 1] = True
    return pos_card


def _typo(email: str, i: int) -> str:
    """A plausible mistyped address: a doubled letter or a slipped domain."""
    local, domain = email.split("@", 1)
    if i % 2:
        return f"{local}{local[-1]}@{domain}"
    return f"{local}@{domain.replace('.', ',', 1).replace(',', '')}"


def kiosk_id(location_ids: np.ndarray) -> np.ndarray:
    return np.array([f"kiosk-{x}" for x in location_ids], dtype=object)


CONSENT_SOURCE = {"web": "web_signup", "app": "app_onboarding", "email": "email_preference_center",
                  "loyalty": "store_enrolment_form"}
GRANT_PROB = {"marketing": 0.55, "analytics": 0.75, "personalization": 0.62}
SEGMENT_CONSENT = np.array([1.0, 1.05, 0.85, 0.9, 1.15])


@dataclass(frozen=True)
class ConsentPlan:
    """Consent decisions per (ref row, purpose), drawn before anyone acts; times come later."""

    row: np.ndarray  # identity row
    purpose: np.ndarray  # index into CONSENT_PURPOSES
    granted: np.ndarray  # decision at sign-up
    changes: np.ndarray  # a later change of mind (flips the decision)
    change_after_days: np.ndarray  # when, after sign-up

    def marketing_allowed(self, n_refs: int) -> np.ndarray:
        """Per identity row: marketing granted at sign-up and never changed (safe to target any time)."""
        ok = np.zeros(n_refs, dtype=bool)
        m = (self.purpose == CONSENT_PURPOSES.index("marketing")) & self.granted & ~self.changes
        ok[self.row[m]] = True
        return ok


def plan_consents(persons: Persons, ids: Identities, rng: np.random.Generator) -> ConsentPlan:
    """Who is asked what, what they answer, and whether they change their mind later."""
    parts: list[tuple[np.ndarray, int, np.ndarray]] = []
    for system_name in CONSENT_SOURCE:
        rows = np.flatnonzero(ids.system == SYSTEMS.index(system_name))
        for k, purpose in enumerate(CONSENT_PURPOSES):
            if system_name == "email" and purpose != "marketing":
                continue
            asked = rows[rng.random(rows.size) < 0.92]
            p = 0.95 if system_name == "email" else GRANT_PROB[purpose]
            granted = rng.random(asked.size) < np.clip(p * SEGMENT_CONSENT[persons.segment[ids.person[asked]]], 0, 1)
            parts.append((asked, k, granted))
    row = np.concatenate([r for r, _, _ in parts])
    granted = np.concatenate([g for _, _, g in parts])
    return ConsentPlan(
        row=row, purpose=np.concatenate([np.full(r.size, k) for r, k, _ in parts]), granted=granted,
        changes=rng.random(row.size) < np.where(granted, 0.10, 0.04),
        change_after_days=rng.uniform(1, 500, row.size),
    )


def build_consents(plan: ConsentPlan, ids: Identities, first_seen: np.ndarray,
                   end_epoch: int) -> dict[str, np.ndarray]:
    """The consent log: the decision at sign-up, then any change of mind before the end of history."""
    t0 = first_seen[plan.row]
    t1 = t0 + (plan.change_after_days * 86400).astype(np.int64)
    later = plan.changes & (t1 < end_epoch)
    sources = np.array([*CONSENT_SOURCE.values(), "preference_center"], dtype=object)
    source_of_system = np.full(len(SYSTEMS), -1)
    source_of_system[[SYSTEMS.index(s) for s in CONSENT_SOURCE]] = np.arange(len(CONSENT_SOURCE))
    src = source_of_system[ids.system[plan.row]]
    purposes = np.array(CONSENT_PURPOSES, dtype=object)
    return {
        "customer_ref": np.concatenate([ids.ref[plan.row], ids.ref[plan.row[later]]]),
        "purpose": np.concatenate([purposes[plan.purpose], purposes[plan.purpose[later]]]),
        "granted": np.concatenate([plan.granted, ~plan.granted[later]]),
        "ts": np.concatenate([t0, t1[later]]),
        "source": np.concatenate([sources[src], np.full(int(later.sum()), sources[-1], dtype=object)]),
    }
