"""UI strings exist in both languages and switching tells the widgets."""
from __future__ import annotations

import re

import pytest

from explorer import i18n
from explorer.app import initial_language


def test_every_string_has_chinese_and_english_with_the_same_placeholders():
    for key, (zh, en) in i18n.STRINGS.items():
        assert zh and en, key
        assert set(re.findall(r"\{(\w+)", zh)) == set(re.findall(r"\{(\w+)", en)), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key.startswith("act.english"), key


def test_switching_language_calls_listeners_and_changes_text():
    seen = []
    i18n.on_language_changed(seen.append)
    try:
        i18n.set_language("en")
        assert i18n.tr("dock.layers") == "Layers"
        i18n.set_language("zh")
        assert i18n.tr("dock.layers") == "图层"
        assert seen == ["en", "zh"]
    finally:
        i18n.remove_listener(seen.append)


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
