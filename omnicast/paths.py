"""The one map of the data home (`OMNICAST_HOME`).

Every file and folder Omnicast keeps lives below one root, and this module is
the only place that knows where. Stages, the service and monitoring ask a
`DataHome` for a path instead of joining strings, so the layout can change in
one place (and a reviewer can see the whole of it here).

    raw/                      source tables as delivered (+ manifest.json)
    raw/truth/                synthetic ground truth (test fixtures, never exported)
    quarantine/               rejected rows with their reasons
    offline/validated/        accepted rows typed to the contracts + ingest report
    offline/features/         profile and demand feature tables (Feast offline store)
    offline/identity_map.parquet, offline/identity_stats.json
    offline/store_sku_daily.parquet   the demand panel
    feast/                    feature_store.yaml, registry, SQLite online store
    mlruns/                   MLflow SQLite backend and artefacts (compiled/: champions compiled at promotion)
    monitoring/               Evidently workspace and run summaries
    reports/                  forecasts, experiment reports
    privacy/                  erasure ledger and audit log
    logs/                     append-only prediction and exposure logs (serving)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TABLE_SUFFIX = ".parquet"
TRUTH_DIR = "truth"  # below raw/: written by the synthetic generator


def table_file(folder: Path, table: str) -> Path:
    """The Parquet file of one table inside a folder of tables."""
    return Path(folder) / f"{table}{TABLE_SUFFIX}"


@dataclass(frozen=True)
class DataHome:
    """Paths below one data home; nothing here touches the disk."""

    root: Path

    # --- sources ---------------------------------------------------------
    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def raw_manifest(self) -> Path:
        return self.raw / "manifest.json"

    @property
    def truth(self) -> Path:
        """The synthetic generator's ground truth (fixtures for evaluation only)."""
        return self.raw / TRUTH_DIR

    def truth_file(self, name: str) -> Path:
        return self.truth / name

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    # --- offline store ---------------------------------------------------
    @property
    def offline(self) -> Path:
        return self.root / "offline"

    @property
    def validated(self) -> Path:
        return self.offline / "validated"

    def validated_table(self, table: str) -> Path:
        return table_file(self.validated, table)

    @property
    def feature_tables(self) -> Path:
        """Profile and demand feature tables the Feast offline store reads."""
        return self.offline / "features"

    def feature_table(self, view: str) -> Path:
        return table_file(self.feature_tables, view)

    @property
    def identity_map(self) -> Path:
        return self.offline / "identity_map.parquet"

    @property
    def identity_stats(self) -> Path:
        return self.offline / "identity_stats.json"

    @property
    def demand_panel(self) -> Path:
        """One row per location x SKU x day: the demand model's input."""
        return self.offline / "store_sku_daily.parquet"

    # --- feature store ---------------------------------------------------
    @property
    def feast(self) -> Path:
        return self.root / "feast"

    @property
    def feature_store_yaml(self) -> Path:
        return self.feast / "feature_store.yaml"

    @property
    def feast_registry(self) -> Path:
        return self.feast / "registry.db"

    @property
    def sqlite_online_store(self) -> Path:
        return self.feast / "online_store.db"

    # --- models ----------------------------------------------------------
    @property
    def mlruns(self) -> Path:
        return self.root / "mlruns"

    @property
    def mlflow_db(self) -> Path:
        return self.mlruns / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.mlruns / "artifacts"

    @property
    def compiled_models(self) -> Path:
        """Champion models compiled at promotion time (e.g. lleaves shared objects), per name-version."""
        return self.mlruns / "compiled"

    # --- outputs ---------------------------------------------------------
    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def experiment_reports(self) -> Path:
        return self.reports / "experiments"

    @property
    def demand_forecasts(self) -> Path:
        return self.reports / "demand_forecasts.parquet"

    @property
    def demand_forecast_plot(self) -> Path:
        return self.reports / "demand_forecast.png"

    @property
    def monitoring(self) -> Path:
        return self.root / "monitoring"

    @property
    def logs(self) -> Path:
        """Append-only logs written by the scoring service."""
        return self.root / "logs"

    @property
    def prediction_log(self) -> Path:
        return self.logs / "predictions"

    @property
    def exposure_log(self) -> Path:
        return self.logs / "exposures"

    # --- privacy ---------------------------------------------------------
    @property
    def privacy(self) -> Path:
        return self.root / "privacy"

    @property
    def erasure_ledger(self) -> Path:
        return self.privacy / "erased_refs.txt"

    @property
    def audit_log(self) -> Path:
        return self.privacy / "audit.jsonl"
