"""One scratch image a rendering thread, for fills written without blending and laid in one pass
(draw_paths.one_pass_fills, bulk_paths' fill sheet)."""
from __future__ import annotations

import threading

from PySide6.QtGui import QImage

_scratch = threading.local()  # one scratch image a rendering thread (the map lane, a test)
KEEP_SCRATCH_PX = 2560 * 1600  # screen-sized scratch images are kept; a print page's (~70 MB at A3 300 dpi) is not


def scratch_image(width: int, height: int) -> QImage:
    image = getattr(_scratch, "image", None)
    if image is None or image.width() != width or image.height() != height:
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        _scratch.image = image if width * height <= KEEP_SCRATCH_PX else None
    image.fill(0)
    return image
