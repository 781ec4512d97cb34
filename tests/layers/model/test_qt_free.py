"""The map model loads no Qt: a fresh interpreter builds the bundle's document, reads every
layer's cache, filters, counts and saves/reopens a project, and PySide6 was never imported.

(The import-linter contract in pyproject.toml forbids the import statically; this shows the
running code does not pull Qt in by a lazy import either.)
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from layers.model.document import MapDocument
from layers.model.filter import Filter

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import json, sys
from pathlib import Path

from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.model.project_file import load_project, save_project

doc = MapDocument.from_bundle()
kinds = {}
for layer in doc.layers:
    cache = layer.cache
    kinds[layer.name] = cache.kind
    cache.visible(doc.full_extent())
    cache.class_keys(layer.style.fields)
    cache.label_anchor, cache.search_keys, cache.adcodes, cache.ids, cache.lod_geoms(6)
flt = Filter(themes=["transport"], districts=["500111"], text="dz")
kept = int(flt.mask(doc.layer("projects")).sum())
counts = flt.counts(doc.layers)
again = MapDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
path = Path(sys.argv[1]) / "map.cyproj"
save_project(again, path)
loaded = load_project(path)
print(json.dumps({"qt": sorted(m for m in sys.modules if m.split(".")[0] == "PySide6"), "kinds": kinds,
                  "kept": kept, "total": counts["total"]["features"],
                  "reopened": loaded.document.layer_names()}))
"""


def test_document_caches_filter_and_project_file_import_no_qt(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["qt"] == []
    # the work really happened: every layer's cache was built, the filter found 大足's transport projects
    # (the same numbers as in this process), the project file reopened with every layer
    doc = MapDocument.from_bundle()
    flt = Filter(themes=["transport"], districts=["500111"], text="dz")
    assert out["kinds"] == {layer.name: layer.cache.kind for layer in doc.layers}
    assert out["kinds"]["districts"] == "polygon" and out["kinds"]["railways"] == "line"
    assert out["kept"] == int(flt.mask(doc.layer("projects")).sum()) > 0
    assert out["total"] == flt.counts(doc.layers)["total"]["features"] > out["kept"]
    assert out["reopened"] == doc.layer_names()


def test_the_same_script_sees_qt_once_the_renderer_is_imported(tmp_path):
    # the check can fail: importing the renderer beside the model does load PySide6
    script = SCRIPT.replace("from layers.model.filter import Filter",
                            "from layers.model.filter import Filter\nimport layers.render.paths")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "PySide6.QtGui" in json.loads(run.stdout.strip().splitlines()[-1])["qt"]
