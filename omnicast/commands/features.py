"""`omnicast features ...`: identity + profile tables, Feast apply/materialize, online reads."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.errors import OmnicastError
from omnicast.progress import progress_bars

app = typer.Typer(help="Build the unified profile and Feast features.", no_args_is_help=True)


@app.command()
def build(ctx: typer.Context) -> None:
    """Resolve identities and write the profile feature tables (offline store)."""
    from features.pipeline import build_tables

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        summary = build_tables(settings)
    _print_build(summary)


@app.command()
def apply(ctx: typer.Context) -> None:
    """Register entities, feature views and services in the Feast repo (from settings)."""
    from features.feature_repo.store import apply as run

    settings = get_settings(ctx)
    with user_errors():
        registered = run(settings)
    console.print_json(json.dumps(registered))


@app.command()
def materialize(ctx: typer.Context) -> None:
    """Load new feature rows into the online store (incremental, per view)."""
    from features.feature_repo.store import materialize as run

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        written = run(settings)
    from rich.table import Table

    table = Table(title=f"materialized -> {settings.online_store} online store")
    table.add_column("feature view")
    table.add_column("entities written", justify="right")
    for name, n in written.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@app.command("all")
def build_all(ctx: typer.Context) -> None:
    """build + apply + materialize: the whole features stage."""
    from features.pipeline import build_features

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        summary = build_features(settings)
    _print_build(summary)
    console.print_json(json.dumps(summary["materialized"]))


@app.command()
def get(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="customer_id (cus_...) or a customer_ref (web:W123).")],
    service: Annotated[str, typer.Option(help="Feature service to read.")] = "nbo_customer",
) -> None:
    """Print one shopper's online features."""
    from features.feature_repo.store import OnlineReader, open_store
    from features.privacy.subject import find_subject

    settings = get_settings(ctx)
    with user_errors():
        subject = find_subject(settings, customer)
        if subject.customer_id is None:
            raise OmnicastError(
                f"{customer} is not in the identity map: no profile to read "
                "(run `omnicast features build` after ingesting their data)"
            )
        row = OnlineReader(open_store(settings), service).read(subject.customer_id)
    console.print_json(json.dumps(row, default=str))


def _print_build(summary: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"feature tables (as of {summary['as_of']})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in summary["rows"].items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    ident = summary["identity"]
    line = (
        f"identity: {ident['refs']:,} refs -> {ident['customers']:,} customers "
        f"(largest {ident['largest_component']} refs)"
    )
    if "truth" in ident:
        t = ident["truth"]
        line += (
            f"; pairwise precision {t['precision']:.4f}, recall {t['recall']:.4f} "
            f"({t['recall_of_linkable']:.4f} of the {t['linkable_pairs']:,} pairs any key links)"
        )
    console.print(line)
