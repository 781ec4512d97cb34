"""kill -9 at many points of a write, then check the destination: the old files or the new, never torn.

`KillRig(job)` starts `python -m tests.kill_harness JOB` (a *zygote*): it imports what the
job needs once, then for every run forks a child that performs the write and is SIGKILLed
either just before its k-th file-system step (`os.replace`, `os.rename`, `os.link`,
`os.unlink`, `os.fsync`: every commit step of `geodata.core.atomic`; each SQL statement of a
correction's transaction) or after a delay (a kill
in the middle of GDAL, Qt or SQLite writing).  Forking keeps a run to a fraction of a second,
so every step of every writer can be tried.  The zygote itself runs with TMPDIR set to the
test's own folder, so its journals and scratch folders are the test's alone.

`assert_old_or_new(job, tmp_path)` is the whole check: it makes the old files, the new ones,
then kills a write over a copy of the old files at every step and at spread-out times; after
each kill it runs the start-up cleanup (`main.clean_up_after_crashes`, as the next start of
the app or CLI would) and asserts the folder holds exactly the old set or the new set (same
names, same contents) and that no scratch folder is left.
"""
from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
COUNTED = ("replace", "rename", "link", "unlink", "fsync")
WHEN = "2026-11-22T08:30:00+00:00"


# ---- the writes (run in the forked child) ------------------------------------------------------

@functools.lru_cache(maxsize=None)  # made in the zygote, before the forks: each child gets it ready
def _document(variant: str):
    from layers.model.document import MapDocument, MapLayer
    from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf

    layers = [MapLayer("districts", districts_gdf(), title_zh="区县", title_en="Districts"),
              MapLayer("railways", railway_gdf(), title_zh="铁路", title_en="Railways"),
              MapLayer("projects", projects_gdf(), title_zh="重点项目", title_en="Projects")]
    document = MapDocument(layers)
    if variant == "old":
        document.set_visible("railways", False)
    return document


def _title(variant: str) -> str:
    return "旧版 old" if variant == "old" else "新版 new"


def _export(suffix: str):
    def write(target: Path, variant: str) -> None:
        from layers.page.export_map import export_map

        # another resolution: the old world file differs from the new one, so a mixed set shows
        export_map(_document(variant), target / f"map{suffix}", title=_title(variant), dpi=36 if variant == "old" else 40)
    return write


def _html(target: Path, variant: str) -> None:
    from layers.web.export_html import export_html

    export_html(_document(variant), target / "map.html", basemap="none", title=_title(variant))


def _project(target: Path, variant: str) -> None:
    from layers.model.project_file import save_project

    save_project(_document(variant), target / "p.cyproj")


def _layer(suffix: str):
    def write(target: Path, variant: str) -> None:
        from geodata.io.export_vector import save_layer
        from tests.layers.engine_fixtures import projects_gdf

        gdf = projects_gdf()
        save_layer(gdf.iloc[:2] if variant == "old" else gdf, target / f"layer{suffix}")
    return write


@functools.lru_cache(maxsize=None)
def _check_result(variant: str):
    import geopandas as gpd
    from shapely.geometry import Point

    from geodata.fieldcheck.check import check_observations
    from tests.layers.engine_fixtures import projects_gdf

    points = [(104.505, 29.5), (105.5, 29.5004), (105.52, 29.2)]  # 480 m off, 40 m off, 2 km off
    observations = gpd.GeoDataFrame(
        {"obs_id": ["o1", "o2", "o3"], "obs_name": ["西区文旅项目", "东县产业园", "大足石刻站"],
         "lon": [p[0] for p in points], "lat": [p[1] for p in points], "raw_x": [p[0] for p in points],
         "raw_y": [p[1] for p in points], "datum": ["wgs84"] * 3},
        geometry=[Point(p) for p in points], crs=4326)
    return check_observations(observations, projects_gdf(), tolerance_m=100.0 if variant == "old" else 1000.0)


def _check_csv(target: Path, variant: str) -> None:
    from geodata.fieldcheck.check import write_csv

    write_csv(_check_result(variant), target / "check.csv")


def _report(target: Path, variant: str) -> None:
    from layers.page.field_check_report import write_report

    write_report(_check_result("new"), target / "report.pdf", document=_document(variant), title=_title(variant))


def _registry():
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame({"id": ["P001", "P002"], "name_zh": ["大足石刻宝顶山", "天府广场"],
                             "geometry_quality": ["schematic"] * 2},
                            geometry=[Point(105.8087, 29.7477), Point(104.0657, 30.6595)], crs="EPSG:4326")


def _edit(target: Path, variant: str) -> None:
    from datetime import datetime

    from geodata.fieldcheck.edits import EditStore

    store = EditStore(target / "edits.gpkg", _registry())
    if variant == "old":
        store.move("P001", 105.80, 29.74, "old", who="t", when=datetime.fromisoformat(WHEN))
    else:
        store.move("P002", 104.07, 30.66, "new", who="t", when=datetime.fromisoformat(WHEN))


