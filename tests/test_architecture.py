"""The package structure is a contract: imports run one way (geodata < layers < explorer)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is a test dependency (pyproject [test])"
    return subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_contracts_in_pyproject_are_kept():
    run = _lint_imports()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "broken" in run.stdout and "0 broken" in run.stdout


def test_a_geodata_module_importing_layers_would_break_the_contract(tmp_path):
    # The check must be able to fail: copy the packages, add one upward import, lint the copy.
    for name in ("geodata", "layers", "explorer"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("data", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "geodata" / "core" / "upward.py").write_text("import layers.model.document\n", encoding="utf-8")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    run = subprocess.run([exe, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode != 0 and "geodata.core.upward" in run.stdout, run.stdout[-2000:]


def test_the_model_importing_qt_would_break_the_qt_free_contract(tmp_path):
    # As above for the forbidden contract: a model module that imports PySide6 fails the lint.
    for name in ("geodata", "layers", "explorer"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("data", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "layers" / "model" / "qt_leak.py").write_text("from PySide6.QtGui import QPainterPath\n",
                                                             encoding="utf-8")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    run = subprocess.run([exe, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode != 0, run.stdout[-2000:]
    assert "layers.model.qt_leak -> PySide6" in run.stdout, run.stdout[-2000:]
    assert "1 broken" in run.stdout
