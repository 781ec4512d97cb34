"""Previous and next views, like QGIS's zoom last / zoom next (no widgets).

A view is kept as its centre and resolution: going back on a resized window shows the
same place at the same scale.  Noting a view after going back drops the views ahead of it,
as a browser's history does.
"""
from __future__ import annotations

from explorer.mapview.view_state import ViewState

LIMIT = 100

Key = tuple[float, float, float]  # cx, cy, resolution


def view_key(view: ViewState) -> Key:
    return (view.cx, view.cy, view.resolution)


class ViewHistory:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.views: list[Key] = []
        self.index = -1  # the entry shown

    def note(self, view: ViewState) -> bool:
        """Record `view` as the newest (True), unless it is the one shown already."""
        key = view_key(view)
        if self.index >= 0 and self.views[self.index] == key:
            return False
        del self.views[self.index + 1:]
        self.views.append(key)
        if len(self.views) > self.limit:
            del self.views[0]
        self.index = len(self.views) - 1
        return True

    def replace_current(self, view: ViewState) -> None:
        """The shown entry becomes `view` (the window's provisional first view, once it has its size)."""
        if self.index < 0:
            self.note(view)
        else:
            self.views[self.index] = view_key(view)

    @property
    def can_back(self) -> bool:
        return self.index > 0

    @property
    def can_forward(self) -> bool:
        return 0 <= self.index < len(self.views) - 1

    def back(self, width: int, height: int) -> ViewState | None:
        if not self.can_back:
            return None
        self.index -= 1
        return self._view(width, height)

    def forward(self, width: int, height: int) -> ViewState | None:
        if not self.can_forward:
            return None
        self.index += 1
        return self._view(width, height)

    def _view(self, width: int, height: int) -> ViewState:
        cx, cy, res = self.views[self.index]
        return ViewState(cx, cy, res, max(width, 1), max(height, 1))
