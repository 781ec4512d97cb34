"""The UI language: one state for the whole window, and the one way to show a `Message` in it.

Every text of the explorer is a `geodata.core.message.Message` (Chinese and English side by
side), kept as a module-level constant beside the widget that shows it; `ui(message, **values)`
renders it in the current language.  No Qt .ts/.qm files for our own texts: a few hundred words,
reviewable next to their code, no lrelease build step, and switching at run time is one
`set_language()` plus `on_language_changed` callbacks to the widgets.  Qt's own texts (OK/Cancel,
file dialogs) come from PySide6's bundled `qtbase_zh_CN`.  Chinese first.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from geodata.core import language as locale_rule
from geodata.core.message import Message

LANGUAGES = ("zh", "en")
_language = "zh"
_listeners: list[Callable[[str], None]] = []


def system_language(locale: QLocale | None = None) -> str:
    """Chinese first, by the rule the CLI uses too (`geodata.core.language`): `zh` for an unset,
    C/POSIX or Chinese locale, `en` for any other named language.  Without `locale`, the
    environment's (LC_ALL > LC_MESSAGES > LANG, as Qt reads it)."""
    if locale is None:
        return locale_rule.system_language()
    return locale_rule.language_for_locale(locale.name())


_qt_translator: QTranslator | None = None
_qt_installed = False


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def apply_qt_translations(lang: str) -> bool:
    """Qt's own texts (dialog buttons, file dialogs) in `lang`: installs PySide6's
    `qtbase_zh_CN` for Chinese, removes it for English.  True when Qt speaks `lang`."""
    global _qt_translator, _qt_installed
    app = QCoreApplication.instance()
    if app is None:
        return False
    if lang == "en":
        if _qt_installed:
            QCoreApplication.removeTranslator(_qt_translator)
            _qt_installed = False
        return True
    if _qt_installed:
        return True
    if _qt_translator is None:
        translator = QTranslator(app)
        if not translator.load("qtbase_zh_CN", qt_translations_dir()):
            return False  # a Qt build without translations: our own button texts are set by hand
        _qt_translator = translator
    _qt_installed = QCoreApplication.installTranslator(_qt_translator)
    return _qt_installed


def language() -> str:
    return _language


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
    apply_qt_translations(lang)
    if lang == _language:
        return
    _language = lang
    for callback in list(_listeners):
        try:
            callback(lang)
        except RuntimeError:  # the widget behind it was deleted: forget it
            remove_listener(callback)


def on_language_changed(callback: Callable[[str], None]) -> None:
    _listeners.append(callback)


def remove_listener(callback: Callable[[str], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def ui(message: Message, **values: object) -> str:
    """`message` in the UI language, its placeholders filled with `values` (Messages among them
    are rendered in the same language)."""
    return (message.format(**values) if values else message).text(_language)


def name_text(zh: str | None, en: str | None) -> str:
    """A feature's own name (`name_zh`/`name_en` of the data) in the UI language, falling back to
    whichever exists."""
    if _language == "en":
        return en or zh or ""
    return zh or en or ""
