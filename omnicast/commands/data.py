"""`omnicast data ...`: generate the synthetic retailer, import real formats, validate."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from omnicast.commands.context import console, get_settings, user_errors
from omnicast.progress import progress_bars

if TYPE_CHECKING:
    from omnicast.settings import Settings

app = typer.Typer(help="Source data: generate, import and validate (ingest).", no_args_is_help=True)
import_app = typer.Typer(help="Map a public real-world format onto the source contracts.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@app.command()
def generate(
    ctx: typer.Context,
    size: Annotated[str, typer.Option(help="Preset: tiny, demo, small, medium or large (~1M lines).")] = "demo",
    seed: Annotated[int | None, typer.Option(help="Random seed (default: settings.seed).")] = None,
    bad_row_rate: Annotated[float, typer.Option(help="Share of rows given a realistic fault.")] = 0.0,
    # bounds as in features.synthetic.GeneratorConfig (tests/omnicast/test_cli.py keeps them equal)
    customers: Annotated[
        int | None, typer.Option(min=20, max=5_000_000, help="Override the preset's shoppers.")
    ] = None,
    stores: Annotated[int | None, typer.Option(min=1, max=500, help="Override the preset's stores.")] = None,
    skus: Annotated[int | None, typer.Option(min=10, max=100_000, help="Override the preset's SKUs.")] = None,
    days: Annotated[
        int | None, typer.Option(min=90, max=3650, help="Override the preset's days of history.")
    ] = None,
) -> None:
    """Write a synthetic omnichannel retailer (every source table) to OMNICAST_HOME/raw."""
    settings = get_settings(ctx)
    from features.synthetic import GeneratorConfig
    from features.synthetic import generate as run
    with user_errors():
        overrides = {"customers": customers, "stores": stores, "skus": skus, "days": days}
        config = GeneratorConfig.preset(
            size,
            seed=settings.seed if seed is None else seed,
            bad_row_rate=bad_row_rate,
            **{k: v for k, v in overrides.items() if v is not None},
        )
        with progress_bars():
            manifest = run(config, settings.paths.raw)
    _print_counts("generated", manifest["row_counts"], settings.paths.raw)


@app.command()
def ingest(ctx: typer.Context) -> None:
    """Validate raw tables against the contracts; bad rows go to quarantine with a reason."""
    settings = get_settings(ctx)
    from features.ingest import ingest as run
    from features.privacy.ledger import erased_hashes

    with user_errors(), progress_bars():
        report = run(settings.paths.raw, settings.paths.validated, settings.paths.quarantine, erased_hashes(settings))
    _print_ingest(report.to_dict())


@import_app.command("online-retail")
def import_online_retail(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="UCI Online Retail CSV or XLSX export.")],
) -> None:
    """Import UCI Online Retail transactions (returns, guests, products, regions), then ingest.

    Replaces the data home's raw tables (a data home holds one retailer).
    """
    from features.adapters import import_online_retail as run

    _import_and_ingest(ctx, run, path)


@import_app.command("hillstrom")
def import_hillstrom(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Hillstrom MineThatData e-mail test CSV.")],
) -> None:
    """Import the Hillstrom e-mail experiment (customers, exposures and outcomes), then ingest.

    Replaces the data home's raw tables (a data home holds one retailer). The
    pre-period covariates land in raw/side/hillstrom_covariates.parquet.
    """
    from features.adapters import COVARIATES
    from features.adapters import import_hillstrom as run

    settings = _import_and_ingest(ctx, run, path)
    console.print(f"covariates (join on unit_id): {settings.paths.raw / COVARIATES}")


def _import_and_ingest(
    ctx: typer.Context, run: Callable[[Path, Path], dict[str, int]], path: Path
) -> Settings:
    """Map the source into raw/, then validate it, so the user sees one full accounting."""
    from features.ingest import ingest as validate
    from features.privacy.ledger import erased_hashes

    settings = get_settings(ctx)
    with user_errors(), progress_bars():
        counts = run(path, settings.paths.raw)
        _print_counts(f"imported {path.name}", counts, settings.paths.raw)
        console.print("source lines the adapter could not map ('rejected') go to quarantine/ with a reason")
        report = validate(settings.paths.raw, settings.paths.validated, settings.paths.quarantine, erased_hashes(settings))
    _print_ingest(report.to_dict())
    return settings


@app.command()
def summary(ctx: typer.Context) -> None:
    """Rows per table in raw, validated and quarantine, and the last ingest's totals."""
    from features.ingest import summarize

    settings = get_settings(ctx)
    with user_errors():
        result = summarize(settings.paths.raw, settings.paths.validated, settings.paths.quarantine)
    from rich.table import Table

    table = Table(title=f"data home {settings.home}")
    for col in ("table", "raw", "validated", "quarantine"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, counts in result["tables"].items():
        table.add_row(name, *("-" if n is None else f"{n:,}" for n in counts.values()))
    console.print(table)
    if result["last_ingest"] is None:
        console.print("no ingest yet: run `omnicast data ingest`")
    else:
        _print_ingest(result["last_ingest"])


def _print_counts(verb: str, counts: dict[str, int], where: Path) -> None:
    from rich.table import Table

    table = Table(title=f"{verb} -> {where}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


def _print_ingest(report: dict[str, Any]) -> None:
    from rich.table import Table

    rows = [(name, t) for name, t in report["tables"].items()]
    rows += [(f"{name} (source lines)", t) for name, t in report.get("adapters", {}).items()]
    # The erased column (rows of shoppers in the erasure ledger) only when erasure took any.
    erasing = any(t.get("erased") or t.get("anonymized") for _, t in rows)
    cols = ("table", "read", "accepted", "quarantined", *(("erased",) if erasing else ()), "top reasons")
    table = Table(title="ingest: read = accepted + quarantined" + (" + erased" if erasing else ""))
    for col in cols:
        table.add_column(col, justify="left" if col in ("table", "top reasons") else "right")
    for name, t in rows:
        if t.get("status") == "absent":
            table.add_row(name, *["-"] * (len(cols) - 2), "absent (optional table)")
            continue
        reasons = sorted(t["reasons"].items(), key=lambda kv: -kv[1])[:3]
        erased = [f"{t.get('erased', 0):,}" + (f" (+{t['anonymized']:,} as guests)" if t.get("anonymized") else "")]
        table.add_row(
            name,
            f"{t['read']:,}",
            f"{t['accepted']:,}",
            f"{t['quarantined']:,}",
            *(erased if erasing else []),
            ", ".join(f"{r} ({n:,})" for r, n in reasons),
        )
    console.print(table)
    console.print_json(json.dumps(report["totals"]))
