"""kill -9 while the check writes its CSV and while a correction goes into a GeoPackage: the old
table or the new; the corrections file reopens with the edits before or after the killed one and
no SQLite journal stays beside it (tests/kill_harness.py)."""
from __future__ import annotations

import os

import pytest

from tests.kill_harness import assert_old_or_new

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="the rig forks")]


def test_a_killed_check_csv_leaves_the_old_table_or_the_new(tmp_path, monkeypatch):
    assert assert_old_or_new("check_csv", tmp_path, monkeypatch)["other"] == 0


def test_a_killed_correction_leaves_the_old_edits_or_the_new_and_no_journal(tmp_path, monkeypatch):
    counts = assert_old_or_new("edit", tmp_path, monkeypatch, timed=10)
    assert counts["other"] == 0 and counts["killed"] >= 10
