"""Edit → Undo/Redo (filter and style changes) and View → Previous/Next view.

Undo and redo run on `layers.model.history.DocumentHistory`, which records every filter
and style change the document reports, whichever panel or dialog made it.  Views are
noted in `explorer.mapview.view_history.ViewHistory` once the map has settled (a drag or
a burst of wheel steps is one view, not fifty), like QGIS's zoom last / zoom next.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton

from explorer import i18n
from explorer import window_texts as texts
from explorer.icons import icon
from explorer.mapview.view_history import ViewHistory
from geodata.core.message import Message
from layers.model.history import DocumentHistory

UNDO = Message("撤销", "Undo")
REDO = Message("重做", "Redo")
UNDO_STEP = Message("撤销{step}", "Undo {step}")
REDO_STEP = Message("重做{step}", "Redo {step}")
UNDO_TIP = Message("撤销上一次筛选或样式更改", "Undo the last filter or style change")
BACK = Message("上一视图", "Previous view")
FORWARD = Message("下一视图", "Next view")
BACK_TIP = Message("回到上一个视图范围", "Back to the previous view")
FORWARD_TIP = Message("前往下一个视图范围", "Forward to the next view")
SETTLE_MS = 400  # a view is noted once the map has stayed this long


class HistoryActions:
    def __init__(self, window) -> None:
        self.window = window
        self.canvas = window.canvas
        self.history = DocumentHistory(window.document)
        self.views = ViewHistory()
        self.views.note(self.canvas.view)
        # the view before the window is shown (and sized) is provisional: its first settled view replaces it
        self._provisional = not window.isVisible()
        self._settle = QTimer(window)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.note_view)
        self.canvas.view_changed.connect(self._on_view_changed)

        self.undo = self._action("history_undo", self.history.undo, QKeySequence.StandardKey.Undo)
        self.redo = self._action("history_redo", self.history.redo, None)
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.back = self._action("view_back", self.go_back, QKeySequence("Alt+Left"))
        self.forward = self._action("view_forward", self.go_forward, QKeySequence("Alt+Right"))
        self.back.setIcon(icon("view_back"))
        self.forward.setIcon(icon("view_forward"))
        self._unsubscribe = self.history.subscribe(self.update_actions)
        data_actions = getattr(window, "data_actions", None)
        if data_actions is not None:  # an opened project starts its own history
            data_actions.project_loaded.connect(lambda _path: self.history.clear())
        self._on_language = lambda _lang: self.update_actions()
        i18n.on_language_changed(self._on_language)

    def _action(self, name: str, slot, shortcut) -> QAction:
        action = QAction(self.window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # ---- views ---------------------------------------------------------------------
    def note_view(self, settled: bool = True) -> None:
        """Record the shown view (called once the map has settled; tests call it directly)."""
        if self.canvas._drag_start is not None:  # still dragging: wait for the drop
            self._settle.start()
            return
        self._settle.stop()
        if self._provisional and settled and self.window.isVisible():
            self._provisional = False
            self.views.replace_current(self.canvas.view)
        else:
            self._provisional = False
            self.views.note(self.canvas.view)
        self.update_actions()

    def _on_view_changed(self, _view) -> None:
        self._settle.start()
        self.back.setEnabled(True)  # the view before this change can be returned to

    @property
    def settled(self) -> bool:
        """No view change waiting to be noted."""
        return not self._settle.isActive()

    def go_back(self) -> None:
        self._go(self.views.back)

    def go_forward(self) -> None:
        self._go(self.views.forward)

    def _go(self, move) -> None:
        if self._settle.isActive():  # a view not yet noted is noted first, so back returns to it
            self.note_view(settled=False)
        view = move(max(self.canvas.width(), 1), max(self.canvas.height(), 1))
        if view is not None:
            self.canvas.set_view(view)
            self._settle.stop()
        self.update_actions()

    # ---- texts and state ----------------------------------------------------------
    def update_actions(self) -> None:
        lang = i18n.language()
        self.undo.setEnabled(self.history.can_undo)
        self.redo.setEnabled(self.history.can_redo)
        self.undo.setText(i18n.ui(UNDO_STEP, step=self.history.undo_text(lang)) if self.history.can_undo else i18n.ui(UNDO))
        self.redo.setText(i18n.ui(REDO_STEP, step=self.history.redo_text(lang)) if self.history.can_redo else i18n.ui(REDO))
        self.undo.setToolTip(i18n.ui(UNDO_TIP))
        self.back.setEnabled(self.views.can_back or self._settle.isActive())
        self.forward.setEnabled(self.views.can_forward)
        for action, text, tip in ((self.back, BACK, BACK_TIP), (self.forward, FORWARD, FORWARD_TIP)):
            action.setText(i18n.ui(text))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(i18n.ui(texts.WITH_SHORTCUT, text=i18n.ui(tip), keys=keys))

    def shutdown(self) -> None:
        self._settle.stop()
        self._unsubscribe()
        self.history.close()
        i18n.remove_listener(self._on_language)


def install(window) -> HistoryActions:
    """An Edit menu (undo, redo) before View; previous/next view in View and on the toolbar."""
    item = HistoryActions(window)
    bar = window.menuBar()
    edit = QMenu(i18n.ui(texts.MENUS["edit"]), window)
    bar.insertMenu(window.menu("view").menuAction(), edit)
    window._menus["edit"] = edit  # window.menu("edit") for other modules; retitled with the others
    edit.addAction(item.undo)
    edit.addAction(item.redo)
    view = window.menu("view")
    first = view.actions()[0] if view.actions() else None
    view.insertAction(first, item.back)
    view.insertAction(first, item.forward)
    view.insertSeparator(first)
    toolbar = window.toolbar
    zoom_out = window._actions.get("act.zoom_out")
    following = toolbar.actions()[toolbar.actions().index(zoom_out) + 1:] if zoom_out in toolbar.actions() else []
    for action in (item.back, item.forward):
        if following:
            toolbar.insertAction(following[0], action)
        else:
            toolbar.addAction(action)
    for action in (item.back, item.forward):  # icon only, as the zoom buttons beside them
        button = toolbar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    item.update_actions()
    return item
