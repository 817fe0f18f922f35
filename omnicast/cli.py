"""The `omnicast` command: one entry point, one sub-command group per stage."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from omnicast import __version__
from omnicast.commands import backtest, data, demo, experiment, features, forecast, models, nbo, privacy, train
from omnicast.commands.context import SettingsOverrides
from omnicast.env import CONFIG_ENV, disable_telemetry

app = typer.Typer(
    name="omnicast",
    help=(
        "Omnicast: unified customer profiles, demand forecasts, next best offers and "
        "A/B tests for omnichannel retailers. Everything is written below the data "
        "home (OMNICAST_HOME, default ./.omnicast)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain (click) help and usage errors for every group and command below: rich's help
    # formatter imports markdown, syntax highlighting and tracebacks (~0.3 s of CPU before
    # the first line), and its boxed usage errors are hard-wrapped at the terminal width.
    rich_markup_mode=None,
)


def _planned(name: str, what: str) -> typer.Typer:
    """A stage group whose commands arrive with a later capability (see DESIGN.md)."""
    return typer.Typer(name=name, help=f"{what} [not available yet]", no_args_is_help=True)


app.add_typer(data.app, name="data")
app.add_typer(features.app, name="features")
app.add_typer(train.app, name="train")
app.add_typer(backtest.app, name="backtest")
app.add_typer(models.app, name="models")
app.add_typer(forecast.app, name="forecast")
app.add_typer(_planned("serve", "Run the BentoML scoring service."), name="serve")
app.add_typer(nbo.app, name="nbo")
nbo.register(train.app, backtest.app)
app.add_typer(experiment.app, name="experiment")
app.add_typer(_planned("monitor", "Drift and model-quality monitoring with Evidently."), name="monitor")
app.add_typer(privacy.app, name="privacy")
app.command("demo")(demo.demo)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"omnicast {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="Data home (overrides OMNICAST_HOME).", show_default=False)
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help=f"YAML/TOML settings file (overrides {CONFIG_ENV}).", show_default=False),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR.", show_default=False)
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Record global options; settings load on first use, so `--help` never needs them."""
    disable_telemetry()
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
    ctx.obj = SettingsOverrides(home=home, log_level=log_level)


if __name__ == "__main__":
    app()
