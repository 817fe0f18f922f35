"""`omnicast privacy ...`: export or erase everything held on a person."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from omnicast.commands.context import console, err_console, get_settings, user_errors

app = typer.Typer(help="Export or erase what Omnicast holds on a person.", no_args_is_help=True)


@app.command()
def export(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="customer_id (cus_...) or a customer_ref (web:W123).")],
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default: stdout).")] = None,
) -> None:
    """Everything held on a person: raw, validated, profile, online features, identity links."""
    from features.privacy.export import export_customer

    settings = get_settings(ctx)
    with user_errors():
        doc = export_customer(settings, customer, out)
    if out is None:
        console.print_json(json.dumps(doc, default=str))
    else:
        console.print(f"exported {sum(len(v) for v in doc['data'].values() if v)} records -> {out}")


@app.command()
def erase(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="customer_id (cus_...) or a customer_ref (web:W123).")],
    actor: Annotated[str | None, typer.Option(help="Who requested it (audit; default: OS user).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person from raw, validated, offline and online stores and the identity map."""
    from features.privacy.erase import erase_customer

    settings = get_settings(ctx)
    if not yes and not _confirmed(f"Erase {customer} everywhere under {settings.home}? This cannot be undone"):
        err_console.print(f"not erased: nothing was changed for {customer} (answer y to erase, or pass --yes)")
        raise typer.Exit(code=1)
    with user_errors():
        record = erase_customer(settings, customer, actor)
    console.print_json(json.dumps(record, default=str))
    if not any(record["what"].values()):
        err_console.print(
            f"[yellow]note:[/] nothing held on {customer} was found (check the id if you expected data); "
            "it is on the erasure ledger, so later imports and ingests drop it"
        )


def _confirmed(question: str) -> bool:
    """Ask; no answer (end of input, Ctrl-C) is a no."""
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        return False
