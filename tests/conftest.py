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


def pytest_configure(config):
    """One QApplication for the whole run, made before any test can make a QGuiApplication.

    Engine tests only need a QGuiApplication (layers.render.fonts.ensure_gui_app makes one if none
    exists), but Qt allows one application object per process: if an engine test ran first,
    a later widget test would abort.  A QApplication serves both, so make it up front.
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        config._chengyu_qapp = QApplication([])
