"""A zip import unpacks into this process's scratch folder (geodata/core/scratch.py): a kill -9 in the
middle leaves it behind, and the next start of the app or CLI removes it — nothing accumulates in
the temp folder."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KILL_DURING_UNZIP = """
import os, shutil, signal, sys
from geodata.io.importer import import_file
real = shutil.copyfileobj
def copy(src, dst, *args):
    real(src, dst, *args); dst.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # the first member is out, the import is not done
shutil.copyfileobj = copy
import_file(sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
def test_a_kill_during_a_zip_import_leaves_nothing_after_the_next_start(tmp_path):
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    archive = tmp_path / "points.zip"
    rows = "name,lon,lat\n" + "".join(f"p{k},{104 + k / 1e5:.5f},30.5\n" for k in range(20_000))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("points.csv", rows)
    env = dict(os.environ, TMPDIR=str(systmp))
    done = subprocess.run([sys.executable, "-c", KILL_DURING_UNZIP, str(archive)], cwd=ROOT, env=env)
    assert done.returncode == -signal.SIGKILL
    left = [p for p in systmp.rglob("*") if p.is_file() and p.name == "points.csv"]
    assert len(left) == 1 and left[0].stat().st_size == len(rows)  # the unpacked member, as a kill leaves it
    assert left[0].relative_to(systmp).parts[0].startswith("chengyu-")  # the dead process's scratch folder
    subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert list(systmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["points.zip", "systmp"]
