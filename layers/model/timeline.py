"""The time line: the map "up to a year", cumulatively, as one more Filter value.

Up to year Y is `Filter(year_max=Y, year_min=None)` with the rest of the filter unchanged, so the
window's year slider, the filter panel's year boxes and `export --by-year` are one rule: a feature
whose `year` (what its sentence dates, see `year_kind`) is Y or earlier shows; an undated feature
shows only when the filter keeps undated features (`keep_undated`); layers without a year field
(partnerships, boundaries) are not touched by a year filter at all.
"""
from __future__ import annotations

from geodata.core.message import Message, MessageError
from layers.model.filter import Filter

FIRST_YEAR = 2021  # the seeds' planning period: what the slider steps through
LAST_YEAR = 2027
UP_TO = Message("截至 {year} 年", "Up to {year}")
MAX_FRAMES = 60


class YearRangeError(MessageError, ValueError):
    """A `FROM:TO` that names no years the time line can step through."""


def _bad_range(text, zh: str, en: str) -> YearRangeError:
    return YearRangeError(Message("--by-year {text}：" + zh, "--by-year {text}: " + en).format(text=repr(text)))


def up_to(flt: Filter, year: int | None) -> Filter:
    """`flt` showing what is dated `year` or earlier (None: no year limit at all)."""
    return flt.replace(year_min=None, year_max=None if year is None else int(year))


def timeline_year(flt: Filter) -> int | None:
    """The year a filter shows "up to" when it is a time-line filter, else None."""
    if flt.year_min is None and flt.year_max is not None and FIRST_YEAR <= flt.year_max <= LAST_YEAR:
        return flt.year_max
    return None


def parse_year_range(text: str | None) -> tuple[int, int]:
    """`2021:2027`, `2023` (one frame), `2022:` or `:2025` (open ends: the time line's) -> (first, last)."""
    if text is None or not str(text).strip():
        return FIRST_YEAR, LAST_YEAR
    raw = str(text).strip().replace("：", ":")
    first_text, sep, last_text = raw.partition(":")
    if not sep:
        last_text = first_text
    try:
        first = int(first_text) if first_text.strip() else FIRST_YEAR
        last = int(last_text) if last_text.strip() else LAST_YEAR
    except ValueError:
        raise _bad_range(text, "应为 起:止 年份，如 2021:2027", "expected FROM:TO years, e.g. 2021:2027") from None
    if not (1900 <= first <= 2100 and 1900 <= last <= 2100):
        raise _bad_range(text, "年份须在 1900 与 2100 之间", "years must be between 1900 and 2100")
    if first > last:
        raise _bad_range(text, "起始年份不能晚于结束年份", "FROM must not be after TO")
    if last - first + 1 > MAX_FRAMES:
        raise _bad_range(text, f"最多 {MAX_FRAMES} 年（每年一帧）", f"at most {MAX_FRAMES} years (one frame each)")
    return first, last
