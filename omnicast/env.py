"""Environment variable names the shell reads before settings load, and the telemetry switches.

Kept free of imports so that `omnicast --help` does not load pydantic to learn a name.
"""

from __future__ import annotations

import os

ENV_PREFIX = "OMNICAST_"
CONFIG_ENV = "OMNICAST_CONFIG"

# Omnicast never phones home: every library it starts is told so (set unless the user set them).
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "BENTOML_DO_NOT_TRACK": "True",
    "FEAST_USAGE": "False",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


def disable_telemetry() -> None:
    """Turn off the usage reporting of MLflow, Feast, BentoML and Evidently for this process and its children."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
