"""Open and save dialogs in the UI language, starting in a folder that makes sense.

The static `QFileDialog.getSaveFileName(parent, title, "map.png")` opened in the program's
folder (a bare name is relative to the working directory) and, as the platform's dialog or
Qt's half-translated one, spoke a mix of languages ("Look in:", "Files of type:", "Folder").
Here every dialog is Qt's own widget dialog with its remaining labels, the type column and the
date format set in the UI language, and it starts in the folder last used for any file of this
program, else the user's Documents folder, else home.  A suggested bare name goes there.
The call shapes mirror QFileDialog's static functions: (path or "", chosen filter).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QWidget

from explorer import i18n
from geodata.core.message import Message

LOOK_IN = Message("查找范围：", "Look in:")
FILE_NAME = Message("文件名：", "File name:")
FILE_TYPE = Message("文件类型：", "Files of type:")
SAVE = Message("保存", "Save")
OPEN = Message("打开", "Open")
CANCEL = Message("取消", "Cancel")
FOLDER = Message("文件夹", "Folder")
SETTINGS_KEY = "dialogs/last_folder"
ORGANISATION = "chengyu-explorer"  # explorer.app's: only the real app remembers the folder across runs

_last_folder: Path | None = None


class _TypeNames(QFileIconProvider):
    """The dialog's type column: "文件夹", not Qt's untranslated "Folder"."""

    def type(self, info) -> str:  # noqa: A003 (Qt's name)
        return i18n.ui(FOLDER) if info.isDir() else super().type(info)


def _settings() -> QSettings | None:
    return QSettings() if QCoreApplication.organizationName() == ORGANISATION else None


def default_folder() -> Path:
    """The folder used last (this run, else a saved one), else Documents, else home."""
    candidates = [_last_folder]
    store = _settings()
    if store is not None:
        saved = store.value(SETTINGS_KEY, "", type=str)
        candidates.append(Path(saved) if saved else None)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    candidates += [Path(documents) if documents else None, Path.home()]
    return next(p for p in candidates if p is not None and p.is_dir())


def remember(path: str | Path) -> None:
    """The folder of a file the user chose is where the next dialog starts."""
    global _last_folder
    folder = Path(path).parent
    if folder.is_dir():
        _last_folder = folder
        store = _settings()
        if store is not None:
            store.setValue(SETTINGS_KEY, str(folder))


def _start(suggested: str | None) -> str:
    """An absolute suggestion stays; a bare name goes into the default folder."""
    if suggested and Path(suggested).is_absolute():
        return suggested
    folder = default_folder()
    return str(folder / suggested) if suggested else str(folder)


def file_dialog(parent: QWidget | None, title: str, suggested: str | None, file_filter: str, *,
                save: bool, many: bool = False) -> QFileDialog:
    """The dialog itself (tests look at it; the functions below run it)."""
    dialog = QFileDialog(parent, title)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # one language: the UI's
    dialog.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if i18n.language() == "zh"
                     else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    dialog.setIconProvider(_TypeNames())
    if file_filter:
        dialog.setNameFilters(file_filter.split(";;"))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else
                       QFileDialog.FileMode.ExistingFiles if many else QFileDialog.FileMode.ExistingFile)
    start = Path(_start(suggested))
    if start.is_dir():
        dialog.setDirectory(str(start))
    else:
        dialog.setDirectory(str(start.parent if start.parent.is_dir() else default_folder()))
        dialog.selectFile(start.name)
    for label, text in ((QFileDialog.DialogLabel.LookIn, LOOK_IN), (QFileDialog.DialogLabel.FileName, FILE_NAME),
                        (QFileDialog.DialogLabel.FileType, FILE_TYPE), (QFileDialog.DialogLabel.Reject, CANCEL),
                        (QFileDialog.DialogLabel.Accept, SAVE if save else OPEN)):
        dialog.setLabelText(label, i18n.ui(text))
    return dialog


def _run(dialog: QFileDialog) -> tuple[list[str], str]:
    try:
        if not dialog.exec():
            return [], ""
        files = dialog.selectedFiles()
        if files:
            remember(files[0])
        return files, dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


def get_save_file_name(parent, title: str, suggested: str = "", file_filter: str = "") -> tuple[str, str]:
    files, chosen = _run(file_dialog(parent, title, suggested, file_filter, save=True))
    return (files[0] if files else ""), chosen


def get_open_file_name(parent, title: str, start: str = "", file_filter: str = "") -> tuple[str, str]:
    files, chosen = _run(file_dialog(parent, title, start, file_filter, save=False))
    return (files[0] if files else ""), chosen


def get_open_file_names(parent, title: str, start: str = "", file_filter: str = "") -> tuple[list[str], str]:
    return _run(file_dialog(parent, title, start, file_filter, save=False, many=True))
