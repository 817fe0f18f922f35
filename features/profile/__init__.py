"""Unified profile and demand-side features, every row stamped with its event time.

Builders are SQL over named DuckDB views (see `inputs.open_inputs`): customer
(`customer.py`), consent timeline (`consent.py`), real-time activity / cart
(`activity.py`), product (`product.py`) and location (`location.py`).

Time convention (what makes the tables point-in-time correct): a row stamped
`event_timestamp = T` is computed from source events with `ts < T` only, so a
Feast point-in-time join at t (rows with event_timestamp <= t) never sees an
event at or after t. Daily features are stamped at the midnight that closes
the day they summarise.
"""

from features.profile.build import ProfileTables, build_profile_tables

__all__ = ["ProfileTables", "build_profile_tables"]
