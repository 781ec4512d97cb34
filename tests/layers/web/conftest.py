"""The headless chromium of the web-map browser tests (tests/layers/web/web_assets.py)."""
import pytest

from tests.layers.web import web_assets


@pytest.fixture(scope="module")
def node_modules():
    return web_assets.ensure_node_modules()


@pytest.fixture
def browser(node_modules):
    with web_assets.Chromium(width=1280, height=900) as chromium:
        yield chromium
