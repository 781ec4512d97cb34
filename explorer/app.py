"""Start the desktop explorer: QApplication, bundled CJK UI font, language, main window."""
from __future__ import annotations

import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from explorer import i18n
from resources import resources_path

RESOURCES = resources_path()
ORGANISATION = "chengyu-explorer"
APPLICATION = "explorer"


def settings() -> QSettings:
    return QSettings(ORGANISATION, APPLICATION)


def make_application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    from layers.render.fonts import cjk_family

    font = QFont(cjk_family())
    font.setPointSizeF(9.5)
    app.setFont(font)
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "app.svg")))
    style = _stylesheet()
    if style:
        app.setStyleSheet(style)
    return app


def _stylesheet() -> str:
    path = RESOURCES / "styles" / "explorer.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def initial_language(store: QSettings) -> str:
    """The language chosen last time, else the system locale's."""
    saved = store.value("language", "", type=str)
    return saved if saved in i18n.LANGUAGES else i18n.system_language()


def run_app(argv: list[str], screenshot: str | None = None, language: str | None = None) -> int:
    """Open the explorer; with `screenshot`, save the window after the first render and quit."""
    app = make_application(argv)
    store = settings()
    i18n.set_language(language or initial_language(store))
    from explorer.main_window import MainWindow

    window = MainWindow(settings=store)
    window.show()
    if screenshot:
        def grab_and_quit() -> None:
            from geodata.core.atomic import atomic_path

            window.canvas.wait_idle()
            app.processEvents()
            with atomic_path(screenshot) as tmp:
                window.grab().save(str(tmp), "PNG")
            window.close()
            app.quit()

        window.first_render_done.connect(lambda: QTimer.singleShot(300, grab_and_quit))
    code = app.exec()
    return int(code)


if __name__ == "__main__":
    sys.exit(run_app(sys.argv))
