"""Start the desktop explorer: QApplication, bundled CJK UI font, language, main window."""
from __future__ import annotations

import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from explorer import i18n
from geodata.core.atomic import cleaned_at_start, clean_up_after_crashes
from geodata.core.message import Message
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


CLEANED = Message("已处理上次中断时未完成的 {n} 次写入（旧文件或新文件完整保留）",
                  "Finished or removed {n} writes a previous run left unfinished (each file is whole: old or new)")


def run_app(argv: list[str], screenshot: str | None = None, language: str | None = None) -> int:
    """Open the explorer; with `screenshot`, save the window after the first render and quit."""
    clean_up_after_crashes()  # before anything of ours writes (a second run after main.py's finds nothing)
    found = cleaned_at_start()
    app = make_application(argv)
    store = settings()
    i18n.set_language(language or initial_language(store))
    from explorer.main_window import MainWindow

    window = MainWindow(settings=store)
    if found:
        window.statusBar().showMessage(i18n.ui(CLEANED, n=found), 15000)
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
