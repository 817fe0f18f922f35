"""Store operations: apply, materialize, push, read and delete online rows.

Everything goes through Feast's SDK except two narrow paths it lacks: a
pre-resolved online read (`OnlineReader`, the path the serving layer uses for
latency) and deleting one entity's rows from the online store (erasure).
"""

from __future__ import annotations

import io
import logging
import sqlite3
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from features.feature_repo.config import write_feature_store_yaml
from features.feature_repo.definitions import PUSH_SOURCE, TIMESTAMP, VIEWS, FeatureRepoError, repo_objects
from omnicast.progress import track
from omnicast.settings import Settings

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def open_store(settings: Settings):
    """A FeatureStore on the repo generated from `settings`."""
    from feast import FeatureStore

    repo = write_feature_store_yaml(settings)
    warnings.filterwarnings("ignore", module="feast")
    if settings.online_store == "redis":
        _check_redis(settings.redis_url)
    return FeatureStore(repo_path=str(repo))


def _check_redis(url: str) -> None:
    """One ping, so an unreachable server is one clear error rather than a traceback mid-read.

    `url` is Feast's connection string: host:port[,password=...,ssl=true,db=N].
    """
    import redis

    address, *options = url.split(",")
    opts = dict(o.split("=", 1) for o in options if "=" in o)
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "6379")
    try:
        client = redis.Redis(
            host=host, port=int(port), password=opts.get("password"),
            ssl=opts.get("ssl", "").lower() == "true", socket_connect_timeout=3,
        )
        client.ping()
    except (redis.exceptions.RedisError, ValueError) as exc:
        raise FeatureRepoError(f"cannot reach the Redis online store at {url!r} (OMNICAST_REDIS_URL): {exc}") from None


def apply(settings: Settings) -> dict[str, list[str]]:
    """Register entities, views and services for the current feature tables."""
    store = open_store(settings)
    objects = repo_objects(settings.paths.feature_tables)
    store.apply(objects)
    return {
        "feature_views": sorted(v.name for v in store.list_feature_views()),
        "feature_services": sorted(s.name for s in store.list_feature_services()),
    }


def latest_timestamp(settings: Settings) -> datetime:
    """The newest event_timestamp in the feature tables: materialization's natural end."""
    newest = None
    for name in VIEWS:
        path = settings.paths.feature_table(name)
        if path.exists():
            col = pq.read_table(path, columns=[TIMESTAMP]).column(TIMESTAMP)
            value = col.to_pandas().max() if len(col) else None
            if value is not None and (newest is None or value > newest):
                newest = value
    if newest is None:
        raise FeatureRepoError("no feature tables to materialize: run `omnicast features build`")
    return pd.Timestamp(newest).to_pydatetime()


def materialize(settings: Settings, end: datetime | None = None) -> dict[str, int]:
    """Incremental materialization, one feature view at a time (a progress step each).

    The first run starts at the epoch (Feast's own default for ttl=0 views would
    start a year before the wall clock and skip older data); later runs start where
    the previous one ended. The end defaults to just after the newest feature row (the data's "now", not the
    wall clock), so rebuilding on later data picks up exactly the new rows.
    Returns the rows written per view (rows in the window, latest per entity).
    """
    store = open_store(settings)
    end = end or latest_timestamp(settings) + timedelta(seconds=1)
    names = sorted(v.name for v in store.list_feature_views())
    written: dict[str, int] = {}
    for name in track(names, "materialize feature views"):
        start = store.get_feature_view(name).most_recent_end_time or EPOCH
        with _quiet():  # Feast prints its own banners and bars; ours is `track`
            store.materialize(start_date=start, end_date=end, feature_views=[name])
        written[name] = _entities_in_window(settings, name, start, end)
    return written


@contextmanager
def _quiet() -> Iterator[None]:
    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        yield


def _entities_in_window(settings: Settings, view: str, start: datetime, end: datetime) -> int:
    """Entities whose latest row in [start, end) was written (what materialization upserts)."""
    path = settings.paths.feature_table(view)
    keys = [e.join_key for e in VIEWS[view]]
    frame = pd.read_parquet(path, columns=[*keys, TIMESTAMP])
    ts = frame[TIMESTAMP]
    mask = (ts < pd.Timestamp(end)) & (ts >= pd.Timestamp(start))
    return int(frame.loc[mask, keys].drop_duplicates().shape[0])


