"""Layer → Add PostGIS layer…: connect, list the spatial tables, choose one and how much of it to read.

Connecting and listing (`geodata.io.read_postgis.list_tables`) run as a `Job` on the data lane, so
a slow or unreachable server never freezes the window; a failure is the engine's one line, in red
here and in a message box.  The reading itself is done by `postgis_actions.PostgisActions.add_table`
(the same path as a file import: progress dialog with Cancel).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QMessageBox, QPushButton, QRadioButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from explorer import i18n
from explorer.actions.postgis_connection import ConnectionForm
from explorer.jobs import JobGroup, error_text
from geodata.core.message import Message

TITLE = Message("添加 PostGIS 图层", "Add PostGIS layer")
CONNECT = Message("连接", "Connect")
CONNECTING = Message("正在连接 {where}…", "Connecting to {where}…")
FOUND = Message("{where}：{n} 个空间表", "{where}: {n} spatial tables")
NONE_FOUND = Message("{where} 中没有本角色可读的空间表", "{where} has no spatial table this role may read")
FAILED = Message("无法连接", "Cannot connect")
COLUMNS = (Message("表", "Table"), Message("几何类型", "Geometry"), Message("SRID", "SRID"),
           Message("坐标系", "CRS"), Message("行数（估计）", "Rows (est.)"))
WHOLE = Message("读取整个表（显示进度，可取消）", "Read the whole table (with progress, can be cancelled)")
VISIBLE = Message("只读取当前视图范围内的要素", "Read only the features in the current view")
EXTENT_NOTE = Message("只读视图范围时，图层信息会注明范围；平移到别处后请再次添加。超过 {n:,} 行的表默认只读视图范围。",
                      "A view-only layer says so in its info; pan elsewhere and add it again for more. "
                      "Tables over {n:,} rows default to the view.")
ADD = Message("添加图层", "Add layer")
CLOSE = Message("关闭", "Close")
NO_SRID = Message("未声明", "none")
LARGE_TABLE_ROWS = 50_000  # above this many (estimated) rows the view is read, not the whole table


class PostgisDialog(QDialog):
    """Connection, table list and extent choice; `add_requested(source, table, visible_only)` on Add."""

    add_requested = Signal(object, object, bool)  # PostgisSource (with password, in memory), PostgisTable, view only
    tables_listed = Signal(list)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, settings=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.jobs = JobGroup()
        self.tables: list = []
        self.source = None  # the PostgisSource the table list came from
        self.last_error = ""
        self.setWindowTitle(i18n.ui(TITLE))
        self.form = ConnectionForm(self, settings)
        self.connect_button = QPushButton(i18n.ui(CONNECT))
        self.connect_button.setObjectName("postgis_connect")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(lambda: self.list_tables())
        top = QHBoxLayout()
        top.addWidget(self.form, 1)
        top.addWidget(self.connect_button, 0, Qt.AlignmentFlag.AlignTop)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([i18n.ui(c) for c in COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setMinimumHeight(180)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the CRS name takes the room left
        self.tree.itemSelectionChanged.connect(self._on_selection)
        self.tree.itemDoubleClicked.connect(lambda *_: self.request_add())
        self.whole = QRadioButton(i18n.ui(WHOLE))
        self.visible_only = QRadioButton(i18n.ui(VISIBLE))
        self.whole.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.visible_only)
        note = QLabel(i18n.ui(EXTENT_NOTE, n=LARGE_TABLE_ROWS))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555")
        self.buttons = QDialogButtonBox()
        self.add_button = self.buttons.addButton(i18n.ui(ADD), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("postgis_add")
        self.add_button.setEnabled(False)
        self.buttons.addButton(i18n.ui(CLOSE), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.request_add)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.whole)
        layout.addWidget(self.visible_only)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(760, 460)

    # ---- listing ----------------------------------------------------------------------------------
    def list_tables(self):
        """Connect and list the spatial tables in a job; returns it (None when the address is malformed)."""
        from geodata.io.errors import MessageError
        from geodata.io.read_postgis import list_tables

        try:
            source = self.form.source()
        except MessageError as exc:
            self._fail(str(exc))
            return None
        self.tree.clear()
        self.tables, self.source = [], None
        self.add_button.setEnabled(False)
        self.connect_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(i18n.ui(CONNECTING, where=source.public))
        job = self.jobs.run(lambda _feedback: list_tables(source), "data", replace=True,
                            done=lambda tables: self._listed(source, tables),
                            failed=lambda exc: self._fail(error_text(exc), box=True))
        job.ended.connect(lambda: self.connect_button.setEnabled(True))
        return job

    def _listed(self, source, tables: list) -> None:
        self.source, self.tables = source, list(tables)
        self.form.remember(self.settings)
        where = source.public
        self.status.setText(i18n.ui(FOUND if tables else NONE_FOUND, where=where, n=len(tables)))
        for table in tables:
            rows = "—" if table.rows_estimate is None else f"{table.rows_estimate:,}"
            item = QTreeWidgetItem([table.name, table.geometry_type, str(table.srid) if table.srid else i18n.ui(NO_SRID),
                                    table.crs_name, rows])
            item.setTextAlignment(4, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(3, table.crs_name)
            self.tree.addTopLevelItem(item)
        if tables:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tables_listed.emit(self.tables)

    def _fail(self, text: str, box: bool = False) -> None:
        self.last_error = text
        self.status.setStyleSheet("color: #c00")
        self.status.setText(text)
        if box:
            message = QMessageBox(QMessageBox.Icon.Warning, i18n.ui(FAILED), text, QMessageBox.StandardButton.Ok, self)
            message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            message.open()  # not exec(): the window keeps running behind it
        self.failed.emit(text)

    # ---- choosing ---------------------------------------------------------------------------------
    def chosen(self):
        row = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        return self.tables[row] if 0 <= row < len(self.tables) else None

    def choose(self, name: str) -> None:
        """Select the table `name` ("schema.table") in the list (tests and scripts)."""
        for i, table in enumerate(self.tables):
            if table.name == name:
                self.tree.setCurrentItem(self.tree.topLevelItem(i))
                return
        raise KeyError(name)

    def _on_selection(self) -> None:
        table = self.chosen()
        self.add_button.setEnabled(table is not None)
        if table is not None:  # a big table is read for the view unless the user says otherwise
            big = (table.rows_estimate or 0) > LARGE_TABLE_ROWS
            (self.visible_only if big else self.whole).setChecked(True)

    def request_add(self) -> None:
        table = self.chosen()
        if table is None or self.source is None:
            return
        self.add_requested.emit(self.source, table, self.visible_only.isChecked())
        self.accept()

    def done(self, result: int) -> None:  # noqa: D401 (Qt name): closing withdraws a listing in progress
        self.jobs.withdraw(5.0)
        super().done(result)
