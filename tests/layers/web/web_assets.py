"""Headless chromium for the web-map tests, with the page's CDN files served from npm packages.

The test machines have no internet, but the exported page loads Leaflet and its
plugins from CDN URLs (cdn.jsdelivr.net, unpkg.com).  Rather than a loopback HTTPS
server with a self-signed certificate and `--host-resolver-rules`, we use the
Chrome DevTools Protocol's Fetch domain: chromium pauses every request and this
client answers it from `tests/web/node_modules` (installed with `npm ci` from the
exact versions folium's templates name) — no certificate, no host mapping, and a
record of every URL the page asked for (so a test can prove that basemap "none"
fetches no tile and that nothing unexpected is requested).  Tile requests get a
plain generated PNG; anything else is failed and listed in `PageReport.blocked`.

The same CDP connection reports JavaScript exceptions, console errors and any
alert/confirm/prompt dialog (which would mean injected script ran).
"""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
NODE_MODULES = WEB_DIR / "node_modules"
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com")
TILE_HOSTS = re.compile(r"(^|\.)(tile\.openstreetmap\.org|tianditu\.gov\.cn|is\.autonavi\.com)$")
CONTENT_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml",
                 ".gif": "image/gif", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}


class AssetVersionMismatch(AssertionError):
    """The page names a package version that tests/web/package.json does not install."""