def push_activity(store, rows: pd.DataFrame) -> None:
    """Write real-time shopper activity (cart, views) to the online store at once."""
    from feast.data_source import PushMode

    frame = rows.copy()
    frame[TIMESTAMP] = pd.to_datetime(frame[TIMESTAMP], utc=True)
    store.push(PUSH_SOURCE, frame, to=PushMode.ONLINE)


def online_features(store, service: str, entity_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feature values for each entity row through the Feast SDK (one dict per row)."""
    response = store.get_online_features(
        features=store.get_feature_service(service), entity_rows=entity_rows
    ).to_dict()
    return [{k: v[i] for k, v in response.items()} for i in range(len(entity_rows))]


class OnlineReader:
    """Pre-resolved reads of one feature service for one entity (the serving hot path).

    Resolving the service, its views and the entity key happens once; each read is
    then one `online_read` per view on the configured online store.
    """

    def __init__(self, store, service: str) -> None:
        from feast.protos.feast.types.EntityKey_pb2 import EntityKey
        from feast.protos.feast.types.Value_pb2 import Value
        from feast.type_map import feast_value_type_to_python_type

        self._EntityKey, self._Value, self._to_python = EntityKey, Value, feast_value_type_to_python_type
        self._config = store.config
        self._online = store._get_provider().online_store
        from feast.errors import FeatureServiceNotFoundException

        try:
            fs = store.get_feature_service(service)
        except FeatureServiceNotFoundException:
            known = sorted(f.name for f in store.list_feature_services())
            raise FeatureRepoError(f"no feature service {service!r}; services: {known or 'none (run `omnicast features apply`)'}") from None
        self._reads = []
        for projection in fs.feature_view_projections:
            view = store.get_feature_view(projection.name)
            self._reads.append((view, [f.name for f in projection.features]))
        keys = {k for view, _ in self._reads for k in view.join_keys}
        if len(keys) != 1:
            raise FeatureRepoError(f"OnlineReader reads single-key services; {service} has {sorted(keys)}")
        self.join_key = keys.pop()

    def read(self, entity_id: str) -> dict[str, Any]:
        """{feature: value} for one entity; missing features are None."""
        key = self._EntityKey(join_keys=[self.join_key], entity_values=[self._Value(string_val=entity_id)])
        out: dict[str, Any] = {self.join_key: entity_id}
        for view, names in self._reads:
            # a copy: the Redis store appends its "_ts:<view>" fields to the list it is given
            _, values = self._online.online_read(self._config, view, [key], list(names))[0]
            for name in names:
                value = (values or {}).get(name)
                out[name] = None if value is None else self._to_python(value)
        return out


def delete_entities(store, view_names: Iterable[str], join_key: str, ids: list[str]) -> int:
    """Remove these entities' rows from the online store (SQLite or Redis); returns rows removed."""
    from feast.infra.key_encoding_utils import serialize_entity_key
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    config = store.config
    keys = [EntityKey(join_keys=[join_key], entity_values=[Value(string_val=i)]) for i in ids]
    if not keys:
        return 0
    if config.online_store.type == "redis":
        from feast.infra.online_stores.helpers import _redis_key

        client = store._get_provider().online_store._get_client(config.online_store)
        redis_keys = [_redis_key(config.project, k, config.entity_key_serialization_version) for k in keys]
        return int(client.delete(*redis_keys))
    from feast.infra.online_stores.sqlite import _quote_id, _table_id

    blobs = [serialize_entity_key(k, entity_key_serialization_version=config.entity_key_serialization_version) for k in keys]
    path = Path(config.online_store.path)
    if not path.is_absolute():
        path = Path(config.repo_path) / path
    removed = 0
    with sqlite3.connect(path) as conn:
        for name in view_names:
            table = _quote_id(_table_id(config.project, store.get_feature_view(name)))
            try:
                cur = conn.execute(
                    f"DELETE FROM {table} WHERE entity_key IN ({','.join('?' * len(blobs))})", blobs
                )
            except sqlite3.OperationalError:  # view never materialized: nothing stored
                continue
            removed += cur.rowcount
    return removed
