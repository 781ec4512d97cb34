"""Numbers on the command line: finite, and not negative where a negative makes no sense.

`float("nan")`, `float("inf")` and `float("1e999")` all parse, and `nan <= 0` is False, so a
plain `type=float` lets `--tolerance nan` through to flag nothing.  Every numeric option
uses one of these as its argparse `type`; argparse then prints a one-line usage error
(exit status 2) that names the option; the reason reads in both languages, since argparse
checks a value before it knows --lang.
"""
from __future__ import annotations

import argparse
import math

from geodata.core.message import Message, bilingual


def _refuse(zh: str, en: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(bilingual(Message(zh + "：{text!r}", en + "{text!r}").format(text=text)))


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _refuse("须为数字", "not a number: ", text) from None
    if not math.isfinite(value):
        raise _refuse("须为有限数", "must be a finite number, not ", text)
    return value


def positive_float(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise _refuse("须为正数", "must be a positive number, not ", text)
    return value


def non_negative_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise _refuse("不能为负数", "must not be negative, not ", text)
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise _refuse("须为整数", "not a whole number: ", text) from None
    if value < 0:
        raise _refuse("不能为负数", "must not be negative, not ", text)
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise _refuse("须为正整数", "must be a positive whole number, not ", text)
    return value