def ensure_node_modules() -> Path:
    """`npm ci --prefix tests/web` when node_modules is missing or lacks a package that package.json
    names (one added since the last install) — npm missing: skip locally, fail in CI."""
    import json

    from tests.conftest import require_tool

    wanted = json.loads((WEB_DIR / "package.json").read_text(encoding="utf-8")).get("dependencies", {})
    if (NODE_MODULES / ".package-lock.json").exists() and all(
            (NODE_MODULES / name / "package.json").exists() for name in wanted):
        return NODE_MODULES
    npm = require_tool("npm")
    result = subprocess.run([npm, "ci", "--prefix", str(WEB_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"npm ci --prefix {WEB_DIR} failed:\n{result.stdout}\n{result.stderr}")
    return NODE_MODULES


def _package_and_rest(path: str) -> tuple[str, str, str]:
    """'/npm/leaflet@1.9.3/dist/leaflet.js' or '/leaflet@1.9.3/dist/x.js' -> (name, version, rest)."""
    parts = path.lstrip("/").split("/")
    if parts and parts[0] == "npm":
        parts = parts[1:]
    if parts and parts[0].startswith("@"):  # scoped package: @scope/name@version
        head, parts = parts[0] + "/" + parts[1], parts[2:]
    else:
        head, parts = parts[0], parts[1:]
    name, _, version = head.rpartition("@")
    if not name:
        raise KeyError(f"no package@version in {path!r}")
    return name, version, "/".join(parts)


def asset_for(url: str, node_modules: Path = NODE_MODULES) -> Path:
    """The installed file a CDN URL stands for; AssetVersionMismatch/KeyError when it is not installed."""
    parts = urlsplit(url)
    if parts.hostname not in CDN_HOSTS:
        raise KeyError(f"not a CDN URL: {url}")
    name, version, rest = _package_and_rest(parts.path)
    package_dir = node_modules / name
    manifest = package_dir / "package.json"
    if not manifest.exists():
        raise AssetVersionMismatch(f"{url}: package {name} is not in tests/web/package.json")
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if installed != version:
        raise AssetVersionMismatch(f"{url}: the page wants {name}@{version}, tests/web installs {installed}; "
                                   "update tests/web/package.json and its lock")
    target = package_dir / rest
    if not target.is_file():
        # jsDelivr minifies on request: X.min.js is served from X.js when the package has no .min file
        plain = Path(str(target).replace(".min.js", ".js").replace(".min.css", ".css"))
        if plain.is_file():
            return plain
        raise KeyError(f"{url}: {target} does not exist")
    return target


def tile_png() -> bytes:
    """A plain 256×256 tile (light with a thin border) so a screenshot shows where tiles went."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (236, 240, 232))
    ImageDraw.Draw(image).rectangle([0, 0, 255, 255], outline=(214, 220, 206))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)  # every http(s) URL the page asked for
    served: list[str] = field(default_factory=list)  # CDN URLs answered from node_modules
    tiles: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # URLs nobody could answer
    errors: list[str] = field(default_factory=list)  # uncaught JS exceptions and console errors
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt messages
    loaded: bool = False


class Chromium:
    """One headless chromium with one page, driven over CDP (websocket-client)."""

    def __init__(self, width: int = 1280, height: int = 900):
        from tests.conftest import require_tool

        exe = require_tool("chromium")
        import websocket  # noqa: F401 - fail early with the import error

        self.profile = Path(tempfile.mkdtemp(prefix="cy-chromium-"))
        self.width, self.height = width, height
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--mute-audio", "--hide-scrollbars", f"--window-size={width},{height}",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "--remote-allow-origins=*",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._next_id = 0
        self._tile = tile_png()
        self.report = PageReport()
        try:
            self.ws = self._connect()
        except Exception:
            self.close()
            raise

    # ---- connection ------------------------------------------------------------------
    def _connect(self):
        import websocket

        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode} before it listened")
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port within 30 s")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("chromium opened no page target")
            time.sleep(0.1)
        ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        return ws

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- protocol ----------------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None) -> int:
        self._next_id += 1
        self.ws.send(json.dumps({"id": self._next_id, "method": method, "params": params or {}}))
        return self._next_id

    def call(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        """Send a command and wait for its result, handling events that arrive meanwhile."""
        wanted = self._send(method, params)
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline)
            if message is None:
                raise TimeoutError(f"{method}: no answer within {timeout} s")
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _receive(self, deadline: float) -> dict | None:
        import websocket

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.ws.settimeout(remaining)
        try:
            message = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        if "method" in message:
            self._event(message["method"], message.get("params", {}))
        return message

    def _event(self, method: str, params: dict) -> None:
        r = self.report
        if method == "Fetch.requestPaused":
            self._answer(params)
        elif method == "Page.loadEventFired":
            r.loaded = True
        elif method == "Page.javascriptDialogOpening":
            r.dialogs.append(f"{params.get('type')}: {params.get('message')}")
            self._send("Page.handleJavaScriptDialog", {"accept": False})
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            r.errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            r.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                          for a in params.get("args", [])))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                r.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())

    def _answer(self, params: dict) -> None:
        request_id = params["requestId"]
        url = params["request"]["url"]
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            self._send("Fetch.continueRequest", {"requestId": request_id})
            return
        self.report.requests.append(url)
        host = urlsplit(url).hostname or ""
        body = None
        if host in CDN_HOSTS:
            try:
                path = asset_for(url)
            except (KeyError, AssetVersionMismatch) as exc:
                self.report.errors.append(str(exc))
            else:
                body = path.read_bytes()
                content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
                self.report.served.append(url)
        elif TILE_HOSTS.search(host):
            body, content_type = self._tile, "image/png"
            self.report.tiles.append(url)
        if body is None:
            self.report.blocked.append(url)
            self._send("Fetch.failRequest", {"requestId": request_id, "errorReason": "AddressUnreachable"})
            return
        self._send("Fetch.fulfillRequest", {
            "requestId": request_id, "responseCode": 200,
            "responseHeaders": [{"name": "Content-Type", "value": content_type},
                                {"name": "Access-Control-Allow-Origin", "value": "*"}],
            "body": base64.b64encode(body).decode("ascii")})

    # ---- page ----------------------------------------------------------------------------
    def open(self, path: Path, settle: float = 1.0, timeout: float = 60.0) -> PageReport:
        """Load a local HTML file; return once it fired `load` and went quiet for `settle` s."""
        self.report = PageReport()
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        self.call("Page.navigate", {"url": Path(path).resolve().as_uri()})
        deadline = time.monotonic() + timeout
        while not self.report.loaded:
            if self._receive(deadline) is None:
                raise TimeoutError(f"{path} did not finish loading within {timeout} s")
        self.wait_quiet(settle, deadline)
        return self.report

    def wait_quiet(self, settle: float = 0.6, deadline: float | None = None) -> None:
        """Handle events until none arrived for `settle` seconds (or the deadline)."""
        deadline = deadline or time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._receive(min(deadline, time.monotonic() + settle)) is None:
                return

    def evaluate(self, expression: str):
        """Evaluate JavaScript in the page (promises awaited); its JSON value."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 15.0):
        """Poll a JavaScript expression until it is truthy (e.g. after a debounce timer); its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            self.wait_quiet(0.1, min(deadline, time.monotonic() + 0.1))

    def screenshot(self, out: Path, selector: str | None = None) -> Path:
        """The page as a PNG, or only the box of the first element `selector` matches."""
        params = {"format": "png"}
        if selector is not None:
            box = self.evaluate("(r => ({x: r.left, y: r.top, width: r.width, height: r.height}))"
                                f"(document.querySelector({json.dumps(selector)}).getBoundingClientRect())")
            params["clip"] = dict(box, scale=1)
        data = self.call("Page.captureScreenshot", params)["data"]
        out = Path(out)
        out.write_bytes(base64.b64decode(data))
        return out



# Files of the npm packages that resources/web carries for offline pages (see its README).
VENDORED = ("leaflet/dist/leaflet.js", "leaflet/dist/leaflet.css", "leaflet/dist/images/layers.png",
            "leaflet/dist/images/layers-2x.png", "leaflet/dist/images/marker-icon.png", "leaflet/LICENSE",
            "leaflet-search/dist/leaflet-search.min.js", "leaflet-search/dist/leaflet-search.min.css",
            "leaflet-search/images/loader.gif", "leaflet-search/images/search-icon.png", "leaflet-search/license.txt",
            "leaflet.fullscreen/Control.FullScreen.js", "leaflet.fullscreen/Control.FullScreen.css",
            "leaflet.fullscreen/icon-fullscreen.svg", "leaflet.fullscreen/LICENSE",
            "leaflet.featuregroup.subgroup/dist/leaflet.featuregroup.subgroup.js", "leaflet.featuregroup.subgroup/LICENSE",
            "leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/dist/MarkerCluster.css",
            "leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MIT-LICENCE.txt")


def vendor(dest: Path | None = None) -> list[Path]:
    """Copy VENDORED from tests/web/node_modules to resources/web/<pkg>@<version>/<path>."""
    from geodata.core.atomic import atomic_write_bytes
    from layers.web.assets import WEB_RESOURCES

    dest = Path(dest or WEB_RESOURCES)
    modules = ensure_node_modules()
    written = []
    for item in VENDORED:
        name, rest = item.split("/", 1)
        version = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))["version"]
        target = dest / f"{name}@{version}" / rest
        atomic_write_bytes(target, (modules / item).read_bytes())
        written.append(target)
    return written


if __name__ == "__main__":  # python -m tests.layers.web.web_assets vendor
    import sys

    if sys.argv[1:] == ["vendor"]:
        for path in vendor():
            print(path)
    else:
        print("usage: python -m tests.layers.web.web_assets vendor", file=sys.stderr)
        sys.exit(2)

