"""kill -9 during a project save: the old project or the new one, and a .bak that is always the
whole previous file — never an empty one (tests/kill_harness.py)."""
from __future__ import annotations

import os

import pytest

from tests.kill_harness import assert_old_or_new

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="the rig forks")]


def test_a_killed_project_save_leaves_the_old_project_or_the_new_with_a_whole_backup(tmp_path, monkeypatch):
    def backed_up(old: dict, new: dict) -> list[dict]:
        assert new["p.cyproj.bak"] == old["p.cyproj"]  # the finished save keeps the previous file whole
        return [dict(old, **{"p.cyproj.bak": old["p.cyproj"]})]  # killed after the .bak, before the save

    counts = assert_old_or_new("project", tmp_path, monkeypatch, extra_states=backed_up)
    assert counts["killed"] >= 5
