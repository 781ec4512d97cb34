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
    _missing(f"{name} is not installed (.ci/run installs it)")


def _missing(message: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgis_server():
    """A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1 for the whole run (tests/postgis_cluster.py);
    missing server packages -> skip locally, fail under CI=true."""
    from tests import postgis_cluster

    if postgis_cluster.server_binaries() is None:
        _missing("postgresql-15 and postgresql-15-postgis-3 are not installed (.ci/run installs them)")
    cluster = postgis_cluster.start_cluster()
    try:
        yield cluster
    finally:
        postgis_cluster.stop_cluster(cluster)


def pytest_configure(config):
    """One QApplication for the whole run, made before any test can make a QGuiApplication.

    Engine tests only need a QGuiApplication (layers.render.fonts.ensure_gui_app makes one if none
    exists), but Qt allows one application object per process: if an engine test ran first,
    a later widget test would abort.  A QApplication serves both, so make it up front.
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        config._chengyu_qapp = QApplication([])
