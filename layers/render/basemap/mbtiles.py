"""MBTiles files: offline basemap packages (read), and "download this area for offline use" (write).

MBTiles 1.3 is one SQLite file: `metadata(name, value)` and `tiles(zoom_level, tile_column,
tile_row, tile_data)` with rows counted from the south (TMS), hence the flip `2^z - 1 - y` on
every read and write.  Files this project writes also say `chengyu:datum` (gcj02 for Amap
packages, so they are warped like the live tiles) and carry the provider's attribution (both
languages in `attribution`, each in `chengyu:attribution_zh`/`_en`).

`download_area(source, lonlat_bbox, zooms, out_path, feedback)` fetches every tile of the box at
those zooms (through the disk cache, so an area downloaded is also cached, and the other way
round), composes several tile sets (Tianditu's map + annotation) into one PNG a tile, and
writes the file atomically: a cancelled or failed download leaves nothing at `out_path`.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF
from PySide6.QtGui import QImage, QPainter

from geodata.core.atomic import atomic_path
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, plain
from layers.render.basemap.providers import BasemapError, BasemapSource, TileSet
from layers.render.basemap.tile_math import count_lonlat_tiles, lonlat_tiles

MAX_DOWNLOAD_TILES = 20000  # ~0.5 GB of map tiles; OpenStreetMap forbids bulk downloads
BATCH = 64  # tiles fetched, then written, at a time (memory stays small for big areas)
BAD_FILE = Message("{path} 不是可用的 MBTiles 文件：{why}", "{path} is not a usable MBTiles file: {why}")
TOO_MANY = Message("该范围在 {zooms} 级共 {n} 块瓦片，超过上限 {limit}：请缩小范围或降低级别（或用 --max-tiles 提高上限）",
                   "that area holds {n} tiles at zoom {zooms}, more than the limit of {limit}: choose a smaller box "
                   "or fewer zoom levels (or raise the limit with --max-tiles)")
DOWNLOAD_FAILED = Message("下载失败，未写入文件：{why}", "download failed, nothing written: {why}")
WRITING = Message("写入 MBTiles", "writing MBTiles")
DOWNLOADING = Message("下载瓦片 {done}/{total}", "downloading tiles {done}/{total}")


def _bad(path, why) -> BasemapError:
    return BasemapError(BAD_FILE.format(path=str(path), why=why if isinstance(why, Message) else plain(str(why))))


class MBTilesReader:
    """Read-only access to an MBTiles file; safe from several threads (one connection, locked)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            names = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            if "tiles" not in names:
                raise _bad(self.path, Message("没有 tiles 表", "it has no tiles table"))
            self.metadata = dict(self._conn.execute("SELECT name, value FROM metadata")) if "metadata" in names else {}
            lo, hi, n = self._conn.execute("SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles").fetchone()
        except sqlite3.DatabaseError as exc:
            raise _bad(self.path, exc) from None
        if not n:
            raise _bad(self.path, Message("不含任何瓦片", "it holds no tiles"))
        self.min_zoom = int(self.metadata.get("minzoom", lo) or lo)
        self.max_zoom = int(self.metadata.get("maxzoom", hi) or hi)
        self.tile_count = int(n)
        self._lock = threading.Lock()

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        try:
            w, s, e, n = (float(v) for v in str(self.metadata["bounds"]).split(","))
            return w, s, e, n
        except (KeyError, ValueError):
            return None

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """Tile (z, x, y) in XYZ numbering (rows from the north), or None when the file lacks it."""
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row and row[0] else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def mbtiles_source(path: str | Path) -> BasemapSource:
    """A basemap of one MBTiles file (opened to check it: a bad file raises BasemapError now)."""
    reader = MBTilesReader(path)
    try:
        meta = reader.metadata
        datum = "gcj02" if str(meta.get("chengyu:datum", "")).lower() == "gcj02" else "wgs84"
        tileset = TileSet(f"mbtiles-{Path(path).stem}", mbtiles=Path(path).resolve(), min_zoom=reader.min_zoom,
                          max_zoom=reader.max_zoom, datum=datum, scheme="tms", bounds=reader.bounds)
        credit = _plain_text(str(meta.get("attribution", "") or ""))
        if meta.get("chengyu:attribution_zh") and meta.get("chengyu:attribution_en"):  # ours: one per language
            attribution = Message("{zh}", "{en}").format(zh=meta["chengyu:attribution_zh"],
                                                         en=meta["chengyu:attribution_en"])
        elif credit:
            attribution = plain(credit)
        else:
            attribution = Message("瓦片：{name}", "tiles: {name}").format(name=Path(path).name)
        name = plain(str(meta.get("name") or Path(path).stem))
    finally:
        reader.close()
    return BasemapSource("mbtiles", name, (tileset,), attribution, spec=str(path))


def _plain_text(html: str) -> str:
    """An attribution without its markup (MBTiles from other tools hold HTML links)."""
    import re
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


@dataclass
class DownloadResult:
    path: Path
    tiles: int  # written
    missing: int  # the server has no such tile (sea, outside its coverage)
    bytes: int


