"""One-lookup consent checks for serving: "may I personalize for this person?"

Consent is a feature (view `customer_consent`, service `consent`) kept fresh in
the online store. A shopper with no recorded decision, or unknown to the
store, has not consented: the answer is False unless a decision says yes.
"""

from __future__ import annotations

from features.contracts import CONSENT_PURPOSES
from omnicast.errors import OmnicastError


class ConsentError(OmnicastError):
    """A consent question that cannot be asked (unknown purpose)."""


class ConsentChecker:
    """Consent lookups on one FeatureStore, with the service resolved once."""

    def __init__(self, store) -> None:
        from features.feature_repo.store import OnlineReader

        self._reader = OnlineReader(store, "consent")

    def consents(self, customer_id: str) -> dict[str, bool]:
        """{purpose: granted} in force now; False where nothing was decided."""
        row = self._reader.read(customer_id)
        return {p: bool(row.get(f"consent_{p}") or False) for p in CONSENT_PURPOSES}

    def may(self, customer_id: str, purpose: str = "personalization") -> bool:
        if purpose not in CONSENT_PURPOSES:
            raise ConsentError(f"unknown consent purpose {purpose!r}; one of {CONSENT_PURPOSES}")
        return self.consents(customer_id)[purpose]


def may_personalize(store, customer_id: str) -> bool:
    """True only when the shopper's latest decision grants personalization."""
    return ConsentChecker(store).may(customer_id, "personalization")
