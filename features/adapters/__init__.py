"""Real-format adapters: public data sets mapped onto the source contracts.

Each adapter replaces the data home's raw/ directory (a data home holds one
retailer) with contract-shaped raw tables, and keeps the source rows it could not
map, with a reason, in raw/_rejected/<source>.parquet; `omnicast data ingest`
(which the import commands run right after) then validates the tables and moves
those rejects into quarantine/, so every source row is accounted for.
"""

from features.adapters.errors import AdapterError
from features.adapters.hillstrom import COVARIATES, import_hillstrom
from features.adapters.online_retail import import_online_retail

__all__ = ["COVARIATES", "AdapterError", "import_hillstrom", "import_online_retail"]
