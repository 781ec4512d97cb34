"""Getting tiles: memory, then the disk cache (or the MBTiles file), then the network.

This is the only module that talks to the network (`urllib`, http and https only).  Requests
carry a User-Agent naming the application, as OpenStreetMap's tile policy asks; each has a
timeout; after `BREAKER_FAILURES` network failures in a row with no success the host is taken
as unreachable and the remaining tiles fail at once with the same reason (an export with
`--basemap-optional` then needs seconds, not a timeout per tile).

Two ways to ask:
- `want(tiles)` (the window): returns at once; background threads fetch the tiles not yet in
  memory, newest request first (a pan drops the tiles it no longer shows), and call
  `on_tiles(tiles)` on their own thread whenever some arrived;
- `fetch(tiles, feedback)` (exports, downloads): waits until every tile is in or failed,
  reporting progress and stopping with `Cancelled` when the `Feedback` is cancelled.
"""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Iterable
from urllib.parse import urlsplit

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import Message, count
from layers.render.basemap.providers import TileSet
from layers.render.basemap.tile_cache import EMPTY, TileCache, decode_tile

USER_AGENT = "chengyu-explorer/0.1 (desktop planning map of the Chengdu-Chongqing economic circle; Python urllib)"
DEFAULT_TIMEOUT_S = 10.0
BREAKER_FAILURES = 3
RETRY_AFTER_S = 60.0  # window: a failed tile or an unreachable host is left alone this long
MAX_TILE_BYTES = 4 << 20
Tile = tuple[int, int, int]

UNREACHABLE = Message("无法连接瓦片服务器 {host}：{why}", "cannot reach the tile server {host}: {why}")
HTTP_REFUSED = Message("瓦片服务器 {host} 拒绝请求（HTTP {code}）{hint}",
                       "the tile server {host} refused the request (HTTP {code}){hint}")
KEY_HINT = Message("：请检查密钥", ": check your key")
NOT_AN_IMAGE = Message("瓦片服务器 {host} 返回的不是图片（{kind}）", "the tile server {host} sent something that is not an image ({kind})")
TOO_BIG = Message("瓦片服务器 {host} 返回的瓦片过大", "the tile server {host} sent an oversized tile")
FETCHING = Message("下载底图瓦片 {done}/{total}", "fetching basemap tiles {done}/{total}")


class TileUnavailable(Exception):
    """One tile could not be had; `.message` says why, `.missing` means the server has no such tile."""

    def __init__(self, message: Message, *, missing: bool = False, network: bool = False) -> None:
        self.message, self.missing, self.network = message, missing, network
        super().__init__(message.text("en"))


def default_opener():
    """The urllib opener for tiles (tests replace it to answer from a local server)."""
    return urllib.request.build_opener()


