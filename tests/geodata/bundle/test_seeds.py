"""The one seed lookup both curated builders use."""
from __future__ import annotations

import pytest

from geodata.bundle import seeds

SEED_003 = "003_c1cd1741ba8991ec.txt"


@pytest.fixture
def folder():
    found = seeds.seeds_dir()
    if found is None:
        pytest.fail("seed documents not found: set CHENGYU_SEEDS or put them in ../shared/seeds")
    return found


def test_chengyu_seeds_variable_wins_over_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHENGYU_SEEDS", str(tmp_path))
    assert seeds.seeds_dir() == tmp_path


def test_without_the_variable_the_shared_folder_beside_the_repository_is_used(monkeypatch):
    monkeypatch.delenv("CHENGYU_SEEDS", raising=False)
    found = seeds.seeds_dir()
    shared = seeds.REPO_DIR.parent / "shared" / "seeds"
    if not (seeds.REPO_DIR / "seeds").is_dir() and shared.is_dir():
        assert found == shared
    assert found is None or (found / "README.md").is_file()


def test_a_sentence_broken_over_lines_in_the_seed_is_found(folder):
    raw = (folder / SEED_003).read_text(encoding="utf-8")
    broken = next(line for line in raw.splitlines() if len(line.strip()) > 20)
    # the same text with whitespace moved about still matches
    assert seeds.sentence_in_seed(" ".join(broken.strip()), SEED_003, folder)


def test_a_sentence_not_in_the_seed_is_not_found(folder):
    assert not seeds.sentence_in_seed("长江是一条虚构的河。", SEED_003, folder)


def test_squash_removes_every_kind_of_whitespace():
    assert seeds.squash("大足 区\n石刻\u3000 站\t") == "大足区石刻站"
