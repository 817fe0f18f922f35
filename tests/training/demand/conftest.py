"""Simulated panels with known structure for the demand tests."""

from __future__ import annotations

import pandas as pd
import pytest

from training.demand.simulate import simulate_panel


@pytest.fixture(scope="session")
def sim_panel() -> pd.DataFrame:
    return simulate_panel()
