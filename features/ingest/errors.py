"""The one error ingestion raises for problems the user must fix before anything is written."""

from __future__ import annotations

from omnicast.errors import OmnicastError


class IngestError(OmnicastError):
    """A raw file is missing, unreadable or has the wrong columns; the message names it."""
