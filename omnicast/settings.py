"""One typed settings object for the whole product.

Values come from (highest first): explicit overrides, `OMNICAST_*` environment
variables, an optional YAML/TOML config file (`OMNICAST_CONFIG` or `--config`),
then defaults. Every path derives from `home` so that nothing is written
outside the data home unless a setting says so.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from omnicast.env import CONFIG_ENV, ENV_PREFIX
from omnicast.errors import OmnicastError
from omnicast.paths import DataHome

__all__ = ["CONFIG_ENV", "ENV_PREFIX", "Settings", "SettingsError", "load_settings", "unknown_env_names"]
# what MLflow's tracking and model registry both accept (a bare path means a local file store)
MLFLOW_SCHEMES = frozenset({"file", "sqlite", "postgresql", "mysql", "mssql", "http", "https", "databricks"})



class SettingsError(OmnicastError):
    """A configuration value is wrong; the message names the setting and why."""


class Settings(BaseSettings):
    """Omnicast configuration (env prefix `OMNICAST_`, e.g. `OMNICAST_HOME=/data/omnicast`)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        validate_default=True,
        frozen=True,
    )

    home: Path = Field(Path(".omnicast"), description="Data home: every artefact lives below it.")
    seed: int = Field(42, ge=0, description="Default random seed for generation and training.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    online_store: Literal["sqlite", "redis"] = Field(
        "sqlite", description="Feast online store: embedded SQLite or a Redis server."
    )
    redis_url: str = Field("127.0.0.1:6379", description="Redis connection string for Feast.")
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; default is a SQLite DB under home/mlruns."
    )
    threads: int = Field(1, ge=0, description="Worker threads for LightGBM (0 = all cores).")
    identity_max_refs_per_key: int = Field(
        8, ge=1, description="Identity: a key value on more refs than this links nobody (shared)."
    )
    identity_max_refs_per_system: int = Field(
        1, ge=1, description="Identity: a device or e-mail on more refs of one system links nobody."
    )
    safety_buffer_units: int = Field(
        1, ge=0, description="Units held back per location x SKU: sellable = on hand - reserved - this."
    )
    cart_ttl_days: int = Field(30, ge=1, description="A cart item older than this is abandoned.")

    @field_validator("mlflow_tracking_uri", mode="after")
    @classmethod
    def _tracking_uri_scheme(cls, v: str | None) -> str | None:
        scheme = v.split("://", 1)[0] if v and "://" in v else ""
        if scheme and scheme.split("+", 1)[0] not in MLFLOW_SCHEMES:
            raise ValueError(f"unsupported scheme {scheme!r}; use one of {sorted(MLFLOW_SCHEMES)} or a local path")
        return v

    @field_validator("home", mode="after")
    @classmethod
    def _home_is_not_a_file(cls, v: Path) -> Path:
        if v.exists() and not v.is_dir():
            raise ValueError(f"{v} exists and is not a directory")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get(CONFIG_ENV)
        if config:
            sources.append(_file_source(settings_cls, Path(config)))
        return tuple(sources)

    # --- derived locations (DESIGN.md: one data home) -------------------------
    @cached_property
    def paths(self) -> DataHome:
        """Every path below the data home (omnicast.paths is the one map)."""
        return DataHome(self.home)

    @property
    def tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{self.paths.mlflow_db.resolve()}"


def _file_source(settings_cls: type[BaseSettings], path: Path) -> PydanticBaseSettingsSource:
    import tomllib

    import yaml

    if path.is_dir():
        raise SettingsError(f"{CONFIG_ENV}: config file {path} is a directory")
    if not path.is_file():
        raise SettingsError(f"{CONFIG_ENV}: config file {path} does not exist")
    if path.suffix not in {".yaml", ".yml", ".toml"}:
        raise SettingsError(f"{CONFIG_ENV}: {path} must be a .yaml, .yml or .toml file")
    try:  # both sources parse the file when built
        if path.suffix == ".toml":
            return TomlConfigSettingsSource(settings_cls, toml_file=path)
        return YamlConfigSettingsSource(settings_cls, yaml_file=path)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: not UTF-8
        detail = " ".join(str(exc).split())
        raise SettingsError(f"{CONFIG_ENV}: config file {path} is not valid {path.suffix[1:].upper()}: {detail}") from None


# OMNICAST_* variables that are not settings but are read elsewhere on purpose.
NON_SETTING_ENV = {CONFIG_ENV, "OMNICAST_REQUIRE_SERVERS", "OMNICAST_TEST_WORKERS"}


def unknown_env_names(environ: dict[str, str] | None = None) -> list[str]:
    """OMNICAST_* variables that name no setting: most likely a typo (OMNICAST_THRADS)."""
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields} | NON_SETTING_ENV
    env = os.environ if environ is None else environ
    return sorted(k for k in env if k.upper().startswith(ENV_PREFIX) and k.upper() not in known)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning pydantic's errors into one message per bad setting.

    pydantic-settings ignores unknown prefixed variables, so a misspelt one would
    silently do nothing; it is logged as a warning instead.
    """
    for name in unknown_env_names():
        logging.getLogger("omnicast.settings").warning(
            "%s is not an Omnicast setting and is ignored (settings: %s)",
            name,
            ", ".join(ENV_PREFIX + f.upper() for f in Settings.model_fields),
        )
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            env = ENV_PREFIX + name.upper()
            problems.append(f"{env} ({name}): {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems)) from None