def http_get(url: str, timeout: float, opener=None) -> bytes:
    """GET one tile; raises TileUnavailable with a message that names the host, never the key."""
    host = urlsplit(url).hostname or "?"
    if urlsplit(url).scheme not in ("http", "https"):
        raise TileUnavailable(UNREACHABLE.format(host=host, why="not http(s)"))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/png,image/jpeg,image/*"})
    try:
        with (opener or default_opener()).open(request, timeout=timeout) as response:
            kind = response.headers.get("Content-Type", "") if response.headers else ""
            data = response.read(MAX_TILE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (204, 404):
            raise TileUnavailable(HTTP_REFUSED.format(host=host, code=exc.code, hint=""), missing=True) from None
        hint = KEY_HINT if exc.code in (401, 403) else ""
        raise TileUnavailable(HTTP_REFUSED.format(host=host, code=exc.code, hint=hint), network=True) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        why = getattr(exc, "reason", None) or exc
        raise TileUnavailable(UNREACHABLE.format(host=host, why=str(why) or type(exc).__name__), network=True) from None
    if len(data) > MAX_TILE_BYTES:
        raise TileUnavailable(TOO_BIG.format(host=host))
    if not data:
        raise TileUnavailable(HTTP_REFUSED.format(host=host, code=204, hint=""), missing=True)
    if kind.startswith(("text/", "application/xml", "application/json")):  # Tianditu's key errors are XML
        raise TileUnavailable(NOT_AN_IMAGE.format(host=host, kind=kind.split(";")[0]), network=True)
    return data


class TileFetcher:
    """Tiles of one `TileSet` through a `TileCache`; see the module doc for `want` and `fetch`."""

    def __init__(self, tileset: TileSet, cache: TileCache, *, timeout: float = DEFAULT_TIMEOUT_S,
                 workers: int | None = None, opener=None, on_tiles: Callable[[list[Tile]], None] | None = None) -> None:
        self.tileset = tileset
        self.cache = cache
        self.timeout = float(timeout)
        # OpenStreetMap's volunteers ask for few parallel connections
        self.workers = workers or (2 if tileset.cache_id == "osm" else 4)
        self.opener = opener
        self.on_tiles = on_tiles
        self.reader = None
        if tileset.mbtiles is not None:
            from layers.render.basemap.mbtiles import MBTilesReader

            self.reader = MBTilesReader(tileset.mbtiles)
        self.failures: dict[Tile, Message] = {}
        self.last_error: Message | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[Tile] = []
        self._flight: set[Tile] = set()
        self._failed_at: dict[Tile, float] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._net_failures = 0
        self._net_successes = 0
        self._breaker_at = 0.0

    # ---- what is at hand ---------------------------------------------------------------
    def cached(self, tile: Tile):
        """The decoded tile from memory (an image or EMPTY), or None; never waits."""
        return self.cache.image(self.tileset.cache_id, tile)

    def _store(self, tile: Tile, image) -> None:
        self.cache.put_image(self.tileset.cache_id, tile, image)

    def _decode(self, tile: Tile, data: bytes, host: str):
        image = decode_tile(data)
        if image is None:
            raise TileUnavailable(NOT_AN_IMAGE.format(host=host, kind=f"{len(data)} bytes"), network=True)
        return image

    def _local(self, tile: Tile):
        """(image or EMPTY or None, stale) from the MBTiles file or the disk cache."""
        if self.reader is not None:
            data = self.reader.get(*tile)
            if data is None:
                return EMPTY, False
            image = decode_tile(data)
            return (image if image is not None else EMPTY), False
        found = self.cache.read(self.tileset.cache_id, tile)
        if found is None:
            return None, False
        image = decode_tile(found[0])
        return image, found[1] if image is not None else False

    def _breaker_open(self) -> bool:
        with self._lock:
            if self._net_failures < BREAKER_FAILURES or self._net_successes:
                return False
            return time.monotonic() - self._breaker_at < RETRY_AFTER_S

    def _network(self, tile: Tile) -> bytes:
        url = self.tileset.url_for(*tile)
        host = urlsplit(url).hostname or "?"
        if self._breaker_open() and self.last_error is not None:
            raise TileUnavailable(self.last_error, network=True)
        try:
            data = http_get(url, self.timeout, self.opener)
            self._decode(tile, data, host)  # only real images reach the disk cache
        except TileUnavailable as exc:
            if exc.network:
                with self._lock:
                    self._net_failures += 1
                    self._breaker_at = time.monotonic()
                    self.last_error = exc.message
            raise
        with self._lock:
            self._net_successes += 1
            self._net_failures = 0
        return data

    def tile_bytes(self, tile: Tile, *, refresh: bool = False) -> bytes | None:
        """The tile's bytes as served, from the MBTiles file, the disk cache or the network (then
        cached on disk); None when the server has no such tile.  Raises TileUnavailable."""
        if self.reader is not None:
            return self.reader.get(*tile)
        found = self.cache.read(self.tileset.cache_id, tile)
        if found is not None and not (found[1] and refresh):
            return found[0]
        try:
            data = self._network(tile)
        except TileUnavailable as exc:
            if exc.missing:
                return None
            if found is not None:  # stale but better than nothing with the network gone
                return found[0]
            raise
        self.cache.write(self.tileset.cache_id, tile, data)
        return data

    def obtain(self, tile: Tile, *, refresh: bool = False):
        """The decoded tile (image or EMPTY) from wherever it is, kept in memory; raises TileUnavailable."""
        image = self.cached(tile)
        if image is not None and not refresh:
            return image
        data = self.tile_bytes(tile, refresh=refresh)
        image = decode_tile(data) if data is not None else None
        image = EMPTY if image is None else image
        self._store(tile, image)
        return image

    # ---- blocking ----------------------------------------------------------------------
    def fetch(self, tiles: Iterable[Tile], feedback: Feedback | None = None, *, report: bool = True,
              as_bytes: bool = False) -> dict:
        """Every tile in or failed: {tile: image | EMPTY | None (failed, see `.failures`)}, or with
        `as_bytes` {tile: bytes | None (no such tile)} and failures left out of it.

        Progress (when `report`) and cancellation through `feedback`; cancelled -> `Cancelled`."""
        tiles = list(dict.fromkeys(tiles))
        out: dict[Tile, object] = {}
        todo = []
        get = self.tile_bytes if as_bytes else self.obtain
        for tile in tiles:
            image = None if as_bytes else self.cached(tile)
            if image is not None:
                out[tile] = image
            else:
                todo.append(tile)
        if not todo:
            return out
        done = len(out)

        def progress() -> None:
            if feedback is not None and report:
                feedback.set_progress(done / len(tiles), FETCHING.format(done=done, total=len(tiles)))

        progress()
        if self.reader is not None:  # a local file: no threads needed
            for tile in todo:
                if feedback is not None:
                    feedback.check()
                out[tile] = get(tile)
                done += 1
                if done % 16 == 0:
                    progress()
            progress()
            return out
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tiles")
        try:
            pending = {pool.submit(get, tile): tile for tile in todo}
            while pending:
                if feedback is not None and feedback.is_cancelled():
                    raise Cancelled()
                finished, _ = wait(list(pending), timeout=0.1, return_when=FIRST_COMPLETED)
                for future in finished:
                    tile = pending.pop(future)
                    try:
                        out[tile] = future.result()
                    except TileUnavailable as exc:
                        if not as_bytes:
                            out[tile] = None
                        self.failures[tile] = exc.message
                    done += 1
                if finished:
                    progress()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return out

    # ---- non-blocking ------------------------------------------------------------------
    def want(self, tiles: Iterable[Tile]) -> int:
        """Queue the tiles not in memory for the background threads (replacing the last request);
        returns how many are queued.  Never waits."""
        now = time.monotonic()
        with self._lock:
            if self._closed:
                return 0
            self._queue = [t for t in dict.fromkeys(tiles)
                           if t not in self._flight and now - self._failed_at.get(t, -RETRY_AFTER_S) >= RETRY_AFTER_S
                           and self.cache.image(self.tileset.cache_id, t) is None]
            queued = len(self._queue)
            while len(self._threads) < min(self.workers, queued):
                thread = threading.Thread(target=self._work, name=f"tiles-{self.tileset.cache_id}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._wake.notify_all()
        return queued

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                tile = self._queue.pop(0)
                self._flight.add(tile)
            try:
                if self.cached(tile) is not None:  # came in meanwhile (another request, another thread)
                    continue
                local, stale = self._local(tile)
                if local is not None:  # from the disk at once; a stale one is refreshed below
                    self._store(tile, local)
                    self._tell(tile)
                arrived = local is None or stale
                if arrived:
                    self.obtain(tile, refresh=True)
            except TileUnavailable as exc:
                arrived = False
                with self._lock:
                    self._failed_at[tile] = time.monotonic()
                    self.failures[tile] = exc.message
            except Exception:  # a tile must never kill the thread that serves the others
                arrived = False
                with self._lock:
                    self._failed_at[tile] = time.monotonic()
            finally:
                with self._lock:
                    self._flight.discard(tile)
            if arrived:
                self._tell(tile)

    def _tell(self, tile: Tile) -> None:
        callback = self.on_tiles
        if callback is not None:
            try:
                callback([tile])
            except Exception:  # the listener's problem must not stop the fetching
                pass

    def pending(self) -> int:
        """Tiles queued or in flight (the window may show "loading")."""
        with self._lock:
            return len(self._queue) + len(self._flight)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until nothing is queued or in flight (tests, benchmarks); True if idle in time."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.pending():
                return True
            time.sleep(0.01)
        return not self.pending()

    def failure_summary(self) -> Message | None:
        """One line for every tile that could not be had (the first reason), or None."""
        if not self.failures:
            return None
        first = self.last_error or next(iter(self.failures.values()))
        return count(len(self.failures), "块瓦片", "tile") + Message("不可用：", " unavailable: ") + first

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._queue = []
            self._wake.notify_all()
        if self.reader is not None:
            self.reader.close()
