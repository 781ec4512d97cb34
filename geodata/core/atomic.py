"""Atomic file writes: a destination is always its old file or its new one — never torn, never mixed.

Every writer in the project (GeoPackage build, exports, saved layers, project files, reports)
goes through `atomic_path` (one file) or `atomic_group` (files that belong together: an image
with its world file and .prj, the parts of a shapefile).  How, step by step:

1. Temporary names sit beside the destination (same file system, so a rename is atomic) as
   `.<name>.<random>.part-<pid><suffix>` — the suffix kept, because drivers (GDAL, Qt) pick
   the format from it; every file of one write starts with the same `.<name>.<random>.part-<pid>`
   (its *stem*), which is noted in this process's journal (`scratch.py`) before anything is made.
2. The writer writes the temporary files; nothing at the destination changes meanwhile, and an
   exception (or `Cancelled`) removes them.
3. Each file is fsynced, so what is renamed is on disk.
4. One file: renamed over the destination (`os.replace`), then the folder is fsynced.  A group:
   first a commit manifest `<stem>.commit` listing every rename (and every stale sidecar to
   delete) is written and fsynced — that is the commit point — then the stale sidecars go, the
   files are renamed in the caller's order (the main file last: an image never stands beside a
   world file older than itself), the folder is fsynced and the manifest removed.
5. `backup=True` keeps the previous file as `<name>.bak`: a hard link to it, put in place by a
   rename — never a half-copied or empty .bak (a copy, fsynced, then renamed where links fail).
6. Start-up (`clean_stale_writes`, from `main.py`): the journals of dead processes name their
   stems; a stem with a manifest is rolled forward (the group becomes all new), any other is
   rolled back (its temporary files deleted: the destination stayed all old); then the dead
   process's scratch folder goes.  A write also sweeps its own destination's stems of processes
   dead for over an hour (after a reboot the journals in the temp folder may be gone).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Iterable, Iterator

from geodata.core import scratch

MANIFEST = ".commit"
SWEEP_AFTER_S = 3600.0  # a stem beside a destination, of a process not running here, older than this
_STEM = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.part-(?P<pid>\d+)")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows commits only writable handles
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make renames in `folder` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is still atomic
    finally:
        os.close(fd)


def _begin(main: Path) -> Path:
    """A new stem for writing `main` (and its sidecars), journaled before any file exists."""
    main.parent.mkdir(parents=True, exist_ok=True)
    _sweep(main)
    stem = main.with_name(f".{main.name}.{secrets.token_hex(4)}.part-{os.getpid()}")
    scratch.journal(stem.absolute())
    return stem


def _files_of(stem: Path) -> list[Path]:
    """The files of one write: the stem itself or the stem and a suffix (.png, .commit, .gpkg-journal …)."""
    try:
        return [stem.parent / n for n in os.listdir(stem.parent) if n == stem.name or n.startswith(stem.name + ".")]
    except OSError:
        return []


def _discard(stem: Path) -> None:
    for path in _files_of(stem):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _apply(moves: list[tuple[Path, Path]], removes: list[Path], folder: Path) -> None:
    for dest in removes:
        with contextlib.suppress(FileNotFoundError):
            dest.unlink()
    for tmp, dest in moves:
        os.replace(tmp, dest)
    fsync_dir(folder)


def _write_manifest(stem: Path, moves: list[tuple[Path, Path]], removes: list[Path]) -> Path:
    manifest = stem.with_name(stem.name + MANIFEST)
    draft = stem.with_name(stem.name + MANIFEST + "-draft")
    plan = {"moves": [[t.name, d.name] for t, d in moves], "removes": [d.name for d in removes]}
    draft.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8", errors="surrogateescape")
    fsync_file(draft)
    os.replace(draft, manifest)
    fsync_dir(stem.parent)
    return manifest


def _read_manifest(stem: Path) -> tuple[list[tuple[Path, Path]], list[Path]] | None:
    """The renames a manifest commits to: bare names in the stem's own folder, temporary ones of this stem."""
    try:
        plan = json.loads(stem.with_name(stem.name + MANIFEST).read_text(encoding="utf-8", errors="surrogateescape"))
        moves = [(str(t), str(d)) for t, d in plan["moves"]]
        removes = [str(d) for d in plan["removes"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    names = [n for pair in moves for n in pair] + removes
    if any(Path(n).name != n or n in ("", ".", "..") for n in names):
        return None  # not a manifest this module wrote
    if any(not t.startswith(stem.name) or d.startswith(stem.name) for t, d in moves) or \
            any(d.startswith(stem.name) for d in removes):
        return None
    folder = stem.parent
    return [(folder / t, folder / d) for t, d in moves], [folder / d for d in removes]


def recover(stem: Path) -> None:
    """Finish or undo one write whose process is gone: a committed group is rolled forward, anything
    else rolled back; the stem's files are gone afterwards."""
    plan = _read_manifest(stem) if stem.with_name(stem.name + MANIFEST).exists() else None
    if plan is not None:
        moves, removes = plan
        _apply([(t, d) for t, d in moves if t.exists()], removes, stem.parent)
    _discard(stem)


def _sweep(dest: Path) -> None:
    """Recover stems of `dest` left by processes no longer running here (journals lost, e.g. a reboot)."""
    try:
        names = os.listdir(dest.parent)
    except OSError:
        return
    prefix = f".{dest.name}."
    stems = {}
    for name in names:
        match = _STEM.match(name) if name.startswith(prefix) else None
        if match and match.group("name") == dest.name:
            stems[match.group(0)] = int(match.group("pid"))
    now = time.time()
    for name, pid in stems.items():
        stem = dest.parent / name
        try:
            old = all(now - p.lstat().st_mtime > SWEEP_AFTER_S for p in _files_of(stem))
        except OSError:
            continue
        if old and not scratch.pid_alive(pid):
            recover(stem)


_CLEANED = [0]  # unfinished writes found by this process's start-up clean-ups


def clean_up_after_crashes() -> int:
    """What every start does (the CLI in main.py, the window in explorer/app.py): `clean_stale_writes`,
    never in the way of starting (an unreadable temp folder counts as nothing found)."""
    try:
        found = clean_stale_writes()
    except OSError:
        return 0
    _CLEANED[0] += found
    return found


def cleaned_at_start() -> int:
    """How many unfinished writes this process's start-up clean-ups found (the window says so even
    when main.py's clean-up, which runs first, was the one that found them)."""
    return _CLEANED[0]


def clean_stale_writes() -> int:
    """Finish or remove what dead processes of this program left (run at every start); returns how
    many of their writes were found unfinished."""
    found = 0
    for folder in scratch.stale_folders():
        for stem in scratch.read_journal(folder):
            if _STEM.match(stem.name) and _files_of(stem):
                found += 1
                with contextlib.suppress(OSError):
                    recover(stem)
        shutil.rmtree(folder, ignore_errors=True)
    return found


def _backup(dest: Path, stem: Path) -> None:
    staged = stem.with_name(stem.name + ".bak")
    try:
        os.link(dest, staged)  # the old file itself under a second name: whole, instantly
    except OSError:
        shutil.copy2(dest, staged)
        fsync_file(staged)
    os.replace(staged, dest.with_name(dest.name + ".bak"))


@contextlib.contextmanager
def atomic_group(destinations: Iterable[str | os.PathLike], *, optional: Iterable[str | os.PathLike] = ()
                 ) -> Iterator[list[Path]]:
    """Yield one temporary path per destination (same order, same suffixes, one shared stem); on
    success all of them replace their destinations together (module doc, step 4).

    Destinations share one folder and differ in suffix; list the main file LAST.  A destination in
    `optional` the writer did not produce is removed (a stale sidecar would describe other data);
    any other missing file is an error.  On an exception every destination is left as it was."""
    dests = [Path(d) for d in destinations]
    if not dests or len({d.parent.resolve() for d in dests}) != 1 or len({d.suffix for d in dests}) != len(dests):
        raise ValueError(f"a group is files of one folder with distinct suffixes: {[str(d) for d in dests]}")
    maybe = {Path(d) for d in optional}
    stem = _begin(dests[-1])
    temps = [stem.with_name(stem.name + d.suffix) for d in dests]
    try:
        yield temps
        moves, removes = [], []
        for tmp, dest in zip(temps, dests):
            if tmp.exists():
                moves.append((tmp, dest))
            elif dest in maybe:
                if os.path.lexists(dest):
                    removes.append(dest)
            else:
                raise RuntimeError(f"writer produced no file for {dest}")
        for tmp, _ in moves:
            fsync_file(tmp)
        if len(moves) + len(removes) > 1:
            _write_manifest(stem, moves, removes)
        _apply(moves, removes, dests[-1].parent)
    finally:
        _discard(stem)


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike, *, backup: bool = False, exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `destination` (module doc).

    With `backup=True` an existing destination is kept as `<name>.bak` first.  With
    `exclusive=True` the destination is only created, never replaced (a hard link, so of two
    writers racing to create it one gets FileExistsError).  On any exception the temporary file
    is removed and the destination is left exactly as it was."""
    dest = Path(destination)
    stem = _begin(dest)
    tmp = stem.with_name(stem.name + dest.suffix)
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"writer produced no file for {dest}")
        fsync_file(tmp)
        if exclusive:
            os.link(tmp, dest)
        else:
            if backup and dest.exists():
                _backup(dest, stem)
            os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        _discard(stem)


def atomic_write_bytes(destination: str | os.PathLike, data: bytes, *, backup: bool = False) -> Path:
    with atomic_path(destination, backup=backup) as tmp:
        tmp.write_bytes(data)
    return Path(destination)


def atomic_write_text(destination: str | os.PathLike, text: str, *, backup: bool = False) -> Path:
    return atomic_write_bytes(destination, text.encode("utf-8"), backup=backup)
