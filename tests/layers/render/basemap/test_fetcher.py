"""Fetching tiles: the window never waits, exports wait with timeouts and cancel, the disk cache
serves a cached area with the network gone, and failures say why without the key."""
from __future__ import annotations

import threading
import time

import pytest

from geodata.core.feedback import Cancelled, Feedback
from layers.render.basemap.fetcher import USER_AGENT, TileFetcher, TileUnavailable, http_get
from layers.render.basemap.providers import TileSet
from layers.render.basemap.tile_basemap import TileBasemap
from layers.render.basemap.tile_cache import EMPTY, TileCache
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, MARKERS, marker_document, source
from tests.layers.render.basemap.tile_server import TileServer
from geodata.coords.projection import lonlat_bounds_to_display

EXTENT = lonlat_bounds_to_display(DISTRICT_BBOX)


@pytest.fixture
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


def _request(basemap, **kw):
    return MapRequest(document=marker_document(), extent=EXTENT, width=960, height=540, layers=(), basemap=basemap,
                      **kw)


def test_non_blocking_draw_returns_at_once_then_tiles_arrive_with_a_callback(server, tmp_path):
    server.delay = 0.5  # a slow server
    arrived = []
    done = threading.Event()

    def on_tiles(tiles):
        arrived.extend(tiles)
        done.set()

    basemap = TileBasemap(source(server.url()), cache=TileCache(tmp_path), on_tiles=on_tiles)
    try:
        t0 = time.perf_counter()
        _, first = render_with_result(_request(basemap))
        assert time.perf_counter() - t0 < 0.4  # did not wait for a single 0.5-s tile
        assert first.basemap.drawn == 0 and first.basemap.missing == first.basemap.tiles > 0
        assert first.basemap.pending > 0
        assert done.wait(5.0) and arrived
        assert basemap.wait_idle(20.0)
        _, second = render_with_result(_request(basemap))
        assert second.basemap.drawn == second.basemap.tiles and second.basemap.missing == 0
    finally:
        basemap.close()


def test_every_request_names_the_application_in_its_user_agent(server, tmp_path):
    basemap = TileBasemap(source(server.url()), cache=TileCache(tmp_path), blocking=True)
    render_with_result(_request(basemap))
    basemap.close()
    assert server.requests and all(ua == USER_AGENT for _path, ua in server.requests)
    assert "chengyu-explorer" in USER_AGENT


def test_a_cached_area_draws_with_the_server_gone(server, tmp_path):
    cache_dir = tmp_path / "tiles"
    first = TileBasemap(source(server.url()), cache=TileCache(cache_dir), blocking=True)
    image_online, online = render_with_result(_request(first))
    first.close()
    asked = len(server.requests)
    server.close()  # the network is gone
    again = TileBasemap(source(server.url()), cache=TileCache(cache_dir), blocking=True, timeout=1.0)
    image_offline, offline = render_with_result(_request(again))
    again.close()
    assert offline.basemap.drawn == online.basemap.drawn > 0 and not again.failures
    assert image_offline == image_online and len(server.requests) == asked
    assert any(cache_dir.rglob("*.tile"))


def test_an_unreachable_server_fails_fast_with_one_clear_reason(tmp_path):
    dead = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # the discard port: nothing listens
    basemap = TileBasemap(source(dead), cache=TileCache(tmp_path), blocking=True, strict=False, timeout=2.0)
    t0 = time.perf_counter()
    _, result = render_with_result(_request(basemap))
    basemap.close()
    assert time.perf_counter() - t0 < 10.0
    assert result.basemap.drawn == 0 and result.basemap.missing == result.basemap.tiles
    assert len(basemap.failures) == 1
    text = basemap.failures[0].text("en")
    assert "cannot reach the tile server 127.0.0.1" in text and "tiles unavailable" in text


def test_a_slow_server_times_out_per_tile_and_the_breaker_stops_the_rest(server, tmp_path):
    server.delay = 3.0
    fetcher = TileFetcher(TileSet("slow", url=server.url()), TileCache(tmp_path), timeout=0.3, workers=2)
    tiles = [(11, 1624 + i, 846) for i in range(12)]
    t0 = time.perf_counter()
    got = fetcher.fetch(tiles)
    elapsed = time.perf_counter() - t0
    fetcher.close()
    assert all(v is None for v in got.values()) and len(fetcher.failures) == 12
    assert elapsed < 2.5  # 12 tiles × 0.3 s / 2 workers would be 1.8 s without the breaker; it stops after 3
    assert len(server.requests) <= 4
    assert "timed out" in fetcher.last_error.text("en")


def test_a_refusing_server_says_check_your_key_and_never_shows_the_key(server, tmp_path):
    server.fail = 403
    secret = "0123456789abcdef0123456789abcdef"
    url = server.url().replace(".png", f".png?tk={secret}")
    with pytest.raises(TileUnavailable) as caught:
        http_get(TileSet("k", url=url).url_for(11, 1624, 846), 2.0)
    text = caught.value.message.text("en")
    assert "HTTP 403" in text and "check your key" in text and secret not in text
    assert secret not in caught.value.message.text("zh")


def test_a_missing_tile_is_empty_not_a_failure(server, tmp_path):
    server.fail = 404
    fetcher = TileFetcher(TileSet("holes", url=server.url()), TileCache(tmp_path))
    assert fetcher.fetch([(11, 1624, 846)]) == {(11, 1624, 846): EMPTY} and not fetcher.failures
    fetcher.close()


def test_blocking_fetch_reports_progress_and_stops_when_cancelled(server, tmp_path):
    server.delay = 0.2
    seen = []
    feedback = Feedback(lambda fraction, message: seen.append((fraction, message.text("en"))))
    fetcher = TileFetcher(TileSet("cancel", url=server.url()), TileCache(tmp_path), workers=1)
    tiles = [(11, 1600 + i, 846) for i in range(40)]
    threading.Timer(0.5, feedback.cancel).start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        fetcher.fetch(tiles, feedback)
    assert time.perf_counter() - t0 < 2.0  # not the 8 s all forty would take
    fetcher.close()
    assert seen[0] == (0.0, "fetching basemap tiles 0/40")
    assert any(f > 0 for f, _ in seen)


def test_a_render_cancelled_while_tiles_download_says_cancelled_and_raises_nothing(server, tmp_path):
    server.delay = 0.3
    basemap = TileBasemap(source(server.url()), cache=TileCache(tmp_path), blocking=True, workers=1)
    feedback = Feedback()
    threading.Timer(0.4, feedback.cancel).start()
    t0 = time.perf_counter()
    from layers.render.renderer import render_with_result as render_frame

    _, result = render_frame(_request(basemap), feedback)
    basemap.close()
    assert result.cancelled and time.perf_counter() - t0 < 3.0
