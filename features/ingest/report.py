"""The accounting of one ingest run: per table read = accepted + quarantined + erased, exactly."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from features.contracts import SCHEMA_VERSION

REPORT_NAME = "_ingest_report.json"


@dataclass(frozen=True)
class TableReport:
    """One table's counts; `status` is "ingested" or "absent" (optional file not given).

    `erased`: rows dropped because they name a shopper in the erasure ledger (written
    nowhere). `anonymized`: transaction lines of erased shoppers kept as guest lines
    (already counted in accepted or quarantined).
    """

    read: int
    accepted: int
    quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    status: str = "ingested"
    source: str | None = None
    erased: int = 0
    anonymized: int = 0

    def __post_init__(self) -> None:
        if self.read != self.accepted + self.quarantined + self.erased:
            raise AssertionError(
                f"accounting broken: read {self.read} != accepted {self.accepted} "
                f"+ quarantined {self.quarantined} + erased {self.erased}"
            )
        if sum(self.reasons.values()) != self.quarantined:
            raise AssertionError(f"reasons {self.reasons} do not add up to {self.quarantined}")

    @classmethod
    def absent(cls) -> TableReport:
        return cls(0, 0, 0, {}, status="absent")


@dataclass
class IngestReport:
    """Per contract table counts, plus what real-format adapters rejected before ingest."""

    tables: dict[str, TableReport] = field(default_factory=dict)
    adapters: dict[str, TableReport] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        return {
            key: sum(getattr(t, key) for t in self.tables.values())
            for key in ("read", "accepted", "quarantined", "erased", "anonymized")
        }

    def to_dict(self) -> dict:
        out = {
            "schema_version": SCHEMA_VERSION,
            "tables": {name: asdict(t) for name, t in self.tables.items()},
            "totals": self.totals,
        }
        if self.adapters:
            out["adapters"] = {name: asdict(t) for name, t in self.adapters.items()}
        return out

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> IngestReport:
        data = json.loads(path.read_text())
        return cls(
            tables={n: TableReport(**t) for n, t in data["tables"].items()},
            adapters={n: TableReport(**t) for n, t in data.get("adapters", {}).items()},
        )
