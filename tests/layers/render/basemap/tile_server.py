"""A tile server for the basemap tests, on 127.0.0.1 only: PNG tiles drawn on the fly.

Every tile is a flat green (`TILE_RGB`) with a magenta disc wherever a marker point falls:
at its Web Mercator position under /xyz/{z}/{x}/{y}.png, at its GCJ-02 position under
/gcj/{z}/{x}/{y}.png (so the warp back to WGS84 is what the test checks), and under
/tms/{z}/{x}/{y}.png with rows from the south.  `server.requests` records every path and
User-Agent; `server.fail` (an HTTP status) or `server.delay` (seconds) make it misbehave.
"""
from __future__ import annotations

import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from layers.render.basemap.gcj02 import wgs84_to_gcj02

TILE_RGB = (190, 225, 170)
MARKER_RGB = (255, 0, 255)
MARKER_RADIUS = 4.0


def mercator_px(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Global pixel position of lon/lat at zoom z (256-px tiles)."""
    n = 256.0 * (1 << z)
    x = (lon + 180.0) / 360.0 * n
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n
    return x, y


def tile_png(z: int, x: int, y: int, markers: list[tuple[float, float]]) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(*TILE_RGB))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QColor(*MARKER_RGB))
    painter.setBrush(QColor(*MARKER_RGB))
    for lon, lat in markers:
        gx, gy = mercator_px(lon, lat, z)
        px, py = gx - x * 256, gy - y * 256
        if -8 <= px <= 264 and -8 <= py <= 264:
            painter.drawEllipse(QPointF(px, py), MARKER_RADIUS - 0.5, MARKER_RADIUS - 0.5)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


class TileServer:
    def __init__(self, markers: list[tuple[float, float]] = ()):
        self.markers = list(markers)
        glon, glat = wgs84_to_gcj02([m[0] for m in self.markers] or [0.0], [m[1] for m in self.markers] or [0.0])
        self.gcj_markers = list(zip(glon.tolist(), glat.tolist()))[:len(self.markers)]
        self.requests: list[tuple[str, str]] = []
        self.fail: int | None = None
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
                if server.delay:
                    time.sleep(server.delay)
                if server.fail:
                    try:
                        self.send_error(server.fail)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                parts = self.path.split("?")[0].strip("/").split("/")
                try:
                    kind, z, x, y = parts[0], int(parts[1]), int(parts[2]), int(parts[3].split(".")[0])
                except (IndexError, ValueError):
                    self.send_error(404)
                    return
                if kind == "tms":
                    y = (1 << z) - 1 - y
                if kind not in ("xyz", "gcj", "tms"):
                    self.send_error(404)
                    return
                body = tile_png(z, x, y, server.gcj_markers if kind == "gcj" else server.markers)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that hung up is no test failure
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, kind: str = "xyz") -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/{{z}}/{{x}}/{{y}}.png"

    def tile_paths(self) -> list[str]:
        return [p for p, _ua in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
