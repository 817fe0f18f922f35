"""`omnicast models ...`: the MLflow registry: list versions, move the champion alias."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from omnicast.commands.context import console, get_settings, user_errors

if TYPE_CHECKING:
    from training.registry import ModelVersion


app = typer.Typer(help="Inspect and promote registered models.", no_args_is_help=True)


@app.command("list")
def list_models(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this registered model (default: all).")] = None,
) -> None:
    """Every registered model version, its aliases and headline metrics."""
    from rich.markup import escape

    from training.registry import list_versions

    settings = get_settings(ctx)
    with user_errors():
        versions = list_versions(settings, name)
    if not versions:
        console.print("no registered models yet: run `omnicast train demand`")
        return
    _print_versions(versions)
    console.print(f"tracking store: {escape(settings.tracking_uri)}")


TABLE_WIDTH = 72  # the table below with a model name of 15 characters


def _print_versions(versions: list[ModelVersion]) -> None:
    """A table where it fits, one line per version where it does not; identifiers never wrap or
    get cut (they are typed into `models promote`), and the metrics are prose below."""
    from rich.markup import escape
    from rich.table import Table

    rows = [
        (v.model, v.version, ",".join(v.aliases) or "-", (v.run_id or "")[:8],
         datetime.fromtimestamp(v.created_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M"))
        for v in versions
    ]
    widest = max(len(r[0]) for r in rows)
    if console.width >= TABLE_WIDTH + max(0, widest - 15):
        table = Table(title="registered models")
        for col in ("model", "version", "aliases", "run", "created (UTC)"):
            table.add_column(col, no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        for model, version, aliases, run, created in rows:
            console.print(f"{escape(model)} v{version}  aliases {escape(aliases)}  run {run}  created {created} UTC")
    for v in versions:
        metrics = ", ".join(f"{k}={v.metrics[k]:.4g}" for k in sorted(v.metrics))
        console.print(f"{escape(v.model)} v{v.version}: {escape(metrics) or 'no metrics logged'}")


@app.command("promote")
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Registered model, e.g. omnicast-demand.")],
    version: Annotated[str, typer.Argument(help="Version to make the champion.")],
    alias: Annotated[str, typer.Option(help="Alias to move.")] = "champion",
) -> None:
    """Point the `champion` alias (what serving and batch forecasts load) at VERSION.

    omnicast-nbo: the new champion's ranker is compiled here (lleaves), once, and
    used by the scorer only if its predictions are identical and faster.
    """
    from training.registry import promote as run

    settings = get_settings(ctx)
    with user_errors():
        if name == "omnicast-nbo":
            from training.nbo.tracking import promote as promote_nbo

            done = promote_nbo(settings, version, alias=alias)
            moved, compiled = done["promotion"], done["compiled"]
        else:
            moved, compiled = run(settings, name, version, alias=alias), None
    console.print(f"{moved.model}@{moved.alias}: version {moved.previous or '-'} -> {moved.version}")
    if compiled is not None:
        verdict = "in use" if compiled.used else "not used"
        console.print(f"compiled ranker {verdict} ({compiled.reason}): {compiled.compiled_us_200:.0f} us vs "
                      f"LightGBM {compiled.lightgbm_us_200:.0f} us per 200 candidates, max diff {compiled.max_abs_diff:.1e}")
