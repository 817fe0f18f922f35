"""The `omnicast` command: one entry point, one sub-command group per stage."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from omnicast import __version__
from omnicast.commands import backtest, data, demo, experiment, features, forecast, models, nbo, privacy, train
from omnicast.commands.context import SettingsOverrides
from omnicast.env import CONFIG_ENV, disable_telemetry

if TYPE_CHECKING:
    from typer._click.core import Command, Context, Parameter


class _RootGroup(TyperGroup):
    """The top-level group: options that were not given pass through without typer's coercion.

    Typer (0.29) coerces every option through a pydantic validator, which it builds even
    to turn a missing value into None: for the global options and the help flags that
    meant importing pydantic (and building validators) on every `omnicast <group> --help`
    and `omnicast <group> <command> --help`. A missing value here skips that step and goes
    straight to the option's callback, exactly as typer does after coercing None to None;
    a given value is coerced by typer as always. Applies to every group and command below.
    """

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _passing_unset_through(super().get_params(ctx))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return _with_unset_passthrough(super().get_command(ctx, cmd_name))


def _with_unset_passthrough(command: Command | None) -> Command | None:
    """Give a sub-command (and, for a group, its sub-commands) the root group's option handling."""
    if command is None or getattr(command, "_omnicast_passthrough", False):
        return command
    patched: Any = command  # click objects take instance attributes; typing them is not the point here
    get_params = command.get_params
    patched.get_params = lambda ctx: _passing_unset_through(get_params(ctx))
    if isinstance(command, TyperGroup):
        get_command = command.get_command
        patched.get_command = lambda ctx, name: _with_unset_passthrough(get_command(ctx, name))
    patched._omnicast_passthrough = True
    return command


def _passing_unset_through(params: list[Parameter]) -> list[Parameter]:
    for param in params:
        if not getattr(param, "_omnicast_passthrough", False):
            _pass_unset_through(param)
    return params


def _pass_unset_through(param: Any) -> None:
    process = param.process_value

    def process_value(ctx: Context, value: Any) -> Any:
        if value is not None or param.required or param.multiple or param.nargs != 1:
            return process(ctx, value)
        return param.callback(ctx, param, None) if param.callback is not None else None

    param.process_value = process_value
    param._omnicast_passthrough = True


app = typer.Typer(
    name="omnicast",
    cls=_RootGroup,
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
