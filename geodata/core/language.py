"""Which language a reader gets when nobody chose one: the one rule for the window and the CLI.

Chinese first: `zh` unless the locale explicitly names another language.  An unset, C or
POSIX locale (as on many servers and containers) says nothing about the reader, so the
output is Chinese; `en_*` (or any other named language, for which English is the closer
of the two) gets English.  Qt-free so the command line can use it without a QApplication.
"""
from __future__ import annotations

import os
from collections.abc import Mapping


def language_for_locale(name: str | None) -> str:
    """'zh' or 'en' for a locale name such as 'zh_CN.UTF-8', 'en_GB', 'C', 'POSIX' or ''."""
    base = (name or "").split(".")[0].split("@")[0].strip()
    if base in ("", "C", "POSIX") or base.lower().startswith("zh"):
        return "zh"
    return "en"


def locale_name(environ: Mapping[str, str] | None = None) -> str:
    """The messages locale the environment names, with the precedence Qt and glibc use:
    LC_ALL beats LC_MESSAGES beats LANG; a named (non-C) locale may be refined by the
    first entry of LANGUAGE (GNU gettext's priority list)."""
    env = os.environ if environ is None else environ
    name = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    if name.split(".")[0] in ("", "C", "POSIX"):
        return name
    first = (env.get("LANGUAGE") or "").split(":")[0]
    return first or name


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """'zh' or 'en' for the environment's locale (see the module docstring)."""
    return language_for_locale(locale_name(environ))
