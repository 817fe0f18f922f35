"""feature_store.yaml generated from Settings: one source of configuration."""

from __future__ import annotations

from pathlib import Path

import yaml

from omnicast.settings import Settings

PROJECT = "omnicast"


def store_config(settings: Settings) -> dict:
    """The feature_store.yaml content for these settings."""
    paths = settings.paths
    if settings.online_store == "redis":
        online = {"type": "redis", "connection_string": settings.redis_url}
    else:
        online = {"type": "sqlite", "path": str(paths.sqlite_online_store.resolve())}
    return {
        "project": PROJECT,
        "provider": "local",
        "registry": {"registry_type": "file", "path": str(paths.feast_registry.resolve()), "cache_ttl_seconds": 60},
        "online_store": online,
        "offline_store": {"type": "duckdb"},
        "entity_key_serialization_version": 3,
    }


def write_feature_store_yaml(settings: Settings) -> Path:
    """Write feature_store.yaml (idempotent) and return the repo directory."""
    repo = settings.paths.feast
    repo.mkdir(parents=True, exist_ok=True)
    settings.paths.feature_store_yaml.write_text(yaml.safe_dump(store_config(settings), sort_keys=False))
    return repo