def _warm_documents() -> None:
    _document("old"), _document("new")


def _warm_qt() -> None:
    """The application, fonts and documents, before the forks (no rendering: that starts Qt's thread pool,
    whose threads a forked child would not have)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from layers.render.fonts import cjk_family, ensure_gui_app

    ensure_gui_app()
    QFontMetricsF(QFont(cjk_family(), 12)).horizontalAdvance("成渝")
    _warm_documents()


def _warm_check() -> None:
    _check_result("old"), _check_result("new")


def _warm_report() -> None:
    _warm_qt()
    _warm_check()


PAGE = ("layers.page.export_map",)
VECTOR = ("geodata.io.export_vector", "pyogrio", "tests.layers.engine_fixtures")
JOBS: dict[str, tuple[Callable[[Path, str], None], tuple[str, ...], Callable[[], None] | None]] = {
    # name: (the write, the modules and what else the zygote prepares once)
    "png": (_export(".png"), PAGE, _warm_qt),
    "svg": (_export(".svg"), PAGE, _warm_qt),
    "pdf": (_export(".pdf"), PAGE, _warm_qt),
    "html": (_html, ("layers.web.export_html", "folium.plugins"), _warm_documents),
    "project": (_project, ("layers.model.project_file",), _warm_documents),
    "gpkg": (_layer(".gpkg"), VECTOR, None),
    "shp": (_layer(".shp"), VECTOR, None),
    "geojson": (_layer(".geojson"), VECTOR, None),
    "kml": (_layer(".kml"), VECTOR, None),
    "csv": (_layer(".csv"), VECTOR, None),
    "check_csv": (_check_csv, ("geodata.fieldcheck.check",), _warm_check),
    "report": (_report, ("layers.page.field_check_report",), _warm_report),
    "edit": (_edit, ("geodata.fieldcheck.edits", "geodata.fieldcheck.gpkg_sql", "pyogrio"), None),
}


def _arm(kill_step: int | None) -> dict:
    """Count the file-system steps from here on; SIGKILL this process just before step `kill_step`."""
    state = {"n": 0}
    for name in COUNTED:
        real = getattr(os, name)

        def step(*args, _real=real, **kwargs):
            state["n"] += 1
            if state["n"] == kill_step:
                os.kill(os.getpid(), signal.SIGKILL)
            return _real(*args, **kwargs)

        setattr(os, name, step)
    sql = sys.modules.get("geodata.fieldcheck.gpkg_sql")
    if sql is not None:  # SQLite commits in C: each statement of the corrections' transaction is a step too
        real_connect = sql.connect

        class Counted:
            def __init__(self, con):
                self._con = con

            def _step(self):
                state["n"] += 1
                if state["n"] == kill_step:
                    os.kill(os.getpid(), signal.SIGKILL)

            def execute(self, *args):
                self._step()
                return self._con.execute(*args)

            def close(self):  # a kill here falls after the COMMIT: the new edit must be there
                self._step()
                return self._con.close()

            def __getattr__(self, name):
                return getattr(self._con, name)

        sql.connect = lambda *a, **k: Counted(real_connect(*a, **k))
    return state


def _child(write, order: dict, out_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the zygote's stdout is the protocol
    started = time.monotonic()
    state = _arm(order.get("kill_step"))
    if order.get("kill_after") is not None:
        threading.Timer(order["kill_after"], os.kill, (os.getpid(), signal.SIGKILL)).start()
    try:
        write(Path(order["target"]), order["variant"])
        result = {"steps": state["n"], "elapsed": time.monotonic() - started}
    except BaseException as exc:  # noqa: BLE001 — reported to the test
        result = {"error": f"{type(exc).__name__}: {exc}"}
    os.write(out_fd, json.dumps(result).encode())
    atexit._run_exitfuncs()  # a normal exit: the scratch folder goes
    os._exit(0)


def zygote(job: str) -> None:
    import importlib

    write, modules, warm = JOBS[job]
    for name in modules:
        importlib.import_module(name)
    if warm is not None:
        warm()
    tempfile.gettempdir()  # its first call probes the folder with a file of its own: not a step of the write
    print("ready", flush=True)
    for line in sys.stdin:
        order = json.loads(line)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(write, order, write_fd)
        os.close(write_fd)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_fd, "rb") as pipe:
            raw = pipe.read()
        reply = json.loads(raw) if raw else {}
        reply["killed"] = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print(json.dumps(reply), flush=True)


# ---- the checks (in the test process) ----------------------------------------------------------

class KillRig:
    def __init__(self, job: str, systmp: Path):
        self.systmp = systmp
        systmp.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, TMPDIR=str(systmp), QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.kill_harness", job], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def run(self, target: Path, variant: str = "new", *, kill_step: int | None = None,
            kill_after: float | None = None) -> dict:
        target.mkdir(parents=True, exist_ok=True)
        order = {"target": str(target), "variant": variant, "kill_step": kill_step, "kill_after": kill_after}
        self.proc.stdin.write(json.dumps(order) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert "error" not in reply, reply["error"]
        return reply

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# what Qt writes differently every time: dates (info and XMP), the document id and uuid
_PDF_VOLATILE = re.compile(rb"D:\d{14}Z?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d|"
                           rb"/ID \[ <[0-9a-f]+> <[0-9a-f]+> \]|uuid:[0-9a-f-]{36}")
_HTML_IDS = re.compile(rb"[0-9a-f]{32}")


def _pdf_text(path: Path) -> str:
    from tests.conftest import require_tool

    done = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, timeout=60)
    if done.returncode != 0:
        return f"unreadable: {done.stderr[:200]!r}"
    text = done.stdout.decode("utf-8", "replace")
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<made>", text)  # the report says when it was made


def _gpkg(path: Path):
    import pyogrio

    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        return {n: pyogrio.read_dataframe(path, layer=n).to_json(sort_keys=True) for n in sorted(layers)}
    except Exception as exc:  # noqa: BLE001 — a torn file shows as its error
        return f"unreadable: {exc}"


def _edits(path: Path):
    from geodata.fieldcheck.edits import EditStore

    try:
        store = EditStore(path, _registry())
        return [tuple(r) for r in store.history().itertuples(index=False)], store.corrected().to_json(sort_keys=True)
    except Exception as exc:  # noqa: BLE001
        return f"unreadable: {exc}"


def fingerprint(path: Path, job: str):
    """What must be equal for a file to be 'the same file' (its bytes, less what changes every run)."""
    if job == "edit" and path.suffix == ".gpkg":
        return _edits(path)
    if path.suffix == ".gpkg":
        return _gpkg(path)
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return _pdf_text(path) if job == "report" else _PDF_VOLATILE.sub(b"", data)
    if path.suffix == ".html":
        return _HTML_IDS.sub(b"", data)
    if path.suffix == ".dbf" and len(data) > 4:
        return data[:1] + data[4:]  # bytes 1-3: the date of the last update
    return data


def folder_state(folder: Path, job: str) -> dict:
    state = {p.name: fingerprint(p, job) for p in sorted(folder.iterdir()) if p.is_file()}
    # read again after opening: reading must leave nothing behind either (e.g. a hot SQLite journal)
    return {name: state[name] if name in state else "appeared on reading" for name in sorted(os.listdir(folder))}


def assert_old_or_new(job: str, tmp_path: Path, monkeypatch, *, timed: int = 5,
                      extra_states: Callable[[dict, dict], list[dict]] | None = None) -> dict:
    """Kill a `job` write over the old files at each step and at `timed` moments; returns counts
    of the runs that ended with the old set, the new set, and that were killed."""
    import main

    from geodata.core.scratch import scratch_dir

    scratch_dir()  # this process's own folder stays in the real temp folder
    systmp = tmp_path / "systmp"
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))  # this process's cleanup looks where the rig writes
    rig = KillRig(job, systmp)
    try:
        old_dir, new_dir = tmp_path / "old", tmp_path / "new"
        rig.run(old_dir, "old")
        shutil.copytree(old_dir, new_dir)
        full = rig.run(new_dir, "new")
        old, new = folder_state(old_dir, job), folder_state(new_dir, job)
        assert old and new and old != new
        allowed = [old, new] + (extra_states(old, new) if extra_states else [])
        steps, elapsed = full["steps"], full["elapsed"]
        assert steps >= 1
        plans = [{"kill_step": k} for k in range(1, steps + 1)]
        plans += [{"kill_after": elapsed * (k + 0.5) / timed} for k in range(timed)]
        counts = {"old": 0, "new": 0, "other": 0, "killed": 0}
        for n, plan in enumerate(plans):
            target = tmp_path / f"run{n}"
            shutil.copytree(old_dir, target)
            reply = rig.run(target, "new", **plan)
            counts["killed"] += reply["killed"]
            main.clean_up_after_crashes()  # what the next start of the app or the CLI does
            state = folder_state(target, job)
            assert state in allowed, (plan, reply, sorted(state), sorted(old), sorted(new))
            counts["old" if state == old else "new" if state == new else "other"] += 1
            assert [p.name for p in systmp.iterdir()] == [], (plan, list(systmp.iterdir()))
            shutil.rmtree(target)
        assert counts["killed"] >= steps  # every step kill did kill
        assert counts["old"] and counts["new"], counts  # both outcomes were reached: the kills fell on both sides
        return counts
    finally:
        rig.close()


if __name__ == "__main__":
    zygote(sys.argv[1])
