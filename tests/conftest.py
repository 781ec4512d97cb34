"""Shared test set-up: Qt runs offscreen; tools a test needs fail (not skip) in CI."""
from __future__ import annotations

import os
import shutil

import pytest

# Before anything imports Qt: widgets and QImage painting run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def require_tool(name: str) -> str:
    """Path of an external tool; missing -> skip locally, fail under CI=true."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)
