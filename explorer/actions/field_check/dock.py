"""The field-check dock and its Tools-menu actions, added to the main window by `install(window)`."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from explorer import i18n
from explorer.actions.field_check.corrections import CHOOSE_STORE, CORRECT, REFRESH, UNDO
from explorer.actions.field_check.locate import GO_TO
from explorer.actions.field_check.panel import CHECK, FieldCheckPanel
from geodata.core.message import Message

DOCK = Message("实地核查", "Field check")
WHATS_HERE = Message("这里有什么（点击地图）", "What's here (click the map)")
# Tools-menu actions: key (the action's objectName is field_check.<key>) -> text
ACTIONS: dict[str, Message] = {"goto": GO_TO, "here": WHATS_HERE, "check": CHECK, "correct": CORRECT, "undo": UNDO,
                               "store": CHOOSE_STORE, "refresh": REFRESH}


def install(window) -> FieldCheckPanel:
    """Add the field-check dock (tabbed with Identify) and its Tools-menu actions."""
    panel = FieldCheckPanel(window)
    dock = window.add_dock(panel, i18n.ui(DOCK), Qt.DockWidgetArea.RightDockWidgetArea, name="field_check")
    menu = window.menu("tools")

    def show_dock() -> None:
        dock.show()
        dock.raise_()

    actions: dict[str, QAction] = {}
    for key, text in ACTIONS.items():
        action = QAction(i18n.ui(text), window)
        action.setObjectName(f"field_check.{key}")
        menu.addAction(action)
        actions[key] = action
    actions["goto"].triggered.connect(lambda: (show_dock(), panel.go_to()))
    here = actions["here"]
    here.setCheckable(True)
    window.canvas.clicked.connect(lambda x, y: panel.on_canvas_click(x, y) if here.isChecked() else None)
    here.toggled.connect(lambda on: show_dock() if on else None)
    actions["check"].triggered.connect(
        lambda: (show_dock(), panel.browse(), panel.run_check() if panel.path_edit.text() else None))
    actions["correct"].triggered.connect(lambda: (show_dock(), panel.correct_selected()))
    actions["undo"].triggered.connect(lambda: panel.undo_correction())
    actions["store"].triggered.connect(lambda: (show_dock(), panel.choose_store()))
    actions["refresh"].triggered.connect(lambda: (show_dock(), panel.refresh_store()))

    # shown again (opened, or its tab chosen): the team's corrections since are read in
    dock.visibilityChanged.connect(lambda shown: panel.refresh_store(quiet=True)
                                   if shown and panel.edit_store is not None and not panel.is_busy() else None)

    window.data_actions.project_loaded.connect(lambda _path: panel.open_project_store())

    def retranslate(_lang: str) -> None:
        for key, action in actions.items():
            action.setText(i18n.ui(ACTIONS[key]))
        dock.setWindowTitle(i18n.ui(DOCK))
        panel.retranslate()

    i18n.on_language_changed(retranslate)
    panel.actions_by_key = actions
    panel.dock = dock
    return panel
