"""`omnicast --help` and every `omnicast <group> --help` stay fast: they import no heavy library.

Checked on what a fresh process has imported (`sys.modules`), not on a timing,
so the test means the same on a loaded machine as on a quiet one. Groups are
read off the app, so a new group is covered as soon as it is added.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from omnicast.cli import app

# what a help screen must never pay for (seconds of import each)
HEAVY = ("pandas", "mlflow", "lightgbm", "feast", "bentoml", "evidently", "duckdb", "matplotlib")
# nor these, which help does not need either (pydantic: typer validates options with it,
# which omnicast.cli skips for the global options that were not given)
NOT_FOR_HELP = (*HEAVY, "numpy", "scipy", "pyarrow", "pydantic", "pydantic_settings")
# and the top-level help not even rich
NOT_FOR_TOP_HELP = (*NOT_FOR_HELP, "rich")

PROBE = r"""
import json, sys
sys.argv = ["omnicast", *json.loads(sys.argv[1])]
from omnicast.cli import app
try:
    app()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _imported(args: list[str]) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _groups() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_top_level_help_imports_nothing_heavy() -> None:
    code, modules = _imported(["--help"])
    assert code == 0
    assert not modules & set(NOT_FOR_TOP_HELP), sorted(modules & set(NOT_FOR_TOP_HELP))


@pytest.mark.parametrize("group", _groups())
def test_group_help_imports_nothing_heavy(group: str) -> None:
    code, modules = _imported([group, "--help"])
    assert code == 0
    assert not modules & set(NOT_FOR_HELP), sorted(modules & set(NOT_FOR_HELP))


@pytest.mark.parametrize("command", [["train", "demand"], ["data", "import", "hillstrom"], ["experiment", "power"]])
def test_a_command_help_imports_nothing_heavy(command: list[str]) -> None:
    code, modules = _imported([*command, "--help"])
    assert code == 0 and not modules & set(NOT_FOR_HELP), sorted(modules & set(NOT_FOR_HELP))


def test_options_left_out_still_behave_as_typer_says() -> None:
    """The pass-through of unset options changes nothing a user sees: defaults, required, callbacks."""
    from typer.testing import CliRunner

    runner = CliRunner()
    missing = runner.invoke(app, ["experiment", "power", "--baseline", "0.1"])
    assert missing.exit_code == 2 and "Missing option '--mde'" in missing.output
    given = runner.invoke(app, ["experiment", "power", "--baseline", "0.1", "--mde", "0.05"])
    assert given.exit_code == 0 and "alpha 0.05" in given.output  # the default, coerced as before
    assert runner.invoke(app, ["--version"]).output.startswith("omnicast ")
    bad = runner.invoke(app, ["data", "generate", "--customers", "five"])
    assert bad.exit_code == 2 and "--customers" in bad.output
