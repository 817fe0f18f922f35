"""One-lookup consent checks for serving: "may I personalize for this person?"

Consent is a feature (view `customer_consent`, service `consent`) kept fresh in
the online store. A shopper with no recorded decision, or unknown to the
store, has not consented: the answer is False unless a decision says yes.
A new decision takes effect at once through the `customer_consent_push`
source (`ConsentChecker.record`), without waiting for a materialization.
"""

from __future__ import annotations

from datetime import datetime

from features.contracts import CONSENT_PURPOSES
from omnicast.errors import OmnicastError


class ConsentError(OmnicastError):
    """A consent question that cannot be asked (unknown purpose)."""


class ConsentChecker:
    """Consent lookups on one FeatureStore, with the service resolved once."""

    def __init__(self, store) -> None:
        from features.feature_repo.store import OnlineReader

        self._store = store
        self._reader = OnlineReader(store, "consent")

    def consents(self, customer_id: str) -> dict[str, bool]:
        """{purpose: granted} in force now; False where nothing was decided."""
        row = self._reader.read(customer_id)
        return {p: bool(row.get(f"consent_{p}") or False) for p in CONSENT_PURPOSES}

    def record(self, customer_id: str, purpose: str, granted: bool, ts: datetime | str | None = None) -> dict[str, bool]:
        """Apply a new decision to the online store at once (push source); returns the state.

        The decision must also reach the `consents` source table (raw data) so the
        next build keeps it; this makes it effective before that build.
        """
        import pandas as pd
        from feast.data_source import PushMode

        from features.feature_repo.definitions import PUSH_SOURCES

        if purpose not in CONSENT_PURPOSES:
            raise ConsentError(f"unknown consent purpose {purpose!r}; one of {CONSENT_PURPOSES}")
        state = self.consents(customer_id)
        state[purpose] = bool(granted)
        row = {"customer_id": customer_id, **{f"consent_{p}": v for p, v in state.items()},
               "event_timestamp": pd.Timestamp(ts if ts is not None else pd.Timestamp.now(tz="UTC"))}
        self._store.push(PUSH_SOURCES["customer_consent"], pd.DataFrame([row]), to=PushMode.ONLINE)
        return state

    def may(self, customer_id: str, purpose: str = "personalization") -> bool:
        if purpose not in CONSENT_PURPOSES:
            raise ConsentError(f"unknown consent purpose {purpose!r}; one of {CONSENT_PURPOSES}")
        return self.consents(customer_id)[purpose]


def may_personalize(store, customer_id: str) -> bool:
    """True only when the shopper's latest decision grants personalization."""
    return ConsentChecker(store).may(customer_id, "personalization")
