"""The bad-input corpus (bad_corpus.py: 100+ generated files in every accepted format) through
`python main.py import`, in one subprocess with an address-space limit and a timeout: each file
gives a clear one-line error or the import the rule promises; no traceback, no temp file left,
nothing written beside the files or anywhere else, and the files themselves unchanged."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from geodata.io.errors import DataImportError
from geodata.io.importer import import_file
from tests.geodata.io import bad_corpus

ROOT = Path(__file__).resolve().parents[3]
ADDRESS_SPACE = 4 * 1024**3  # the worker peaks near 300 MB resident; a 10^6-column CSV once took 2.1 GB+
TIMEOUT_S = 600  # generous: the recursive view alone waits out its 10 s limit


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    folder, temp, cwd = base / "files", base / "tmp", base / "cwd"
    cases = bad_corpus.build(folder)
    bad_corpus.write_manifest(folder, cases)
    temp.mkdir()
    cwd.mkdir()
    before = _snapshot(folder)
    out = base / "results.json"

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    env = dict(os.environ, TMPDIR=str(temp), PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "tests.geodata.io.corpus_worker", str(folder), str(out)],
                          cwd=cwd, env=env, preexec_fn=limits, timeout=TIMEOUT_S, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["name"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    return {"cases": cases, "results": results, "folder": folder, "before": before, "temp": temp, "cwd": cwd}


def test_the_corpus_covers_every_format_with_at_least_80_files(corpus_run):
    cases = corpus_run["cases"]
    assert len(cases) >= 80
    suffixes = {Path(c.name.partition("|")[0]).suffix for c in cases}
    assert suffixes >= {".shp", ".geojson", ".kml", ".kmz", ".gpx", ".zip", ".gpkg", ".csv", ".xlsx"}


def test_every_corpus_file_gives_one_clear_line_or_the_promised_import(corpus_run):
    failures = []
    for case in corpus_run["cases"]:
        r = corpus_run["results"][case.name]
        err = r["stderr"].strip()
        assert "Traceback" not in err + r["stdout"] and "ESCAPED" not in err, f"{case.name}: {err[-500:]}"
        if case.expect == "error":
            zh, _, en = err.removeprefix("错误 / error: ").partition(" / ")
            good = (r["code"] == 2 and err.startswith("错误 / error:") and len(err.splitlines()) == 1
                    and any("\u4e00" <= c <= "\u9fff" for c in zh) and en and case.phrase in en and not r["stdout"])
        else:
            counted = case.features is None or f": {case.features} feature" in r["stdout"].splitlines()[0]
            good = r["code"] == 0 and not err and case.phrase in r["stdout"] and counted
        if not good:
            failures.append(f"{case.name} (expected {case.expect}: {case.phrase!r}): exit {r['code']}, {err or r['stdout']}"[:400])
    assert not failures, "\n".join(failures)


def test_no_temp_file_no_output_and_the_corpus_unchanged(corpus_run):
    assert list(corpus_run["temp"].iterdir()) == []  # every import's temporary folder is gone
    assert list(corpus_run["cwd"].iterdir()) == []  # nothing written where the command ran
    assert _snapshot(corpus_run["folder"]) == corpus_run["before"]  # triggers never fired, no -wal/-shm, no .shx
    assert not any(Path(p).exists() for p in ("/tmp/evil-absolute.txt", corpus_run["folder"].parent / "evil.txt"))


def test_a_kml_network_link_icon_and_style_fetch_nothing(tmp_path):
    """NetworkLink, Icon and styleUrl pointing at a server on this machine: not one request arrives."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(bad_corpus._kml(bad_corpus._placemark("106,30")).encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        style = f'<Style id="s"><IconStyle><Icon><href>{url}/icon.png</href></Icon></IconStyle></Style>'
        body = (style + f"<NetworkLink><Link><href>{url}/more.kml</href></Link></NetworkLink>"
                + f"<Placemark><styleUrl>{url}/styles.kml#s</styleUrl><Point><coordinates>105.7,29.7</coordinates>"
                "</Point></Placemark>")
        path = tmp_path / "links.kml"
        path.write_text(bad_corpus._kml(body), encoding="utf-8")
        result = import_file(path)
        assert len(result.gdf) == 1 and requests == []
        assert any("network links (NetworkLink) ignored" in line.text("en") for line in result.report)
        entity = tmp_path / "remote_entity.kml"
        entity.write_text(bad_corpus._kml(bad_corpus._placemark("105.7,29.7", "&x;"),
                                          f'<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/secret">]>'), encoding="utf-8")
        with pytest.raises(DataImportError, match="declares XML entities"):
            import_file(entity)
        assert requests == []
    finally:
        server.shutdown()
        server.server_close()


def test_offers_datum_never_runs_a_view(tmp_path, monkeypatch):
    """The explorer asks offers_datum on its GUI thread: a recursive view is never counted there
    (GDAL's read_info would count it for ever), its registered SRS answers."""
    import pyogrio

    from geodata.io import gpkg_guard
    from geodata.io.importer import offers_datum

    path = tmp_path / "v.gpkg"
    bad_corpus._gpkg_with(path, [
        "CREATE VIEW loop AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        "SELECT x AS fid, (SELECT geom FROM pts LIMIT 1) AS geom FROM n",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('loop','features','loop',4326)",
        "INSERT INTO gpkg_geometry_columns VALUES ('loop','geom','POINT',4326,0,0)"])
    real = pyogrio.read_info

    def read_info(p, layer=None, **kwargs):
        assert layer != "loop", "the view was handed to GDAL"
        return real(p, layer=layer, **kwargs)

    monkeypatch.setattr(pyogrio, "read_info", read_info)
    monkeypatch.setattr(gpkg_guard, "check_layer", lambda *a, **k: pytest.fail("the view was counted"))
    assert offers_datum(path, "loop") is True and offers_datum(path, "pts") is True
