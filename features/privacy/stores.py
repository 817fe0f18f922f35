"""Every place Omnicast keeps rows about a shopper, as (label, path, column, kind).

kind "ref": the column holds customer_refs; "customer": it holds customer_ids;
"device": device ids only the person used.
Raw and quarantine tables may be Parquet or CSV; validated and offline are Parquet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from features.feature_repo.definitions import VIEWS
from features.privacy.ledger import REF_COLUMNS
from omnicast.settings import Settings

CUSTOMER_VIEWS = tuple(name for name, ents in VIEWS.items() if [e.name for e in ents] == ["customer"])


def locations(settings: Settings) -> Iterator[tuple[str, Path, str, str]]:
    """Files that may hold the person, with the column that names them."""
    for area, root in (("raw", settings.paths.raw), ("validated", settings.paths.validated),
                       ("quarantine", settings.paths.quarantine)):
        for table, column in REF_COLUMNS.items():
            for suffix in (".parquet", ".csv"):
                path = Path(root) / f"{table}{suffix}"
                if path.exists():
                    yield f"{area}/{table}", path, column, "ref"
                    if table == "events":
                        yield f"{area}/{table} (device)", path, "device_id", "device"
    for view in CUSTOMER_VIEWS:
        path = settings.paths.feature_table(view)
        if path.exists():
            yield f"offline/{view}", path, "customer_id", "customer"

    if settings.paths.identity_map.exists():
        yield "identity_map", settings.paths.identity_map, "customer_ref", "ref"


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)).to_pandas()
    return pd.read_parquet(path)


def rewrite_without(path: Path, column: str, values: set[str], anonymize: bool = False) -> int:
    """Rewrite a file without the rows whose `column` is in `values`; returns rows affected.

    With `anonymize`, the rows stay and the column is set to null instead (a sale
    stays a sale, as a guest's). Parquet keeps its schema; writes are atomic.
    """
    if path.suffix == ".csv":
        frame = read(path)
        if column not in frame.columns:
            return 0
        hit = frame[column].astype("string").isin(values)
        if hit.any():
            tmp = path.with_suffix(".csv.tmp")
            if anonymize:
                frame.loc[hit, column] = None
            (frame if anonymize else frame.loc[~hit]).to_csv(tmp, index=False)
            tmp.replace(path)
        return int(hit.sum())
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pq.read_table(path)
    if column not in table.column_names:
        return 0
    hit = pc.fill_null(pc.is_in(table[column].cast(pa.string()), value_set=pa.array(sorted(values), pa.string())), False)
    removed = pc.sum(hit).as_py() or 0
    if removed:
        tmp = path.with_suffix(".parquet.tmp")
        if anonymize:
            i = table.column_names.index(column)
            cleared = pc.if_else(hit, pa.scalar(None, table[column].type), table[column])
            table = table.set_column(i, table.field(i), cleared)
        else:
            table = table.filter(pc.invert(hit))
        pq.write_table(table, tmp)
        tmp.replace(path)
    return int(removed)
