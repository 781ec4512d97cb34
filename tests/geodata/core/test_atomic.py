import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from geodata.core import atomic, scratch
from geodata.core.atomic import atomic_group, atomic_path, atomic_write_text, clean_stale_writes

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def systmp(tmp_path, monkeypatch):
    """A temp folder of the test's own, where 'other processes' leave their scratch folders."""
    scratch.scratch_dir()  # this process's own folder stays where it is
    folder = tmp_path / "systmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def dead_folder(systmp: Path, stems: list[Path]) -> Path:
    """The scratch folder of a process that is gone: its lock file is there, nobody holds it."""
    folder = systmp / "chengyu-999999-deadbeef"
    folder.mkdir()
    (folder / scratch.LOCK).write_bytes(b"")
    (folder / scratch.JOURNAL).write_text("".join(json.dumps(str(s)) + "\n" for s in stems))
    return folder


def test_failed_write_leaves_destination_untouched(tmp_path: Path):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_successful_write_replaces_and_keeps_backup(tmp_path: Path):
    target = tmp_path / "project.cyproj"
    atomic_write_text(target, "v1")
    atomic_write_text(target, "v2", backup=True)
    assert target.read_text() == "v2"
    assert (tmp_path / "project.cyproj.bak").read_text() == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project.cyproj", "project.cyproj.bak"]


def test_temporary_name_keeps_suffix_and_names_the_process(tmp_path: Path):
    with atomic_path(tmp_path / "out.gpkg") as tmp:
        assert tmp.suffix == ".gpkg" and tmp.parent == tmp_path
        assert tmp.name.startswith(".out.gpkg.") and f".part-{os.getpid()}." in tmp.name
        tmp.write_bytes(b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def test_the_backup_is_the_old_file_itself_or_a_whole_copy(tmp_path: Path, monkeypatch):
    target = tmp_path / "p.cyproj"
    atomic_write_text(target, "v1")
    inode = target.stat().st_ino
    atomic_write_text(target, "v2", backup=True)
    assert (tmp_path / "p.cyproj.bak").stat().st_ino == inode  # a hard link: no copy to be cut short
    assert target.stat().st_ino != inode

    def no_links(*args, **kwargs):
        raise OSError("this file system has no hard links")

    monkeypatch.setattr(os, "link", no_links)
    atomic_write_text(target, "v3", backup=True)
    assert (tmp_path / "p.cyproj.bak").read_text() == "v2" and target.read_text() == "v3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.cyproj", "p.cyproj.bak"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd through /proc")
def test_files_are_synced_before_the_rename_and_the_folder_after(tmp_path: Path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", str(b))), real_replace(a, b))[1])
    atomic_write_text(tmp_path / "a.csv", "x")
    assert [c[0] for c in calls] == ["fsync", "replace", "fsync"]
    assert ".part-" in calls[0][1] and calls[1][1] == str(tmp_path / "a.csv") and calls[2][1] == str(tmp_path)


def test_a_group_replaces_all_its_files_with_the_main_one_last(tmp_path: Path, monkeypatch):
    names = ["m.pgw", "m.prj", "m.png"]
    for n in names:
        (tmp_path / n).write_text("old")
    order = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append(Path(b).name), real_replace(a, b))[1])
    with atomic_group([tmp_path / n for n in names]) as temps:
        assert [t.suffix for t in temps] == [".pgw", ".prj", ".png"]
        assert len({t.name[:-4] for t in temps}) == 1  # one stem: one journal line, one manifest
        for t in temps:
            t.write_text("new")
    assert order[-3:] == names and order[0].endswith(".commit")  # the manifest first, the image last
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert {(tmp_path / n).read_text() for n in names} == {"new"}


