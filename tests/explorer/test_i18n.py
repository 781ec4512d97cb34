"""Every UI text is a Message in both languages, and switching tells the widgets.

The texts are module-level `Message` constants beside the widgets that show them; nothing is
looked up by a key string, so a missing text is an import error, not a blank label.  These tests
read every `Message(...)` written in explorer/ and every Message an explorer module holds.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import explorer
from explorer import i18n
from explorer.app import initial_language
from geodata.core.message import Message, count

EXPLORER = Path(explorer.__file__).parent
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# Chinese in the code that is not a UI text: data it reads, what a user may type, the CLI's help
NOT_UI_TEXT = {"名称", "，", "105.7, 29.69   29°41′30″N 105°42′E   东经105°42′ 北纬29°41′",
               "open the desktop explorer / 打开桌面地图浏览器"}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", text))


def _is_message_call(node) -> bool:
    return isinstance(node, ast.Call) and (getattr(node.func, "id", None) == "Message"
                                           or getattr(node.func, "attr", None) == "Message")


def _sources():
    return sorted(EXPLORER.rglob("*.py"))


def _message_literals():
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_message_call(node):
                yield f"{path.relative_to(EXPLORER)}:{node.lineno}", node


def test_every_message_written_in_the_explorer_has_chinese_and_english_with_the_same_placeholders():
    found = 0
    for where, node in _message_literals():
        found += 1
        assert len(node.args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                           for a in node.args), f"{where}: Message(zh, en) of two literal strings"
        zh, en = (a.value for a in node.args)
        assert zh.strip() and en.strip(), where
        assert _placeholders(zh) == _placeholders(en), where
        assert CJK.search(zh) or zh == en, f"{where}: the Chinese text {zh!r} has no Chinese"  # 'English', 'OpenStreetMap'
    assert found > 150  # the whole UI: menus, panels, dialogs, the field check


def test_no_chinese_text_outside_a_message():
    """Inline "中文 / English" strings or language branches would slip past the checks above."""
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = set()
        for node in ast.walk(tree):
            if _is_message_call(node) or (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "count"):
                allowed |= {id(n) for n in ast.walk(node)}  # count(n, "个要素", "feature") words a number
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))  # docstrings
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)
                    and id(node) not in allowed):
                assert node.value in NOT_UI_TEXT, f"{path.relative_to(EXPLORER)}:{node.lineno}: {node.value!r}"


def _held_messages():
    """Every Message an explorer module holds, in constants, dicts and tuples."""
    def walk(value, where):
        if isinstance(value, Message):
            yield where, value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, f"{where}[{k!r}]")
        elif isinstance(value, (tuple, list)):
            for i, v in enumerate(value):
                yield from walk(v, f"{where}[{i}]")

    for info in pkgutil.walk_packages(explorer.__path__, "explorer."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if not name.startswith("__"):
                yield from walk(value, f"{info.name}.{name}")


def test_every_text_an_explorer_module_holds_renders_in_both_languages():
    held = list(_held_messages())
    assert len(held) > 150
    for where, message in held:
        for language in ("zh", "en"):
            assert message.zh.strip() and message.en.strip(), where
            if not _placeholders(message.zh):
                assert message.text(language).strip(), (where, language)


def test_ui_renders_a_message_in_the_current_language_with_values():
    shown = Message("筛选后 {count}（全图）", "{count} after the filter (whole map)")
    assert i18n.ui(shown, count=count(1200, "个专题要素", "thematic feature")) == "筛选后 1,200 个专题要素（全图）"
    i18n.set_language("en")
    assert i18n.ui(shown, count=count(1, "个专题要素", "thematic feature")) == "1 thematic feature after the filter (whole map)"
    assert i18n.name_text("大足区", "Dazu District") == "Dazu District" and i18n.name_text("大足区", None) == "大足区"
    i18n.set_language("zh")
    assert i18n.name_text("大足区", "Dazu District") == "大足区" and i18n.name_text("", "Dazu District") == "Dazu District"


def test_switching_language_calls_listeners_and_changes_text():
    from explorer.window_texts import DOCKS

    seen = []
    i18n.on_language_changed(seen.append)
    try:
        i18n.set_language("en")
        assert i18n.ui(DOCKS["layers"]) == "Layers"
        i18n.set_language("zh")
        assert i18n.ui(DOCKS["layers"]) == "图层"
        assert seen == ["en", "zh"]
    finally:
        i18n.remove_listener(seen.append)


def test_every_visible_text_of_the_window_changes_with_the_language(window):
    """Menus, actions, docks and buttons: each has a text in both languages (none stays behind)."""
    from PySide6.QtWidgets import QAbstractButton, QDockWidget, QLabel

    def texts():
        items = [a.text() for m in window.menuBar().findChildren(type(window.menu("file"))) for a in m.actions()]
        items += [m.title() for m in window.menuBar().findChildren(type(window.menu("file")))]
        items += [d.windowTitle() for d in window.findChildren(QDockWidget)]
        items += [b.text() for b in window.findChildren(QAbstractButton) if b.isVisibleTo(window)]
        items += [lbl.text() for lbl in window.findChildren(QLabel) if lbl.isVisibleTo(window)]
        return [t for t in items if CJK.search(t)]

    chinese = texts()
    assert len(chinese) > 60
    window.set_language("en")
    assert window.canvas.wait_idle()  # the status bar's count comes with the next frame
    left = [t for t in texts() if t not in ("中文", "中文 (Chinese)")]  # the language menu names Chinese itself
    assert [t for t in left if not re.search(r"[A-Za-z]", t)] == []  # only data (place names) may stay Chinese


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language"):
        i18n.set_language("fr")


def test_saved_language_wins_over_the_system_locale(settings):
    assert initial_language(settings) == i18n.system_language()
    settings.setValue("language", "en")
    assert initial_language(settings) == "en"
    settings.setValue("language", "xx")
    assert initial_language(settings) == i18n.system_language()


@pytest.mark.parametrize("name, expected", [("C", "zh"), ("POSIX", "zh"), ("zh_CN", "zh"), ("zh_TW", "zh"),
                                            ("en_GB", "en"), ("en_US", "en"), ("fr_FR", "en")])
def test_chinese_first_unless_the_locale_names_another_language(name, expected):
    from PySide6.QtCore import QLocale

    assert i18n.system_language(QLocale(name)) == expected


@pytest.mark.parametrize("env, expected", [({"LANG": "C"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
                                           ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh")])
def test_window_default_language_is_the_cli_rule_on_the_environment(monkeypatch, env, expected):
    from geodata.core.language import system_language

    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.system_language() == system_language() == expected


def test_qt_own_dialog_buttons_follow_the_language(qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    i18n.set_language("zh")
    qapp.processEvents()  # the LanguageChange event retranslates existing buttons
    assert "取消" in cancel.text()
    i18n.set_language("en")
    qapp.processEvents()
    assert cancel.text().replace("&", "") == "Cancel"
    i18n.set_language("zh")
    qapp.processEvents()
    assert "取消" in cancel.text()
