"""Tiles kept: on disk between sessions (a cached area works with the network gone) and
decoded in memory for the frames of this session.

Disk: `DIR/<tile set cache_id>/<z>/<x>/<y>.tile`, the bytes exactly as served (PNG or JPEG),
each written atomically (`geodata/core/atomic.py`), so a crash never leaves half a tile.  DIR
is `--tile-cache DIR`, else the user cache folder of platformdirs (`~/.cache/chengyu-explorer/
tiles` on Linux).  A tile older than `max_age_days` is still drawn; the window refreshes it in
the background when the network answers (exports never wait for a refresh).

Memory: decoded `QImage`s (premultiplied ARGB, the raster engine's fast format) in a bounded
LRU shared by every thread; `EMPTY` marks a tile the server does not have (HTTP 404, a hole
in an MBTiles file), so it is not asked for again.  `version` grows with every tile added:
a frame cache built on an older version is stale.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from PySide6.QtGui import QImage

from geodata.core.atomic import atomic_write_bytes

MEMORY_TILES = 384  # ~100 MB decoded: more than the largest frame (tile_math.MAX_TILES)
MAX_AGE_DAYS = 30
EMPTY = "empty"  # the server has no such tile: draw nothing there, ask no more


def default_cache_dir() -> Path:
    """The per-user cache folder for tiles (platformdirs: ~/.cache/chengyu-explorer/tiles on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("chengyu-explorer", appauthor=False)) / "tiles"


def decode_tile(data: bytes) -> QImage | None:
    """PNG/JPEG bytes -> a premultiplied ARGB image, or None if they are not an image."""
    image = QImage.fromData(data)
    if image.isNull():
        return None
    if image.format() != QImage.Format.Format_ARGB32_Premultiplied:
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return image


class TileCache:
    """Disk folder plus in-memory LRU of decoded tiles (thread-safe)."""

    def __init__(self, root: str | Path | None = None, *, memory_tiles: int = MEMORY_TILES,
                 max_age_days: float = MAX_AGE_DAYS) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.memory_tiles = int(memory_tiles)
        self.max_age_s = float(max_age_days) * 86400.0
        self._images: OrderedDict[tuple[str, tuple[int, int, int]], QImage | str] = OrderedDict()
        self._lock = threading.Lock()
        self.version = 0

    # ---- disk ------------------------------------------------------------------------
    def path(self, cache_id: str, tile: tuple[int, int, int]) -> Path:
        z, x, y = tile
        return self.root / cache_id / str(z) / str(x) / f"{y}.tile"

    def read(self, cache_id: str, tile) -> tuple[bytes, bool] | None:
        """(bytes, stale) from disk, or None when the tile was never stored."""
        path = self.path(cache_id, tile)
        try:
            data = path.read_bytes()
            age = time.time() - path.stat().st_mtime
        except OSError:
            return None
        return (data, age > self.max_age_s) if data else None

    def write(self, cache_id: str, tile, data: bytes) -> None:
        """Store a tile's bytes; a cache that cannot be written (read-only, full) is not an error."""
        try:
            atomic_write_bytes(self.path(cache_id, tile), data)
        except OSError:
            pass

    def has(self, cache_id: str, tile) -> bool:
        return self.path(cache_id, tile).is_file()

    # ---- memory ----------------------------------------------------------------------
    def image(self, cache_id: str, tile) -> QImage | str | None:
        """The decoded tile, EMPTY, or None when not in memory."""
        key = (cache_id, tuple(tile))
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image

    def put_image(self, cache_id: str, tile, image: QImage | str) -> None:
        key = (cache_id, tuple(tile))
        with self._lock:
            self._images[key] = image
            self._images.move_to_end(key)
            while len(self._images) > self.memory_tiles:
                self._images.popitem(last=False)
            self.version += 1

