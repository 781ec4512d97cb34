"""The export dialog's basemap: the tiles the window shows (View → 底图), in the file and the preview.

The window's basemap is a non-blocking, lenient `TileBasemap` (the canvas never waits).  A file
needs every tile or nothing, as the CLI's `--basemap` export does it: each export job opens its
own blocking, strict `TileBasemap` on the same source and the window's `TileCache` (tiles already
seen come from memory or disk, not the network) and closes it after the job.  The preview opens one
non-blocking `TileBasemap` on the same cache for the dialog's life: it draws what is at hand and
says when more tiles arrive, so the preview is painted again without ever waiting on the network.
"""
from __future__ import annotations

from explorer import i18n
from geodata.core.message import Message

INCLUDE = Message("包括底图（{name}）", "Include the basemap ({name})")
UNAVAILABLE = Message("底图不可用，未写入任何文件：{why}",
                      "The basemap cannot be had; nothing was written: {why}")


class ExportBasemap:
    """The basemap the window shows, as the export dialog uses it (`source`, the window's `cache`)."""

    def __init__(self, source, cache) -> None:
        self.source = source
        self.cache = cache
        self._preview = None
        self.closed = False

    @classmethod
    def of(cls, window_basemap) -> ExportBasemap | None:
        """From the window's `BasemapActions` (`.source`, `.cache()`); None when no basemap is shown."""
        source = getattr(window_basemap, "source", None) if window_basemap is not None else None
        return cls(source, window_basemap.cache()) if source is not None else None

    def label(self) -> str:
        return i18n.ui(INCLUDE, name=self.source.name)

    def for_export(self):
        """A blocking, strict TileBasemap for one export (the CLI's default tile timeout); the
        caller closes it."""
        from layers.render.basemap.fetcher import DEFAULT_TIMEOUT_S
        from layers.render.basemap.tile_basemap import TileBasemap

        return TileBasemap(self.source, cache=self.cache, blocking=True, strict=True, timeout=DEFAULT_TIMEOUT_S)

    def for_preview(self, on_tiles):
        """The preview's non-blocking TileBasemap (opened once); `on_tiles()` is called on a
        fetcher thread when tiles it asked for arrive; None once closed."""
        from layers.render.basemap.tile_basemap import TileBasemap

        if self.closed:
            return None
        if self._preview is None:
            self._preview = TileBasemap(self.source, cache=self.cache, blocking=False, strict=False,
                                        on_tiles=lambda _tiles: on_tiles())
        return self._preview

    def close(self) -> None:
        self.closed = True
        if self._preview is not None:
            self._preview.on_tiles = None
            self._preview.close()
            self._preview = None


def export_job(export, basemap: ExportBasemap | None):
    """The job function: `export(feedback, tiles)` with a strict TileBasemap opened for it (or None),
    closed when the job ends however it ends."""
    def run(feedback):
        tiles = basemap.for_export() if basemap is not None else None
        try:
            return export(feedback, tiles)
        finally:
            if tiles is not None:
                tiles.close()

    return run


def failure_text(exc: BaseException) -> str | None:
    """The dialog's one line for a basemap that could not be had, or None for any other error."""
    from layers.render.basemap.providers import BasemapError

    if isinstance(exc, BasemapError):
        return i18n.ui(UNAVAILABLE, why=exc.message)
    return None

