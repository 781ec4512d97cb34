"""A project's `edits` reference (a shared PostGIS corrections store) is never a file path in disguise,
and a server that refuses is a missing layer, not a broken project."""
from __future__ import annotations

import json

from layers.model.project_file import load_project


def _project(tmp_path, ref) -> object:
    path = tmp_path / "p.cyproj"
    path.write_text(json.dumps({"format": "chengyu-explorer-project", "format_version": 1, "document": {
        "layers": [{"name": "projects_corrected", "data_ref": ref}]}}), encoding="utf-8")
    return load_project(path)


def test_an_edits_reference_to_a_file_is_refused(tmp_path):
    secret = tmp_path / "secret.gpkg"
    secret.write_bytes(b"")
    loaded = _project(tmp_path, {"kind": "edits", "url": str(secret)})
    assert loaded.document.layer_names() == [] and any("postgresql://" in m.text("en") for m in loaded.report)


def test_an_unreachable_store_is_listed_missing_in_one_line(tmp_path):
    loaded = _project(tmp_path, {"kind": "edits", "url": "postgresql://nobody@127.0.0.1:1/gis#field"})
    assert loaded.document.layer_names() == [] and len(loaded.missing) == 1
    reason = loaded.missing[0].reason.text("en")
    assert "not running" in reason and "\n" not in reason
