import json
import os
import shutil
from pathlib import Path

import pytest

from geodata.core import scratch


def test_this_process_has_one_locked_folder_named_by_its_pid():
    folder = scratch.scratch_dir()
    assert folder == scratch.scratch_dir()
    assert scratch.FOLDER.match(folder.name) and folder.name.startswith(f"chengyu-{os.getpid()}-")
    assert scratch.pid_alive(os.getpid()) and scratch._owner_alive(folder)  # its lock is held
    assert folder not in scratch.stale_folders()


def test_the_journal_reads_back_odd_names_and_skips_a_line_cut_by_a_kill(tmp_path):
    names = [tmp_path / "带 空格.png", tmp_path / "new\nline.csv", Path(os.fsdecode(b"/tmp/\xff.bin"))]
    folder = tmp_path / "chengyu-1-abcdefgh"
    folder.mkdir()
    lines = "".join(json.dumps(str(n)) + "\n" for n in names) + '"/tmp/cut-of'
    (folder / scratch.JOURNAL).write_bytes(lines.encode("utf-8", "surrogatepass"))
    assert scratch.read_journal(folder) == names


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_makes_a_folder_of_its_own():
    parent = scratch.scratch_dir()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, str(scratch.scratch_dir()).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = Path(os.read(read, 4096).decode())
    os.close(read)
    assert child != parent and child.name.startswith(f"chengyu-{pid}-")
    assert child in scratch.stale_folders()  # it exited without its exit handlers: dead, its lock free
    shutil.rmtree(child)
