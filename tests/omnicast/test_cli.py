"""The CLI shell: every stage group is reachable, and bad settings exit 2 with one message."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from omnicast.cli import app

runner = CliRunner()
STAGES = ["data", "features", "train", "backtest", "models", "serve", "experiment", "monitor", "privacy", "demo"]


def test_help_lists_every_stage() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for stage in STAGES:
        assert stage in result.output


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_its_own_help(stage: str) -> None:
    result = runner.invoke(app, [stage, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_bad_setting_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNICAST_SEED", "minus-one")
    result = runner.invoke(app, ["data", "--help"])
    assert result.exit_code == 0  # help never needs settings
    result = runner.invoke(app, ["data", "generate", "--size", "demo"])
    assert result.exit_code == 2
    assert "OMNICAST_SEED" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "omnicast" in result.output


def test_generate_help_states_the_generator_bounds() -> None:
    """The size options carry GeneratorConfig's own bounds, so help and validation agree with it."""
    from annotated_types import Ge, Le

    from features.synthetic.config import GeneratorConfig

    result = runner.invoke(app, ["data", "generate", "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    for name in ("customers", "stores", "skus", "days"):
        meta = GeneratorConfig.model_fields[name].metadata
        low = next(m.ge for m in meta if isinstance(m, Ge))
        high = next(m.le for m in meta if isinstance(m, Le))
        assert f"--{name} <int range>" in help_text and f"[{low}<=x<={high}]" in help_text, name
    result = runner.invoke(app, ["data", "generate", "--customers", "5"])
    assert result.exit_code == 2 and "--customers" in result.output


def test_erase_without_yes_says_nothing_was_erased(tmp_path) -> None:
    home = tmp_path / "home"
    for answer in ("n\n", ""):  # a no, and no answer at all (end of input)
        result = runner.invoke(app, ["--home", str(home), "privacy", "erase", "web:W1"], input=answer)
        assert result.exit_code == 1
        assert "not erased: nothing was changed for web:W1" in " ".join(result.output.split())
        assert "Aborted" not in result.output
    assert not home.exists()  # nothing was written, not even the ledger
