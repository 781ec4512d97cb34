"""View → 底图 / Basemap: tiles under the window's map, a thin view over `layers/render/basemap/`.

The choice (none, OpenStreetMap, 天地图 map/imagery, 高德, an XYZ URL, an MBTiles file) is a
basemap spec as the CLI's `--basemap` takes it, saved in the settings (`basemap/spec`).  The
Tianditu key is asked for once and kept in the settings only (`basemap/tianditu_key`), never in
a project file.  The canvas draws a non-blocking `TileBasemap`: tiles fill in as they arrive.
A basemap that cannot be used (missing key, bad MBTiles file) is one line in a message box; lost
tiles (an unreachable server) are one line in the status bar, said once per reason, and the map
draws on without them.  The credit is drawn on the map by the renderer and shown in the status bar.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QMenu, QMessageBox

from explorer import file_dialogs, i18n
from explorer.jobs import error_text
from geodata.core.message import Message

MENU = Message("底图", "Basemap")
# key -> menu text; "url" and "mbtiles" ask for the address or file
CHOICES: dict[str, Message] = {
    "none": Message("无", "None"),
    "osm": Message("OpenStreetMap", "OpenStreetMap"),
    "tianditu": Message("天地图 矢量", "Tianditu map"),
    "tianditu-img": Message("天地图 影像", "Tianditu imagery"),
    "amap": Message("高德地图（GCJ-02 已校正）", "Amap/Gaode (GCJ-02 corrected)"),
    "url": Message("自定义 XYZ 瓦片地址…", "Custom XYZ tile URL…"),
    "mbtiles": Message("MBTiles 文件…", "MBTiles file…"),
}
SET_KEY = Message("天地图密钥…", "Tianditu key…")
KEY_TITLE = Message("天地图密钥", "Tianditu key")
KEY_PROMPT = Message("请输入您自己的天地图密钥（tk，32 位十六进制）。\n密钥只保存在本机设置中，不写入项目文件。",
                     "Your own Tianditu key (tk, 32 hexadecimal characters).\n"
                     "It is kept in this computer's settings only, never in a project file.")
URL_TITLE = Message("自定义瓦片地址", "Custom tile URL")
URL_PROMPT = Message("XYZ 瓦片地址，含 {z}、{x}、{y}（可选 {s}、{-y}）：",
                     "XYZ tile URL with {z}, {x}, {y} (optionally {s}, {-y}):")
MBTILES_TITLE = Message("打开 MBTiles 离线底图", "Open an MBTiles offline basemap")
MBTILES_FILTER = Message("MBTiles 离线底图 (*.mbtiles)", "MBTiles offline basemap (*.mbtiles)")
ERROR_TITLE = Message("底图不可用", "Basemap unavailable")
LABEL = Message("底图：{credit}", "Basemap: {credit}")
LOADING = Message("底图：{credit}（正在载入 {n} 块瓦片）", "Basemap: {credit} (loading {n} tiles)")
NOT_RESTORED = Message("上次的底图未能恢复：{why}", "the last basemap could not be restored: {why}")
FAILED_LABEL = Message("底图：{credit}（{n} 块瓦片不可用）", "Basemap: {credit} ({n} tiles unavailable)")
WITHOUT_TILES = Message("底图：{why}（地图照常绘制）", "Basemap: {why} (the map is drawn without those tiles)")

POLL_MS = 250  # the loading count and failures, while tiles are on their way
SPEC_KEY = "basemap/spec"
TIANDITU_KEY = "basemap/tianditu_key"
TILE_CACHE_KEY = "basemap/tile_cache"


def _kind(spec: str) -> str:
    """The menu entry a spec belongs to."""
    low = spec.strip().lower()
    if low in CHOICES and low not in ("url", "mbtiles"):
        return low
    if low.startswith(("http://", "https://")):
        return "url"
    return "mbtiles" if low.endswith(".mbtiles") else "none"


class BasemapActions(QObject):
    """The Basemap submenu and the canvas's `TileBasemap` (`window.basemap`)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.settings = window.settings
        self.spec = "none"
        self.source = None  # the BasemapSource drawn, or None
        self.tile_basemap = None
        self.errors: list[str] = []  # every error shown (tests read it)
        self.download = None  # offline_download.OfflineDownload, set by install
        self._said: set[str] = set()  # failure reasons already in the status bar
        self._key: str | None = None  # without settings (tests, scripts) the key lives here
        cache = self.settings.value(TILE_CACHE_KEY, "", type=str) if self.settings is not None else ""
        self.cache_root: str | None = cache or None  # None: the user cache folder (platformdirs)
        self._cache = None
        self._cache_for = ""
        self.menu = QMenu(window)
        window.menu("view").insertMenu(window.menu("bookmarks").menuAction(), self.menu)  # before Bookmarks
        self.group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for key in CHOICES:
            action = QAction(self)
            action.setCheckable(True)
            action.triggered.connect(lambda _c=False, k=key: self.choose_entry(k))
            self.group.addAction(action)
            self.menu.addAction(action)
            self.actions[key] = action
            if key in ("none", "amap"):
                self.menu.addSeparator()
        self.menu.addSeparator()
        self.key_action = self.menu.addAction("", self.change_key)
        self.menu.addSeparator()
        self.label = QLabel()
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._update_status)
        window.statusBar().addPermanentWidget(self.label)
        window.canvas.render_finished.connect(self._on_rendered)
        self._check(self.spec)
        self.retranslate()
        i18n.on_language_changed(self.retranslate)

    # ---- what the user is asked (tests replace these) ----------------------------------
    def ask_key(self) -> str | None:
        text, ok = QInputDialog.getText(self.window, i18n.ui(KEY_TITLE), i18n.ui(KEY_PROMPT),
                                        QLineEdit.EchoMode.PasswordEchoOnEdit,
                                        self.tianditu_key() or os.environ.get("TIANDITU_KEY", ""))
        return text.strip() if ok and text.strip() else None

    def ask_url(self) -> str | None:
        current = self.spec if _kind(self.spec) == "url" else "https://"
        text, ok = QInputDialog.getText(self.window, i18n.ui(URL_TITLE), i18n.ui(URL_PROMPT), QLineEdit.EchoMode.Normal,
                                        current)
        return text.strip() if ok and text.strip() else None

    def ask_mbtiles(self) -> str | None:
        start = str(Path(self.spec).parent) if _kind(self.spec) == "mbtiles" else ""  # "": last folder, else Documents
        path, _ = file_dialogs.get_open_file_name(self.window, i18n.ui(MBTILES_TITLE), start, i18n.ui(MBTILES_FILTER))
        return path or None

    def show_error(self, text: str) -> None:
        self.errors.append(text)
        QMessageBox.warning(self.window, i18n.ui(ERROR_TITLE), text)

    # ---- the key -----------------------------------------------------------------------
    def tianditu_key(self) -> str | None:
        if self.settings is not None:
            return self.settings.value(TIANDITU_KEY, "", type=str) or None
        return self._key

    def set_tianditu_key(self, key: str | None) -> None:
        if self.settings is not None:
            self.settings.setValue(TIANDITU_KEY, key or "")
        else:
            self._key = key

    def change_key(self) -> None:
        """天地图密钥…: ask again; a Tianditu basemap on screen uses the new key at once."""
        key = self.ask_key()
        if key is None:
            return
        self.set_tianditu_key(key)
        if _kind(self.spec).startswith("tianditu"):
            self.choose(self.spec)

    # ---- choosing ----------------------------------------------------------------------
    def choose_entry(self, key: str) -> bool:
        """A menu entry was picked: ask what it needs (URL, file, key), then use it."""
        spec: str | None = key
        if key == "url":
            spec = self.ask_url()
        elif key == "mbtiles":
            spec = self.ask_mbtiles()
        if spec is None:  # the question was cancelled: the basemap stays as it was
            self._check(self.spec)
            return False
        return self.choose(spec)

    def choose(self, spec: str, *, restoring: bool = False) -> bool:
        """Draw the basemap `spec` names (as `--basemap` takes it); False when it cannot be used
        (the error said once; the previous basemap stays)."""
        from layers.render.basemap.providers import BasemapError, resolve_basemap

        spec = (spec or "none").strip() or "none"
        key = None
        if _kind(spec).startswith("tianditu"):
            key = self.tianditu_key()
            if key is None and not restoring:
                key = self.ask_key()
                if key is None:
                    self._check(self.spec)
                    return False
        try:
            source = resolve_basemap(spec, tianditu_key=key)
            tile_basemap = self._open(source) if source is not None else None
        except (BasemapError, OSError) as exc:
            text = error_text(exc) if isinstance(exc, BasemapError) else str(exc)
            if restoring:
                self.window.statusBar().showMessage(i18n.ui(NOT_RESTORED, why=text), 15000)
                self.errors.append(text)
            else:
                self.show_error(text)
            self._check(self.spec)
            return False
        if key is not None:
            self.set_tianditu_key(key)  # a key that worked is kept (only in the settings)
        old = self.tile_basemap
        self.spec, self.source, self.tile_basemap = spec, source, tile_basemap
        self._said.clear()
        self.window.canvas.set_basemap(tile_basemap)
        if old is not None:
            old.close()  # its fetcher threads stop; a frame still drawing it only reads memory
        if self.settings is not None:
            self.settings.setValue(SPEC_KEY, spec)
        self._check(spec)
        self._update_status()
        return True

    def cache(self):
        """The tile cache (`cache_root`, else the user cache folder), shared with the downloads."""
        from layers.render.basemap.tile_cache import TileCache

        root = str(self.cache_root or "")
        if self._cache is None or self._cache_for != root:
            self._cache = TileCache(self.cache_root) if self.cache_root else TileCache()
            self._cache_for = root
        return self._cache

    def _open(self, source):
        from layers.render.basemap.tile_basemap import TileBasemap

        # non-blocking and not strict: the window draws what it has and never waits
        return TileBasemap(source, cache=self.cache(), blocking=False, strict=False)

    def restore(self) -> None:
        """The basemap of the last session (a missing key or file is said in the status bar)."""
        spec = self.settings.value(SPEC_KEY, "none", type=str) if self.settings is not None else "none"
        if spec and spec != "none":
            self.choose(spec, restoring=True)

    def shutdown(self) -> None:
        """On close: a download is cancelled and waited for, the fetcher threads stop."""
        i18n.remove_listener(self.retranslate)
        if self.download is not None:
            self.download.shutdown()
        self._poll.stop()
        if self.tile_basemap is not None:
            self.tile_basemap.on_tiles = None
            self.tile_basemap.close()

    # ---- feedback ----------------------------------------------------------------------
    def _check(self, spec: str) -> None:
        self.actions[_kind(spec)].setChecked(True)

    def credit(self) -> str:
        return i18n.ui(self.source.attribution) if self.source is not None else ""

    def _show_label(self, pending: int = 0) -> None:
        bm = self.tile_basemap
        if self.source is None or bm is None:
            self.label.setText("")
            self.label.setToolTip("")
            return
        lost = sum(len(f.failures) for f in bm.fetchers)
        if pending:
            self.label.setText(i18n.ui(LOADING, credit=self.credit(), n=pending))
        elif lost:
            self.label.setText(i18n.ui(FAILED_LABEL, credit=self.credit(), n=lost))
        else:
            self.label.setText(i18n.ui(LABEL, credit=self.credit()))
        self.label.setToolTip("\n".join(i18n.ui(m) for m in bm.failures))

    def _on_rendered(self, _result) -> None:
        self._update_status()

    def _update_status(self) -> None:
        """The loading count and any new failure reason; polled while tiles are on their way
        (a tile that fails redraws nothing, so no frame would tell)."""
        bm = self.tile_basemap
        if bm is None:
            self._poll.stop()
            self._show_label()
            return
        pending = bm.pending()
        self._show_label(pending)
        for fetcher in bm.fetchers:
            if not fetcher.failures:
                continue
            reason = i18n.ui(fetcher.last_error or next(iter(fetcher.failures.values())))
            if reason not in self._said:  # each reason once, not once a frame
                self._said.add(reason)
                self.errors.append(reason)
                self.window.statusBar().showMessage(i18n.ui(WITHOUT_TILES, why=reason), 20000)
        if pending and not self._poll.isActive():
            self._poll.start()
        elif not pending:
            self._poll.stop()

    def retranslate(self, _lang: str = "") -> None:
        self.menu.setTitle(i18n.ui(MENU))
        for key, action in self.actions.items():
            action.setText(i18n.ui(CHOICES[key]))
        self.key_action.setText(i18n.ui(SET_KEY))
        self._show_label(self.tile_basemap.pending() if self.tile_basemap is not None else 0)


def install(window) -> BasemapActions:
    """Add View → 底图 / Basemap (and its offline download) and restore the last basemap."""
    from explorer.actions import offline_download

    actions = BasemapActions(window)
    actions.download = offline_download.install(window, actions)
    actions.restore()
    return actions
