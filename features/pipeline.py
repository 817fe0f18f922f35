"""The features stage end to end, for the CLI and the demo pipeline.

    build_features(settings) -> dict

identity resolution -> profile tables -> Feast apply -> materialize, with the
erasure ledger applied first so that no rebuild brings an erased shopper back.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from omnicast.settings import Settings

log = logging.getLogger(__name__)
TRUTH_GLOB = "*identit*.parquet"


def identity_config(settings: Settings):
    from features.identity import IdentityConfig
    from features.identity.graph import LINK_KEYS

    return IdentityConfig(
        max_refs_per_key={k: settings.identity_max_refs_per_key for k in LINK_KEYS},
        max_refs_per_system={
            k: settings.identity_max_refs_per_system for k in ("device_id", "email_sha256")
        },
    )


def load_identity_truth(truth_dir: Path) -> pd.DataFrame | None:
    """The generator's identity ground truth (customer_ref -> person), when there is one."""
    for path in sorted(Path(truth_dir).glob(TRUTH_GLOB)):
        truth = pd.read_parquet(path)
        person = next((c for c in ("person_id", "person") if c in truth.columns), None)
        if "customer_ref" in truth.columns and person:
            return truth[["customer_ref", person]].rename(columns={person: "person_id"})
    return None


def resolve_identities(settings: Settings, tables: dict[str, pd.DataFrame | Path]) -> tuple[pd.DataFrame, dict]:
    """Identity map + merge statistics (+ pairwise precision/recall when truth exists); written."""
    from features.identity import pairwise_scores, resolve
    from features.identity.evaluate import linkable_pairs

    identities = tables["identities"]
    assert isinstance(identities, pd.DataFrame)  # only SCANNED tables are passed as paths
    result = resolve(identities, identity_config(settings))
    stats = dict(result.stats)
    truth = load_identity_truth(settings.paths.truth)
    if truth is not None:
        scores = pairwise_scores(result.mapping, truth).to_dict()
        scores["linkable_pairs"] = linkable_pairs(identities, truth)
        scores["recall_of_linkable"] = (
            scores["correct_pairs"] / scores["linkable_pairs"] if scores["linkable_pairs"] else 1.0
        )
        stats["truth"] = scores
    path = settings.paths.identity_map
    path.parent.mkdir(parents=True, exist_ok=True)
    result.mapping.to_parquet(path, index=False)
    settings.paths.identity_stats.write_text(json.dumps(stats, indent=2))
    return result.mapping, stats


def build_tables(settings: Settings) -> dict:
    """Identity -> profile tables (no Feast); returns paths, row counts and identity stats."""
    from features.privacy.ledger import erased_hashes
    from features.profile.build import build_profile_tables, load_tables
    from features.profile.demand import build_store_sku_daily

    tables = load_tables(settings.paths.validated, erased_hashes(settings))
    mapping, stats = resolve_identities(settings, tables)
    out = build_profile_tables(
        tables,
        mapping,
        settings.paths.feature_tables,
        safety_buffer=settings.safety_buffer_units,
        cart_ttl_days=settings.cart_ttl_days,
    )
    out.rows["store_sku_daily"] = build_store_sku_daily(settings)
    out.paths["store_sku_daily"] = settings.paths.feature_table("store_sku_daily")
    return {
        "as_of": out.as_of.isoformat(),
        "identity_map": str(settings.paths.identity_map),
        "identity": stats,
        "tables": {k: str(v) for k, v in out.paths.items()},
        "rows": out.rows,
    }


def build_features(settings: Settings, materialize: bool = True) -> dict:
    """The whole features stage: tables, then Feast apply and (incremental) materialize."""
    from features.feature_repo import store

    summary = build_tables(settings)
    summary["feast"] = store.apply(settings)
    if materialize:
        summary["materialized"] = store.materialize(settings)
    summary["feast_repo"] = str(settings.paths.feast)
    return summary
