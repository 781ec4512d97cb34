import pytest

from geodata.core.message import Message, check_language, count, join, plain


def test_text_picks_the_language_and_fills_placeholders_in_it():
    name = Message("大足区", "Dazu District")
    m = Message("已导入 {n} 个要素（{place}）", "imported {n} features ({place})").format(n=3, place=name)
    assert m.text("zh") == "已导入 3 个要素（大足区）"
    assert m.text("en") == "imported 3 features (Dazu District)"
    assert str(m) == m.text("zh")


def test_count_words_singular_and_plural():
    assert count(1, "个要素", "feature").text("en") == "1 feature"
    assert count(12000, "个要素", "feature").text("en") == "12,000 features"
    assert count(2, "个要素", "feature").text("zh") == "2 个要素"


def test_plain_text_with_braces_survives_formatting():
    assert plain("{{ 7*7 }} a{b}").text("en") == "{{ 7*7 }} a{b}"
    assert (Message("文件：", "file: ") + plain("{x}.csv")).text("en") == "file: {x}.csv"


def test_join_uses_each_languages_separator():
    m = join([Message("交通", "Transport"), Message("能源", "Energy")])
    assert m.text("zh") == "交通、能源" and m.text("en") == "Transport, Energy"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        check_language("fr")


def test_message_error_reads_both_languages_and_each_one():
    from geodata.core.message import MessageError, bilingual

    error = MessageError(Message("{name} 为空", "{name} is empty").format(name=plain("{a}.csv")))
    assert str(error) == "{a}.csv 为空 / {a}.csv is empty"
    assert error.text("en") == "{a}.csv is empty" and error.text(None) == str(error)
    assert bilingual(Message("GeoJSON", "GeoJSON")) == "GeoJSON"  # one language when they agree
