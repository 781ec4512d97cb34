"""The questions an import or a project load asks: which datum, which layer, which CRS, where
a moved file went, a PostGIS server's password.  Each returns the answer, or None when the user cancels."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QInputDialog, QLabel, QLineEdit,
                               QMessageBox, QVBoxLayout, QWidget)

from explorer import file_dialogs, i18n
from explorer.plain_text import plain, rich, shown
from geodata.core.message import Message

DATUM_TITLE = Message("坐标基准", "Datum of the coordinates")
DATUM_ASK = Message("{name} 的经纬度是哪种坐标？", "Which datum are the longitudes/latitudes of {name} in?")
DATUM_WHY = Message("在高德、腾讯地图上取的点为 GCJ-02，百度为 BD-09（偏移数百米）；GPS、天地图为 WGS84。",
                    "Points taken from Amap or Tencent maps are GCJ-02, from Baidu BD-09 (offset by hundreds of metres); "
                    "GPS and Tianditu give WGS84.")
DATUM_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")  # WGS84 first: the default
CHOOSE_LAYER = Message("选择图层", "Choose a layer")
LAYER_IN = Message("{name} 含多个图层：", "{name} holds several layers:")
CRS_TITLE = Message("坐标参考系", "Coordinate reference system")
CRS_ASK = Message("{name} 没有说明坐标参考系。请选择（或输入 EPSG 代码）：",
                  "{name} does not say its coordinate system. Choose one (or type an EPSG code):")
CRS_FAR = Message("（数据会落在区域外）", " (puts the data outside the region)")
PASSWORD_TITLE = Message("数据库密码", "Database password")
PASSWORD_ASK = Message("图层 {layer} 来自\n{where}\n服务器拒绝了已有的密码（或没有找到密码）。\n请输入密码（不会保存）：",
                       "Layer {layer} comes from\n{where}\nThe server refused the password found (or none was found).\n"
                       "Enter the password (it is not saved):")
MISSING_TITLE = Message("找不到数据文件", "Data file not found")
MISSING_ASK = Message("图层 {layer} 的文件不在原处：\n{path}\n请找到它（取消则跳过该图层）。",
                      "The file of layer {layer} has moved:\n{path}\nPlease locate it (Cancel skips the layer).")
OUTSIDE_TITLE = Message("项目文件夹之外的文件", "A file outside the project folder")
OUTSIDE_ASK = Message("图层 {layer} 指向项目文件夹之外的文件：\n{path}\n"
                      "为安全起见，项目不会自行打开其文件夹之外的文件（可能是别人发来的项目）。"
                      "若您认得这个文件，可以打开它，或另选一个文件；跳过则不加载该图层。",
                      "Layer {layer} points to a file outside the project folder:\n{path}\n"
                      "For safety a project never opens files outside its own folder by itself (it may come from "
                      "someone else). If you know this file you may open it or choose another; Skip leaves the layer out.")
REASON_LINE = Message("原因：{reason}", "Reason: {reason}")
OPEN_THIS = Message("打开此文件", "Open this file")
LOCATE = Message("选择文件…", "Locate file…")
SKIP = Message("跳过该图层", "Skip the layer")


class DatumDialog(QDialog):
    """Which datum a file's lon/lat are in: a combo (WGS84 first and default) and why it matters."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        from geodata.coords.datums import DATUMS

        super().__init__(parent)
        self.setWindowTitle(i18n.ui(DATUM_TITLE))
        self.combo = QComboBox()
        for key in DATUM_CHOICES:
            self.combo.addItem(i18n.ui(DATUMS[key]), key)
        self.combo.setCurrentIndex(0)
        why = QLabel(i18n.ui(DATUM_WHY))
        why.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(plain(QLabel(shown(i18n.ui(DATUM_ASK, name=path.name)))))
        layout.addWidget(self.combo)
        layout.addWidget(why)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons

    def datum(self) -> str:
        return str(self.combo.currentData())


