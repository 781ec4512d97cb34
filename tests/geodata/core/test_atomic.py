from pathlib import Path

import pytest

from geodata.core.atomic import atomic_path, atomic_write_text


def test_failed_write_leaves_destination_untouched(tmp_path: Path):
    target = tmp_path / "map.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_successful_write_replaces_and_keeps_backup(tmp_path: Path):
    target = tmp_path / "project.cyproj"
    atomic_write_text(target, "v1")
    atomic_write_text(target, "v2", backup=True)
    assert target.read_text() == "v2"
    assert (tmp_path / "project.cyproj.bak").read_text() == "v1"


def test_temporary_name_keeps_suffix_for_format_detection(tmp_path: Path):
    with atomic_path(tmp_path / "out.gpkg") as tmp:
        assert tmp.suffix == ".gpkg" and tmp.parent == tmp_path
        tmp.write_bytes(b"x")
