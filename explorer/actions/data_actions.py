"""File menu actions for the user's own data: import (dialog or drag-and-drop), save a
layer as…, open/save project.  `install(window)` adds them; the work itself lives in
`geodata.io.importer`, `geodata.io.export_vector` and `layers.model.project_file`.

`DataActions` is one object (tests and the window call `import_path`, `save_layer`,
`open_project`, …) assembled from one module a concern — `import_actions.py`, `save_layer.py`,
`project_actions.py`, the questions in `data_dialogs.py`; this module holds what they share:
jobs on the data lane behind a cancellable progress dialog, error and report boxes (every
failure becomes a message box and the app keeps running), drag and drop, the menu.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from explorer import i18n
from explorer.actions.import_actions import ImportActions, is_notable
from explorer.actions.project_actions import OPEN_PROJECT, SAVE_PROJECT, ProjectActions
from explorer.actions.save_layer import SAVE_LAYER, SaveLayerActions
from explorer.jobs import Job, JobGroup
from explorer.plain_text import plain, shown
from explorer.progress import progress_dialog
from geodata.core.message import Message

IMPORT = Message("导入数据…", "Import data…")


class DataActions(ImportActions, SaveLayerActions, ProjectActions, QObject):
    """What the File menu's data actions do; tests drive these methods directly."""

    imported = Signal(str)  # layer name added to the document
    project_loaded = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.jobs = JobGroup()
        self.last_report: list[Message] = []
        self.errors: list[str] = []
        self.project_path: Path | None = None
        self.menu_actions: dict[str, QAction] = {}  # key -> the File menu's action

    # ---- what every action shares ----------------------------------------------------------------
    def run(self, label: Message, fn: Callable[[Any], Any], done: Callable[[Any], None],
            failed: Callable[[BaseException], None]) -> Job:
        """`fn(feedback)` on the data lane behind a progress dialog whose Cancel cancels it (a
        cancelled job ends quietly: nothing added, nothing to say)."""
        job = self.jobs.run(fn, "data", done=done, failed=failed)
        progress_dialog(job, label, self.window)
        return job

    def show_error(self, title: str, text: str) -> None:
        self.errors.append(text)
        box = plain(QMessageBox(QMessageBox.Icon.Warning, title, shown(text, False), QMessageBox.StandardButton.Ok,
                                self.window))  # file and layer names in it are never markup
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the app keeps running behind it

    def show_report(self, title: str, summary: str, lines: list[Message]) -> None:
        """Summary in the status bar; a box with the details only when something was guessed or changed."""
        self.window.statusBar().showMessage(summary, 15000)
        if is_notable(lines):
            box = plain(QMessageBox(QMessageBox.Icon.Information, title, shown(summary, False),
                                    QMessageBox.StandardButton.Ok, self.window))
            box.setDetailedText(shown("\n".join(i18n.ui(line) for line in lines), False))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Process events until no job runs (for tests and scripted use)."""
        return self.jobs.wait_idle(timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Withdraw the jobs (the window closes): unstarted ones are skipped, the running one is
        cancelled and waited for."""
        self.jobs.withdraw(timeout_ms / 1000)

    # ---- drag and drop ---------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if local_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            paths = local_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                for p in [p for p in paths if p.suffix.lower() == ".cyproj"][:1]:
                    self.open_project(p)
                self.import_paths([p for p in paths if p.suffix.lower() != ".cyproj"])
                return True
        return False


def local_paths(mime) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


def install(window) -> DataActions:
    """Put the data actions first in the window's File menu and accept dropped files."""
    actions = DataActions(window)
    menu = window.menu("file")
    first = menu.actions()[0] if menu.actions() else None  # the window's own entries follow
    entries = (("import", IMPORT, actions.import_dialog, QKeySequence("Ctrl+I")),
               ("save_layer", SAVE_LAYER, actions.save_layer_dialog, None),
               None,
               ("open_project", OPEN_PROJECT, actions.open_project_dialog, QKeySequence.StandardKey.Open),
               ("save_project", SAVE_PROJECT, actions.save_project_dialog, QKeySequence.StandardKey.Save),
               None)
    texts: list[tuple[QAction, Message]] = []
    for entry in entries:
        if entry is None:
            menu.insertSeparator(first)
            continue
        key, text, slot, shortcut = entry
        action = QAction(i18n.ui(text), window)
        action.setObjectName(f"data_{key}")
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.insertAction(first, action)  # before the window's first entry (None: at the end)
        actions.menu_actions[key] = action
        texts.append((action, text))

    def retranslate(_lang=None):
        for action, text in texts:
            action.setText(i18n.ui(text))

    i18n.on_language_changed(retranslate)
    for target in (window, window.canvas):
        target.setAcceptDrops(True)
        target.installEventFilter(actions)
    return actions
