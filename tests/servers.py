"""Helpers for tests that need a real server binary (importable as `servers`)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_binary(name: str) -> str:
    """Path of a server binary; skip locally when absent, fail in CI (OMNICAST_REQUIRE_SERVERS=1)."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (scripts/test installs it with apt-get when run as root)"
    if os.environ.get("OMNICAST_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)
