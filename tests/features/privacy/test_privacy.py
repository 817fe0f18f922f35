"""Export and erasure end to end on the tiny retailer, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import tiny_retail
from typer.testing import CliRunner

from features.feature_repo import store as fs
from features.pipeline import build_features
from features.privacy.ledger import erased_hashes, ref_hash
from omnicast.cli import app
from omnicast.settings import load_settings

ANNA_REFS = {"web:a1", "pos:p1", "loyalty:LA"}


@pytest.fixture()
def home(tmp_path: Path) -> tuple:
    settings = load_settings(home=tmp_path / "home")
    tiny_retail.write_validated(settings.paths.validated)
    tiny_retail.write_raw(settings.paths.raw)
    summary = build_features(settings)
    ids = pd.read_parquet(summary["identity_map"]).set_index("customer_ref")["customer_id"]
    return settings, ids


def _cli(settings, *args: str):
    result = CliRunner().invoke(app, ["--home", str(settings.home), *args])
    assert result.exit_code == 0, result.output
    return result


def _mentions(settings, refs: set[str], customer_id: str) -> dict[str, int]:
    """Rows naming the person anywhere under the data home (parquet files)."""
    found = {}
    for path in Path(settings.home).rglob("*.parquet"):
        if "truth" in path.parts:
            continue
        frame = pd.read_parquet(path)
        hits = 0
        for col in ("customer_ref", "unit_id"):
            if col in frame.columns:
                hits += int(frame[col].isin(refs).sum())
        if "customer_id" in frame.columns:
            hits += int((frame["customer_id"] == customer_id).sum())
        if hits:
            found[str(path.relative_to(settings.home))] = hits
    return found


def test_export_holds_everything_about_the_person(home: tuple, tmp_path: Path) -> None:
    settings, ids = home
    out = tmp_path / "anna.json"
    _cli(settings, "privacy", "export", "web:a1", "--out", str(out))
    doc = json.loads(out.read_text())
    assert doc["customer_id"] == ids["web:a1"] and set(doc["customer_refs"]) == ANNA_REFS
    data = doc["data"]
    assert len(data["raw/transactions"]) == 5 and len(data["validated/transactions"]) == 5
    assert len(data["validated/events"]) == 5 and len(data["validated/consents"]) == 3
    assert [e["event_id"] for e in data["validated/events (device)"]] == ["e7"]  # logged out
    assert doc["devices"] == ["dev-anna"]  # the shared kiosk is not hers
    assert {r["customer_ref"] for r in data["identity_map"]} == ANNA_REFS
    assert data["offline/customer_profile"][-1]["monetary_365d"] == 65.0
    assert data["online_features"]["cart_skus"] == "S3"
    # identifiers are only ever hashed
    text = out.read_text()
    assert "anna@x" not in text and tiny_retail.sha("anna@x") in text


def test_erase_removes_the_person_everywhere_and_a_rebuild_does_not_resurrect(home: tuple) -> None:
    settings, ids = home
    anna, bob = ids["web:a1"], ids["web:b1"]
    assert _mentions(settings, ANNA_REFS, anna)
    result = _cli(settings, "privacy", "erase", anna, "--yes", "--actor", "dpo@shop")
    record = json.loads(result.output)
    assert record["who"] == "dpo@shop" and record["refs"] == 3
    assert record["what"]["online_rows"] > 0
    assert record["what"]["validated/transactions (anonymized)"] == 5
    assert _mentions(settings, ANNA_REFS, anna) == {}
    events = pd.read_parquet(settings.paths.validated / "events.parquet")
    assert "dev-anna" not in set(events["device_id"]) and "e8" in set(events["event_id"])
    # the sales stay (as guest lines) for demand forecasting
    tx = pd.read_parquet(settings.paths.validated / "transactions.parquet")
    assert len(tx) == 7 and tx["customer_ref"].isna().sum() == 6
    reader = fs.OnlineReader(fs.open_store(settings), "nbo_customer")
    assert all(v is None for k, v in reader.read(anna).items() if k != "customer_id")
    assert reader.read(bob)["lifecycle_segment"] == "lapsed"  # nobody else touched
    audit = [json.loads(line) for line in settings.paths.audit_log.read_text().splitlines()]
    assert audit[-1]["subject_sha256"] == record["subject_sha256"]
    assert "web:a1" not in settings.paths.audit_log.read_text()
    assert ref_hash("web:a1") in erased_hashes(settings)

    # a raw file that still holds the person is re-imported, then everything is rebuilt
    tiny_retail.write_validated(settings.paths.validated)
    build_features(settings)
    assert _mentions(settings, ANNA_REFS, anna) == {
        "offline/validated/identities.parquet": 3,
        "offline/validated/consents.parquet": 3,
        "offline/validated/transactions.parquet": 5,
        "offline/validated/events.parquet": 5,
    }  # only the re-imported source files (ingestion's side); nothing derived
    assert all(v is None for k, v in reader.read(anna).items() if k != "customer_id")
    assert reader.read(bob)["lifecycle_segment"] == "lapsed"
    from features.privacy.ledger import erased_hashes as hashes
    from features.profile.build import load_tables

    rebuilt = load_tables(settings.paths.validated, hashes(settings))
    assert set(rebuilt["events"]["event_id"]) == {"e6", "e8"}  # her logged-out view is gone too


def test_unknown_subject_is_a_clear_error(home: tuple) -> None:
    settings, _ = home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "privacy", "erase", "cus_nobody", "--yes"])
    assert result.exit_code == 2 and "not in the identity map" in result.output
    result = CliRunner().invoke(app, ["--home", str(settings.home), "privacy", "export", "nobody"])
    assert result.exit_code == 2 and "neither a customer_id" in result.output
    result = CliRunner().invoke(app, ["--home", str(settings.home), "privacy", "export", "web:typo"])
    assert result.exit_code == 2 and "nothing is held on web:typo" in " ".join(result.output.split())


def test_export_to_a_directory_is_a_clear_error(home: tuple, tmp_path: Path) -> None:
    settings, _ = home
    result = CliRunner().invoke(app, ["--home", str(settings.home), "privacy", "export", "web:a1", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in " ".join(result.output.split())


def test_erasing_an_unknown_ref_says_nothing_was_found_and_ledgers_it(home: tuple) -> None:
    settings, _ = home
    result = _cli(settings, "privacy", "erase", "web:not-yet-seen", "--yes")
    assert "nothing held on web:not-yet-seen was found" in " ".join(result.output.split())
    assert ref_hash("web:not-yet-seen") in erased_hashes(settings)


def test_ingest_after_erasure_keeps_the_person_out_of_validated_and_quarantine(home: tuple) -> None:
    settings, ids = home
    _cli(settings, "privacy", "erase", ids["web:a1"], "--yes")
    tiny_retail.write_raw(settings.paths.raw)  # the source export still holds her
    result = _cli(settings, "data", "ingest")
    assert "erased" in result.output
    found = _mentions(settings, ANNA_REFS, ids["web:a1"])
    assert not [p for p in found if p.startswith(("offline/validated", "quarantine"))], found
    report = json.loads((settings.paths.validated / "_ingest_report.json").read_text())
    for name, t in report["tables"].items():
        assert t["read"] == t["accepted"] + t["quarantined"] + t["erased"], name
    assert report["totals"]["erased"] > 0 and report["tables"]["identities"]["erased"] == 3
    assert report["tables"]["transactions"]["anonymized"] == 5
    events = pd.read_parquet(settings.paths.validated / "events.parquet")
    assert "dev-anna" not in set(events["device_id"].dropna())  # her logged-out view too
