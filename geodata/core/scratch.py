"""This process's scratch folder, and how to tell the folders of dead processes.

Every process that writes files has one folder `chengyu-<pid>-<random>` under the system temp
directory (made on first use, removed at a normal exit).  It holds scratch space (a zip being
imported is unpacked there), `pending` — the journal of the temporary names the atomic writes
of `atomic.py` use beside their destinations — and `lock`, held with an OS file lock for the
life of the process.  The OS drops that lock when the process dies, by kill -9 too, so a folder
whose lock can be taken belongs to a dead process: no guessing from pids, and a reused pid
cannot make a dead folder look alive.  `atomic.clean_stale_writes` (run at every start of the
app and the CLI) uses `stale_folders` and `read_journal` to finish or remove what they left.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

PREFIX = "chengyu-"
FOLDER = re.compile(r"chengyu-(\d+)-[a-z0-9_]{8}$")
JOURNAL = "pending"
LOCK = "lock"
UNLOCKED_GRACE_S = 60.0  # Windows: a folder without its lock file yet is being made, unless this old

_mutex = threading.Lock()
_state: dict = {}  # pid -> (folder, lock fd); a forked child makes its own


def _try_lock(fd: int) -> bool:
    """Take the lock on `fd` without waiting; False if another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def scratch_dir() -> Path:
    """This process's folder (made, and locked, on first use)."""
    pid = os.getpid()
    with _mutex:
        if pid not in _state:
            folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{pid}-", dir=tempfile.gettempdir()))
            fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            _try_lock(fd)
            _state.clear()  # a forked child's copy of its parent's entry is not its own
            _state[pid] = (folder, fd)
            atexit.register(_at_exit, pid)
        return _state[pid][0]


def journal(stem: Path) -> None:
    """Note a temporary name (the common start of a write's temporary files) before it is used."""
    line = json.dumps(str(stem)) + "\n"
    fd = os.open(scratch_dir() / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8", "surrogatepass"))  # one append: a kill leaves whole lines
    finally:
        os.close(fd)


def read_journal(folder: Path) -> list[Path]:
    try:
        raw = (folder / JOURNAL).read_bytes().decode("utf-8", "surrogatepass")
    except OSError:
        return []
    out = []
    for line in raw.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue  # a line cut by a kill
        if isinstance(value, str) and value:
            out.append(Path(value))
    return list(dict.fromkeys(out))


def _owner_alive(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK, os.O_RDWR)
    except FileNotFoundError:  # killed between making the folder and its lock, or making it right now
        return _pid_running(int(FOLDER.match(folder.name).group(1)), folder)
    except OSError:
        return True  # cannot tell: leave it alone
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)  # closing drops the lock we may just have taken


def _pid_running(pid: int, folder: Path) -> bool:
    if os.name == "nt":  # no cheap, safe probe (os.kill would terminate it): trust the folder's age
        try:
            return time.time() - folder.stat().st_mtime < UNLOCKED_GRACE_S
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: it exists
    return True


def _candidates(pid: int | None = None):
    root = Path(tempfile.gettempdir())
    own = _state.get(os.getpid(), (None,))[0]
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        match = FOLDER.match(name)
        if not match or (pid is not None and int(match.group(1)) != pid):
            continue
        folder = root / name
        if folder == own or folder.is_symlink() or not folder.is_dir():
            continue
        if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
            continue  # another user's: never ours to judge or remove
        yield folder


def stale_folders() -> list[Path]:
    """The folders of processes that are gone."""
    return [f for f in _candidates() if not _owner_alive(f)]


def pid_alive(pid: int) -> bool:
    """Whether process `pid` of this program still runs (it has a folder whose lock is held)."""
    if pid == os.getpid():
        return True
    return any(_owner_alive(f) for f in _candidates(pid))


def _at_exit(pid: int) -> None:
    """A normal exit removes the folder, unless a write it journaled left files (then the next start
    finishes or removes them, as after a kill)."""
    if os.getpid() != pid or pid not in _state:
        return
    folder, fd = _state.pop(pid)
    leftovers = False
    by_parent: dict[Path, list[str]] = {}
    for stem in read_journal(folder):
        by_parent.setdefault(stem.parent, []).append(stem.name)
    for parent, stems in by_parent.items():
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        if any(n.startswith(s) for n in names for s in stems):
            leftovers = True
            break
    if leftovers:
        for child in folder.iterdir():
            if child.name not in (JOURNAL, LOCK):
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        os.close(fd)
        return
    os.close(fd)
    shutil.rmtree(folder, ignore_errors=True)
