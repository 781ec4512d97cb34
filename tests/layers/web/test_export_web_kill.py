"""kill -9 during a web-map export: the old page or the new one, nothing else (tests/kill_harness.py)."""
from __future__ import annotations

import os

import pytest

from tests.kill_harness import assert_old_or_new

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="the rig forks")]


def test_a_killed_web_export_leaves_the_old_page_or_the_new(tmp_path, monkeypatch):
    assert assert_old_or_new("html", tmp_path, monkeypatch)["other"] == 0
