"""Errors for source files an adapter cannot map at all (rows it cannot map are quarantined)."""

from __future__ import annotations

from omnicast.errors import OmnicastError


class AdapterError(OmnicastError):
    """The source file is missing, unreadable or lacks the format's columns."""
