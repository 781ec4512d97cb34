"""The fixed vocabularies of the bundle: themes and statuses, Chinese first."""
from __future__ import annotations

from geodata.core.message import Message, MessageError


class UnknownKey(MessageError, ValueError):
    """A theme or status the vocabulary does not have; the message lists the choices."""

# key -> (Chinese label, English label).  Order is the display order everywhere.
THEMES: dict[str, tuple[str, str]] = {
    "transport": ("交通", "Transport"),
    "ecology": ("生态环保", "Ecology"),
    "culture_tourism": ("文化旅游", "Culture & tourism"),
    "industry": ("产业协作", "Industry"),
    "innovation": ("科技创新", "Innovation"),
    "public_service": ("公共服务", "Public services"),
    "energy": ("能源", "Energy"),
    "water": ("水利", "Water"),
    "opening_up": ("对外开放", "Opening-up"),
    "agriculture": ("农业", "Agriculture"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "planned": ("规划", "Planned"),
    "under_construction": ("在建", "Under construction"),
    "operating": ("建成/运营", "Operating"),
}


def _lookup(vocabulary: dict[str, tuple[str, str]], text: str, what: Message) -> str:
    wanted = text.strip()
    for key, (zh, en) in vocabulary.items():
        if wanted == key or wanted == zh or wanted.lower() == en.lower():
            return key
    choices = ", ".join(f"{k} ({zh})" for k, (zh, _) in vocabulary.items())
    raise UnknownKey(Message("未知{what} {text!r}，可选：{choices}", "unknown {what} {text!r}; choose one of: {choices}")
                     .format(what=what, text=text, choices=choices))


def theme_key(text: str) -> str:
    """`transport`, `交通` or `Transport` -> `transport`; anything else raises ValueError."""
    return _lookup(THEMES, text, Message("专题", "theme"))


def status_key(text: str) -> str:
    return _lookup(STATUSES, text, Message("状态", "status"))


def split_themes(value: object) -> list[str]:
    """The stored comma-separated `themes` field as a list of keys (empty for null)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


# How a feature's status was read from its sentence (geodata/bundle/sources/status_rule.toml):
# the sentence reports what is or was, or sets it as a goal (a plan, "下一步", "将").
STATUS_MODES: dict[str, tuple[str, str]] = {
    "reported": ("据报道", "Reported"),
    "target": ("目标", "Target"),
}

# What a feature's `year` is: the year its cited sentence gives for this item's event. `year` is
# null when the sentence gives none (the document's own year is in `doc_year`, never in `year`).
YEAR_KINDS: dict[str, tuple[str, str]] = {
    "start": ("开工/启动年份", "Works or cooperation began"),
    "opening": ("建成/投用年份", "Opened, completed or put into use"),
    "established": ("设立/挂牌年份", "Set up, unveiled, signed or listed"),
    "target": ("目标年份", "The year the sentence aims at"),
    "reported": ("报告年份", "The year of the state or figure the sentence reports"),
}
