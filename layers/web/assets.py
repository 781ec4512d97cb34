"""Offline pages: the page's CDN <script>/<link> tags replaced by the vendored copies.

`resources/web/` holds unmodified copies of the npm packages folium's templates link
(Leaflet and three plugins); their CSS images are inlined as data: URIs, so an offline
page with basemap "none" needs no network at all.
"""
from __future__ import annotations

import re
from pathlib import Path

from resources import resources_path

WEB_RESOURCES = resources_path("web")
_ASSET_TAG = re.compile(r'<script src="(?P<js>https://[^"]+)"></script>|<link rel="stylesheet" href="(?P<css>https://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((['\"]?)([^'\")]+)\1\)")
_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def vendored_asset(url: str, root: Path = WEB_RESOURCES) -> Path:
    """The copy in resources/web of a CDN file (`…/npm/<pkg>@<ver>/<path>` or unpkg's `/<pkg>@<ver>/<path>`)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url).path.lstrip("/").split("/")
    if parts and parts[0] == "npm":  # jsDelivr's npm prefix
        parts = parts[1:]
    if not parts or "@" not in parts[0].lstrip("@"):
        raise ValueError(f"cannot inline {url}: not a package@version URL")
    path = root.joinpath(*parts)
    if not path.is_file():  # jsDelivr serves X.min.js minified from X.js when a package has none
        plain = path.with_name(path.name.replace(".min.", "."))
        if plain.is_file():
            return plain
        raise ValueError(f"cannot inline {url}: {path} is not in resources/web (see its README)")
    return path


def _inline_css(css: str, base: Path) -> str:
    import base64

    def data_uri(match: re.Match) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        target = (base / ref).resolve()
        if not target.is_file():
            return match.group(0)  # an icon no control on the page uses (e.g. marker shadows)
        mime = _MIME.get(target.suffix.lower(), "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(target.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(data_uri, css)


def inline_assets(text: str, root: Path = WEB_RESOURCES) -> str:
    """Replace the page's CDN <script>/<link> tags with the vendored files' contents."""

    def replace_tag(match: re.Match) -> str:
        url = match.group("js") or match.group("css")
        path = vendored_asset(url, root)
        content = path.read_text(encoding="utf-8")
        if match.group("js"):
            # inside <script> only "</script" could end it early: escaping the slash keeps the JS the same
            return f"<script>/* inlined: {url} */\n" + \
                re.sub(r"</(script)", r"<\\/\1", content, flags=re.IGNORECASE) + "\n</script>"
        css = _inline_css(content, path.parent)
        return f"<style>/* {url} */\n" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "\n</style>"

    return _ASSET_TAG.sub(replace_tag, text)
