"""The Feast repository: configuration from Settings, definitions, and the store operations.

- `config.write_feature_store_yaml(settings)`: feature_store.yaml under settings.paths.feast
  (offline store on Parquet files, online store SQLite or Redis by settings.online_store).
- `definitions.repo_objects(tables_dir)`: entities, sources, feature views, services.
- `store`: apply, materialize (incremental, with progress), push, online reads.
"""