def ask_datum(parent: QWidget, path: Path) -> str | None:
    """Datum key for a file of lon/lat (WGS84 unless the user says otherwise)."""
    dialog = DatumDialog(path, parent)
    try:
        return dialog.datum() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def ask_layer(parent: QWidget, path: Path, layers: list[str]) -> str | None:
    name, ok = QInputDialog.getItem(parent, i18n.ui(CHOOSE_LAYER), rich(i18n.ui(LAYER_IN, name=path.name)),
                                    [shown(layer) for layer in layers], 0, False)
    return layers[[shown(layer) for layer in layers].index(name)] if ok and name else None


def ask_crs(parent: QWidget, path: Path, error) -> str | None:
    """'EPSG:nnnn' for a file without a CRS; the regional CRSs that put the data in the region come first."""
    from geodata.io.crs_detect import region_choices

    choices = region_choices(error.bounds)
    labels = [f"EPSG:{code}  {name}" + ("" if fits else i18n.ui(CRS_FAR)) for code, name, fits in choices]
    label, ok = QInputDialog.getItem(parent, i18n.ui(CRS_TITLE), rich(i18n.ui(CRS_ASK, name=path.name)), labels, 0, True)
    if not ok or not label.strip():
        return None
    return label.split()[0]


def ask_password(parent: QWidget, missing) -> str | None:
    """The password of a project's PostGIS source (masked; used for this load, never saved)."""
    text, ok = QInputDialog.getText(parent, i18n.ui(PASSWORD_TITLE), i18n.ui(PASSWORD_ASK, layer=missing.layer,
                                                                             where=missing.path),
                                    QLineEdit.EchoMode.Password)
    return text if ok and text else None


def missing_box(parent: QWidget | None, missing) -> QMessageBox:
    """The question about one layer's file: what is wrong in plain words (`missing.reason`: not found,
    outside the project folder, or the import error) and the choices — open it (outside the folder,
    when it exists), locate another file, skip.  Names and paths are shown as plain text."""
    from layers.model.project_file import OUTSIDE_FOLDER

    outside = missing.reason == OUTSIDE_FOLDER
    box = QMessageBox(QMessageBox.Icon.Warning if outside else QMessageBox.Icon.Question,
                      i18n.ui(OUTSIDE_TITLE if outside else MISSING_TITLE), "", parent=parent)
    plain(box)  # a layer called <img src=x> stays those characters
    text = shown(i18n.ui(OUTSIDE_ASK if outside else MISSING_ASK, layer=missing.layer, path=missing.path), False)
    box.setText(text + "\n\n" + i18n.ui(REASON_LINE, reason=i18n.ui(missing.reason)))
    if outside and Path(missing.path).exists():
        box.addButton(i18n.ui(OPEN_THIS), QMessageBox.ButtonRole.AcceptRole).setObjectName("open")
    box.addButton(i18n.ui(LOCATE), QMessageBox.ButtonRole.ActionRole).setObjectName("locate")
    skip = box.addButton(i18n.ui(SKIP), QMessageBox.ButtonRole.RejectRole)
    skip.setObjectName("skip")
    box.setDefaultButton(skip)
    box.setEscapeButton(skip)
    return box


def ask_missing(parent: QWidget, missing) -> str | None:
    """Where a project's data file is (`missing.layer`, `missing.path`, `missing.reason`); None skips it."""
    box = missing_box(parent, missing)
    try:
        box.exec()
        choice = box.clickedButton().objectName() if box.clickedButton() is not None else "skip"
    finally:
        box.deleteLater()
    if choice == "open":
        return missing.path
    if choice != "locate":
        return None
    folder = Path(missing.path).parent
    path, _ = file_dialogs.get_open_file_name(parent, i18n.ui(MISSING_TITLE), str(folder if folder.is_dir() else Path.home()))
    return path or None