def _png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _compose(layers: list[bytes | None]) -> bytes | None:
    """One tile from several tile sets' bytes (bottom first); the single set's bytes as they are."""
    present = [b for b in layers if b]
    if len(layers) == 1 or not present:
        return present[0] if present else None
    canvas = QImage(256, 256, QImage.Format.Format_ARGB32_Premultiplied)
    canvas.fill(0)
    painter = QPainter(canvas)
    try:
        for data in present:
            image = QImage.fromData(data)
            if not image.isNull():
                painter.drawImage(QPointF(0, 0), image.scaled(256, 256) if image.width() != 256 else image)
    finally:
        painter.end()
    return _png(canvas)


def _metadata(source: BasemapSource, bbox, zooms, fmt: str) -> dict[str, str]:
    w, s, e, n = bbox
    return {"name": source.name.text("zh"), "format": fmt, "bounds": f"{w},{s},{e},{n}",
            "center": f"{(w + e) / 2},{(s + n) / 2},{min(zooms)}", "minzoom": str(min(zooms)),
            "maxzoom": str(max(zooms)), "type": "baselayer", "version": "1.1",
            "attribution": f"{source.attribution.text('zh')} / {source.attribution.text('en')}",
            "description": f"chengyu-explorer offline basemap ({source.key})",
            "chengyu:datum": source.tilesets[0].datum, "chengyu:source": source.key,
            "chengyu:attribution_zh": source.attribution.text("zh"), "chengyu:attribution_en": source.attribution.text("en")}


def _format(data: bytes) -> str:
    return "jpg" if data[:3] == b"\xff\xd8\xff" else ("webp" if data[8:12] == b"WEBP" else "png")


def download_area(source: BasemapSource, lonlat_bbox, zooms, out_path, feedback: Feedback | None = None, *,
                  cache=None, timeout: float | None = None, opener=None,
                  max_tiles: int = MAX_DOWNLOAD_TILES) -> DownloadResult:
    """Write the tiles of a WGS84 box at `zooms` into an MBTiles file, atomically.

    Raises BasemapError (too many tiles, a server that cannot be reached, bad source) before or
    instead of writing, `Cancelled` when `feedback` is cancelled; both leave nothing at `out_path`."""
    from layers.render.basemap.fetcher import DEFAULT_TIMEOUT_S, TileFetcher
    from layers.render.basemap.tile_cache import TileCache

    from layers.render.fonts import ensure_gui_app

    ensure_gui_app()  # Qt's image readers load in this thread, before the fetcher threads decode
    feedback = feedback_or_new(feedback)
    zooms = sorted(set(int(z) for z in zooms))
    if not zooms or min(zooms) < 0 or max(zooms) > 22:
        raise ValueError(f"zoom levels must be between 0 and 22, got {zooms}")
    total = count_lonlat_tiles(lonlat_bbox, zooms)
    if total > max_tiles:
        zoom_text = f"{zooms[0]}-{zooms[-1]}" if len(zooms) > 1 else str(zooms[0])
        raise BasemapError(TOO_MANY.format(n=f"{total:,}", zooms=zoom_text, limit=f"{max_tiles:,}"))
    cache = cache if cache is not None else TileCache()
    fetchers = [TileFetcher(t, cache, timeout=timeout or DEFAULT_TIMEOUT_S, opener=opener) for t in source.tilesets]
    tiles = [t for t in lonlat_tiles(lonlat_bbox, zooms, source.tilesets[0].datum)
             if all(f.tileset.min_zoom <= t[0] <= f.tileset.max_zoom for f in fetchers)]
    written = missing = size = 0
    fmt = None
    out = Path(out_path)
    try:
        with atomic_path(out) as tmp:
            conn = sqlite3.connect(tmp)
            try:
                conn.executescript(
                    "CREATE TABLE metadata (name TEXT, value TEXT);"
                    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
                    "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);")
                for start in range(0, len(tiles), BATCH):
                    feedback.check()
                    batch = tiles[start:start + BATCH]
                    got = [f.fetch(batch, feedback, report=False, as_bytes=True) for f in fetchers]
                    failed = [f for f in fetchers if f.failures]
                    if failed:
                        raise BasemapError(DOWNLOAD_FAILED.format(why=failed[0].failure_summary()))
                    rows = []
                    for tile in batch:
                        data = _compose([g.get(tile) for g in got])
                        if data is None:
                            missing += 1
                            continue
                        fmt = fmt or _format(data)
                        z, x, y = tile
                        rows.append((z, x, (1 << z) - 1 - y, sqlite3.Binary(data)))
                        size += len(data)
                    conn.executemany("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", rows)
                    written += len(rows)
                    done = min(len(tiles), start + BATCH)
                    feedback.set_progress(0.97 * done / max(1, len(tiles)), DOWNLOADING.format(done=done, total=len(tiles)))
                feedback.check()
                feedback.set_progress(0.98, WRITING)
                conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                                 _metadata(source, lonlat_bbox, zooms, fmt or "png").items())
                conn.commit()
            finally:
                conn.close()
            feedback.check()
    finally:
        for f in fetchers:
            f.close()
    feedback.set_progress(1.0, Message("完成", "done"))
    return DownloadResult(out, written, missing, size)
