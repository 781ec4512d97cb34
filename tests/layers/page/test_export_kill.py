"""kill -9 at every commit step and at spread-out moments of a page export (PNG with its world file
and .prj, SVG, PDF) and of the field-check report: afterwards, and after the next start's cleanup,
the folder holds the old files or the new ones — never a torn file, never a new image beside an
old world file, never a temporary file (tests/kill_harness.py)."""
from __future__ import annotations

import os

import pytest

from tests.kill_harness import assert_old_or_new

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="the rig forks")]


@pytest.mark.parametrize("job", ["png", "svg", "pdf"])
def test_a_killed_page_export_leaves_the_old_files_or_the_new(job, tmp_path, monkeypatch):
    counts = assert_old_or_new(job, tmp_path, monkeypatch)
    assert counts["other"] == 0


def test_a_killed_check_report_leaves_the_old_pdf_or_the_new(tmp_path, monkeypatch):
    assert assert_old_or_new("report", tmp_path, monkeypatch)["other"] == 0