def test_a_failed_group_leaves_every_file_old_and_a_missing_part_is_an_error(tmp_path: Path):
    names = ["x.dbf", "x.shx", "x.shp"]
    for n in names:
        (tmp_path / n).write_text("old")
    with pytest.raises(ZeroDivisionError):
        with atomic_group([tmp_path / n for n in names]) as temps:
            temps[0].write_text("new")
            1 / 0
    with pytest.raises(RuntimeError, match="no file for"):
        with atomic_group([tmp_path / n for n in names]) as temps:
            temps[2].write_text("new")  # the .dbf and .shx never came
    assert {(tmp_path / n).read_text() for n in names} == {"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_an_optional_part_the_writer_did_not_make_is_removed(tmp_path: Path):
    (tmp_path / "x.qix").write_text("index of the old data")
    (tmp_path / "x.shp").write_text("old")
    with atomic_group([tmp_path / "x.qix", tmp_path / "x.shp"], optional=[tmp_path / "x.qix"]) as temps:
        temps[1].write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["x.shp"]


def test_a_group_is_one_folder_with_distinct_suffixes(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    for bad in ([tmp_path / "a.png", tmp_path / "sub" / "a.pgw"], [tmp_path / "a.png", tmp_path / "b.png"], []):
        with pytest.raises(ValueError):
            with atomic_group(bad):
                pass


def test_start_up_rolls_a_committed_group_forward_and_an_uncommitted_one_back(tmp_path, systmp):
    out = tmp_path / "out"
    out.mkdir()
    for n in ("c.png", "c.pgw", "u.png"):
        (out / n).write_text("old")
    committed, uncommitted = out / ".c.png.0000abcd.part-999999", out / ".u.png.1111abcd.part-999999"
    for stem in (committed, uncommitted):
        Path(f"{stem}.png").write_text("new")
    Path(f"{committed}.pgw").write_text("new")
    os.replace(f"{committed}.pgw", out / "c.pgw")  # killed after the first of two renames
    Path(f"{committed}.commit").write_text(json.dumps({"moves": [[f"{committed.name}.pgw", "c.pgw"],
                                                                 [f"{committed.name}.png", "c.png"]], "removes": []}))
    folder = dead_folder(systmp, [committed, uncommitted])
    assert clean_stale_writes() == 2
    assert {n: (out / n).read_text() for n in sorted(os.listdir(out))} == {"c.pgw": "new", "c.png": "new", "u.png": "old"}
    assert not folder.exists()


def test_a_manifest_that_points_outside_its_folder_is_not_followed(tmp_path, systmp):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    stem = out / ".a.png.2222abcd.part-999999"
    Path(f"{stem}.png").write_text("x")
    Path(f"{stem}.commit").write_text(json.dumps({"moves": [[f"{stem.name}.png", "../victim.txt"]],
                                                  "removes": ["../victim.txt"]}))
    dead_folder(systmp, [stem])
    clean_stale_writes()
    assert victim.read_text() == "keep" and os.listdir(out) == []


def test_a_live_processs_folder_and_writes_are_left_alone_until_it_dies(tmp_path, systmp):
    target = tmp_path / "slow.csv"
    code = ("import time; from geodata.core.atomic import atomic_path\n"
            f"with atomic_path({str(target)!r}) as tmp:\n"
            "    tmp.write_text('half'); print('writing', flush=True); time.sleep(60)\n")
    env = dict(os.environ, TMPDIR=str(systmp))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert clean_stale_writes() == 0
        assert len(list(systmp.iterdir())) == 1 and len(list(tmp_path.glob(".slow.csv.*"))) == 1
        assert scratch.pid_alive(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not scratch.pid_alive(proc.pid)
    assert clean_stale_writes() == 1
    assert list(systmp.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["systmp"]


def test_a_normal_exit_removes_the_scratch_folder(tmp_path, systmp):
    code = f"from geodata.core.atomic import atomic_write_text; atomic_write_text({str(tmp_path / 'a.txt')!r}, 'x')"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ, TMPDIR=str(systmp)), check=True)
    assert (tmp_path / "a.txt").read_text() == "x"
    assert list(systmp.iterdir()) == []


def test_stale_parts_beside_a_destination_are_swept_when_it_is_next_written(tmp_path, systmp):
    """After a reboot the journals in the temp folder may be gone: the next write of the same file
    clears an hour-old leftover of a process that no longer runs, and leaves a fresh one."""
    old = tmp_path / ".m.csv.3333abcd.part-999999.csv"
    fresh = tmp_path / ".m.csv.4444abcd.part-999998.csv"
    for p in (old, fresh):
        p.write_text("half")
    hour_ago = time.time() - atomic.SWEEP_AFTER_S - 60
    os.utime(old, (hour_ago, hour_ago))
    atomic_write_text(tmp_path / "m.csv", "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, "m.csv", "systmp"])


def test_the_next_start_of_the_cli_finishes_what_a_kill_left(tmp_path, systmp):
    """A real process killed -9 between the two renames of a group, then a real `main.py` start."""
    out = tmp_path / "out"
    code = ("import os, signal\n"
            "from pathlib import Path\n"
            "from geodata.core.atomic import atomic_group\n"
            "real = os.replace\n"
            "def replace(a, b):\n"
            "    real(a, b)\n"
            "    if Path(b).suffix == '.pgw': os.kill(os.getpid(), signal.SIGKILL)\n"
            "os.replace = replace\n"
            f"out = Path({str(out)!r})\n"
            "with atomic_group([out / 'm.pgw', out / 'm.png']) as (w, p):\n"
            "    w.write_text('new'); p.write_text('new')\n")
    env = dict(os.environ, TMPDIR=str(systmp))
    out.mkdir()
    for n in ("m.pgw", "m.png"):
        (out / n).write_text("old")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env)
    assert done.returncode == -signal.SIGKILL
    assert (out / "m.pgw").read_text() == "new" and (out / "m.png").read_text() == "old"  # mixed, for now
    assert len(os.listdir(systmp)) == 1
    subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert {n: (out / n).read_text() for n in sorted(os.listdir(out))} == {"m.pgw": "new", "m.png": "new"}
    assert os.listdir(systmp) == []
