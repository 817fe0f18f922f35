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
# and the top-level help does not even need these
NOT_FOR_TOP_HELP = (*HEAVY, "numpy", "scipy", "pyarrow", "pydantic_settings", "rich")

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
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_a_command_help_imports_nothing_heavy() -> None:
    code, modules = _imported(["train", "demand", "--help"])
    assert code == 0 and not modules & set(HEAVY), sorted(modules & set(HEAVY))
