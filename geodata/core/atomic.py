"""Atomic file writes: nothing half-written is ever left at the destination.

Every writer in the project (GeoPackage build, exports, saved layers, project
files, reports) goes through `atomic_path`: it writes to a temporary name in the
destination folder (same file system, so the final rename is atomic) and renames
only when the writer finished without an exception.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike, *, backup: bool = False, exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `destination`.

    The temporary name keeps the destination's suffix, because drivers (GDAL, Qt)
    pick the format from it.  With `backup=True` an existing destination is kept as
    `<name>.bak` first.  With `exclusive=True` the destination is only created, never
    replaced (a hard link, so of two writers racing to create it one gets FileExistsError).
    On any exception the temporary file is removed and the destination is left exactly as it was.
    """
    dest = Path(destination)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=f".part{dest.suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite: let them create it
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"writer produced no file for {dest}")
        if exclusive:
            os.link(tmp, dest)
            return
        if backup and dest.exists():
            shutil.copy2(dest, dest.with_name(dest.name + ".bak"))
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(destination: str | os.PathLike, data: bytes, *, backup: bool = False) -> Path:
    with atomic_path(destination, backup=backup) as tmp:
        tmp.write_bytes(data)
    return Path(destination)


def atomic_write_text(destination: str | os.PathLike, text: str, *, backup: bool = False) -> Path:
    return atomic_write_bytes(destination, text.encode("utf-8"), backup=backup)
