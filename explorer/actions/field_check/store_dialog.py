"""Where the field-check corrections are kept: the user's own GeoPackage, or a PostGIS table the
team shares (`geodata.fieldcheck.edits.EditStore` / `edits_postgis.PostgisEditStore`), and the
name the corrections are made under.  The password stays in memory (see `postgis_connection`)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from explorer import i18n
from explorer.actions.postgis_connection import ConnectionForm
from geodata.core.message import Message

TITLE = Message("修正存储", "Corrections store")
GPKG = Message("GeoPackage 文件（本机，只有您自己）", "A GeoPackage file (this machine, only you)")
POSTGIS = Message("PostGIS 数据库（团队共享，多人同时修正）", "A PostGIS database (shared: a team corrects at once)")
FILE = Message("文件", "File")
BROWSE = Message("浏览…", "Browse…")
TABLE = Message("修正表", "Corrections table")
TABLE_HINT = Message("public.field_edits（可写 模式 或 模式.表）", "public.field_edits (or schema, or schema.table)")
WHO = Message("修正人", "Corrected by")
WHO_TIP = Message("记录在每条修正中，他人冲突时会看到", "Recorded with every correction; others see it on a conflict")
SETTINGS_STORE = "field_check/store"  # the last store: a file path or an address without its password
SETTINGS_WHO = "field_check/editor"


@dataclass
class StoreChoice:
    target: object  # a Path-like string (.gpkg) or a PostgisSource (password in memory only)
    who: str


class EditsStoreDialog(QDialog):
    """GeoPackage or PostGIS, and who corrects; `choice()` after Ok (PostgisError if the address is malformed)."""

    def __init__(self, parent: QWidget | None = None, settings=None, current: str = "") -> None:
        from geodata.fieldcheck.edits import current_user
        from geodata.io.postgis_source import is_postgis_source

        super().__init__(parent)
        self.setWindowTitle(i18n.ui(TITLE))
        self.use_gpkg = QRadioButton(i18n.ui(GPKG))
        self.use_postgis = QRadioButton(i18n.ui(POSTGIS))
        group = QButtonGroup(self)
        group.addButton(self.use_gpkg)
        group.addButton(self.use_postgis)
        self.path = QLineEdit()
        browse = QPushButton(i18n.ui(BROWSE))
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(i18n.ui(FILE)))
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        self.connection = ConnectionForm(self)
        self.table = QLineEdit()
        self.table.setPlaceholderText(i18n.ui(TABLE_HINT))
        self.who = QLineEdit()
        self.who.setToolTip(i18n.ui(WHO_TIP))
        extra = QFormLayout()
        extra.addRow(i18n.ui(TABLE), self.table)
        who_form = QFormLayout()
        who_form.addRow(i18n.ui(WHO), self.who)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.use_gpkg)
        layout.addLayout(file_row)
        layout.addWidget(self.use_postgis)
        layout.addWidget(self.connection)
        layout.addLayout(extra)
        layout.addLayout(who_form)
        layout.addWidget(buttons)
        self.buttons = buttons

        remembered = current or (str(settings.value(SETTINGS_STORE, "", type=str) or "") if settings is not None else "")
        who = str(settings.value(SETTINGS_WHO, "", type=str) or "") if settings is not None else ""
        self.who.setText(who or current_user())
        if is_postgis_source(remembered):
            address, _, table = remembered.partition("#")
            self.connection.address.setText(address)
            self.table.setText(table)
            self.use_postgis.setChecked(True)
        else:
            self.path.setText(remembered)
            self.use_gpkg.setChecked(True)
        self.file_widgets = (self.path, browse)
        self.use_postgis.toggled.connect(self._enable)
        self._enable()
        self.resize(620, 0)

    def _enable(self, *_):
        """Only the chosen kind of store can be edited."""
        postgis = self.use_postgis.isChecked()
        for w in self.file_widgets:
            w.setEnabled(not postgis)
        self.connection.setEnabled(postgis)
        self.table.setEnabled(postgis)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, i18n.ui(TITLE), self.path.text() or "my_corrections.gpkg",
                                                "GeoPackage (*.gpkg)", options=QFileDialog.Option.DontConfirmOverwrite)
        if chosen:
            self.path.setText(chosen)
            self.use_gpkg.setChecked(True)

    def choice(self) -> StoreChoice | None:
        who = self.who.text().strip()
        if self.use_postgis.isChecked():
            return StoreChoice(self.connection.source(self.table.text().strip()), who)
        path = self.path.text().strip()
        return StoreChoice(path, who) if path else None


def remember(settings, store, who: str) -> None:
    """Keep the store's public name (never a password) and the editor's name for next time."""
    if settings is None:
        return
    settings.setValue(SETTINGS_STORE, store.target)
    settings.setValue(SETTINGS_WHO, who)
