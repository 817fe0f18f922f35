"""`omnicast models ...`: the MLflow registry: list versions, move the champion alias."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from omnicast.commands.context import console, get_settings, user_errors

app = typer.Typer(help="Inspect and promote registered models.", no_args_is_help=True)


@app.command("list")
def list_models(ctx: typer.Context) -> None:
    """Every registered model version, its aliases and headline metrics."""
    from training.demand.tracking import list_models as run

    settings = get_settings(ctx)
    with user_errors():
        rows = run(settings)
    if not rows:
        console.print("no registered models yet: run `omnicast train demand`")
        return
    table = Table(title=f"registered models ({settings.tracking_uri})")
    for col in rows[0]:
        table.add_column(col)
    for row in rows:
        table.add_row(*row.values())
    console.print(table)


@app.command("promote")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Registered model, e.g. omnicast-demand.")],
    version: Annotated[str, typer.Argument(help="Version to make the champion.")],
    alias: Annotated[str, typer.Option(help="Alias to move.")] = "champion",
) -> None:
    """Point the `champion` alias (what serving and batch forecasts load) at VERSION."""
    from training.demand.tracking import promote as run

    settings = get_settings(ctx)
    with user_errors():
        moved = run(settings, version, name=name, alias=alias)
    console.print(f"{moved['model']}@{moved['alias']}: version {moved['previous']} -> {moved['version']}")
