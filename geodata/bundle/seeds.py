"""Where the seed documents are, and whether a cited sentence occurs in one.

Both curated builders (`build_transport.py`, `build_projects.py`) and their tests use this one
search and this one comparison, so a citation that passes one passes the other.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
ENV_VAR = "CHENGYU_SEEDS"

_WHITESPACE = re.compile(r"\s+")


def seeds_dir() -> Path | None:
    """The seed documents: $CHENGYU_SEEDS, else seeds/ in the repository, else ../shared/seeds
    beside it; None when none of them is a folder."""
    candidates = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    candidates += [REPO_DIR / "seeds", REPO_DIR.parent / "shared" / "seeds"]
    return next((path for path in candidates if path.is_dir()), None)


def squash(text: str) -> str:
    """All whitespace removed: the newspaper seeds break lines (and numbers) mid-sentence."""
    return _WHITESPACE.sub("", text)


@lru_cache(maxsize=None)
def _squashed_file(path: Path) -> str:
    return squash(path.read_text(encoding="utf-8"))


def seed_text(source_file: str, folder: Path | None = None) -> str:
    """The seed's text with whitespace removed (cached per file)."""
    folder = Path(folder) if folder is not None else seeds_dir()
    if folder is None:
        raise FileNotFoundError(f"seed documents not found: set ${ENV_VAR}")
    return _squashed_file(folder / source_file)


def sentence_in_seed(sentence: str, source_file: str, folder: Path | None = None) -> bool:
    """Whether `sentence` occurs in the seed file, whitespace ignored on both sides."""
    return squash(sentence) in seed_text(source_file, folder)
