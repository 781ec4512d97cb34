"""The one rule for the default language of the window and the command line."""
from __future__ import annotations

import pytest

from geodata.core.language import language_for_locale, locale_name, system_language


@pytest.mark.parametrize("name, expected", [("", "zh"), ("C", "zh"), ("C.UTF-8", "zh"), ("POSIX", "zh"),
                                            ("zh_CN.UTF-8", "zh"), ("zh_TW", "zh"), ("en_GB.UTF-8", "en"),
                                            ("en_US", "en"), ("fr_FR@euro", "en")])
def test_chinese_unless_the_locale_names_another_language(name, expected):
    assert language_for_locale(name) == expected


def test_lc_all_beats_lc_messages_beats_lang():
    assert system_language({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}) == "en"
    assert system_language({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "en_GB", "LC_ALL": "zh_CN.UTF-8"}) == "zh"
    assert system_language({}) == "zh"


def test_language_list_refines_a_named_locale_but_not_c():
    assert locale_name({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}) == "zh_CN"
    assert system_language({"LANG": "C.UTF-8", "LANGUAGE": "en"}) == "zh"  # C: LANGUAGE is ignored, as in Qt
