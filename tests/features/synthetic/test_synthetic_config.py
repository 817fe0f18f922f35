from __future__ import annotations

import numpy as np
import pytest

from features.synthetic import GeneratorConfig, GeneratorConfigError
from features.synthetic.config import PRESETS
from omnicast.errors import OmnicastError


def test_unknown_preset_names_the_valid_ones() -> None:
    with pytest.raises(GeneratorConfigError) as err:
        GeneratorConfig.preset("huge")
    assert isinstance(err.value, OmnicastError)
    for name in ("demo", "small", "medium", "large"):
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("bad_row_rate", 0.7), ("bad_row_rate", -0.1), ("days", 10), ("customers", 0), ("skus", 2)],
)
def test_invalid_values_name_the_setting(field: str, value: float) -> None:
    with pytest.raises(GeneratorConfigError, match=field):
        GeneratorConfig.preset("demo", **{field: value})


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(GeneratorConfigError, match="colour"):
        GeneratorConfig.preset("demo", colour="red")


def test_experiment_must_fit_in_history() -> None:
    with pytest.raises(GeneratorConfigError, match="experiment_days"):
        GeneratorConfig.preset("tiny", experiment_days=110, experiment_end_offset=20)


def test_preset_overrides_and_seed() -> None:
    cfg = GeneratorConfig.preset("large", seed=3, bad_row_rate=0.01, stores=4)
    assert (cfg.seed, cfg.bad_row_rate, cfg.stores) == (3, 0.01, 4)
    assert cfg.skus == PRESETS["large"]["skus"]


def test_random_streams_are_reproducible_and_independent() -> None:
    a, b = GeneratorConfig(seed=5).rngs(), GeneratorConfig(seed=5).rngs()
    assert all(np.array_equal(a[k].random(4), b[k].random(4)) for k in a)
    c = GeneratorConfig(seed=5).rngs()
    assert not np.array_equal(c["orders"].random(4), c["events"].random(4))
    assert not np.array_equal(GeneratorConfig(seed=6).rngs()["orders"].random(4), a["orders"].random(4))
