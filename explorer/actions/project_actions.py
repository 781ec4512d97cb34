"""File → Open project… / Save project…: the whole map in a .cyproj file
(`layers.model.project_file`), with the window's view and bookmarks.

Opening runs on the data lane; a layer whose file has moved is asked for in the GUI thread while
the load waits (`jobs.ask_in_gui`).  Part of `DataActions` (`actions/data_actions.py`).
"""
from __future__ import annotations

import os
from pathlib import Path

from explorer import file_dialogs, i18n, jobs
from explorer.actions import data_dialogs
from explorer.jobs import Job
from geodata.core.message import Message

OPEN_PROJECT = Message("打开项目…", "Open project…")
SAVE_PROJECT = Message("保存项目…", "Save project…")
LOADING = Message("正在打开项目 {name}…", "Opening project {name}…")
PROJECT_FAILED = Message("项目错误", "Project error")
PROJECT_REPORT = Message("项目说明", "Project notes")
OPENED = Message("已打开项目 {name}", "Opened project {name}")
SAVED = Message("已保存 {name}", "Saved {name}")
MISSING_LIST = Message("以下图层的数据未能打开：", "These layers could not be opened:")


class ProjectActions:
    """The project part of `DataActions` (uses its `window`, `run`, `show_error`, `show_report`)."""

    def ask_missing(self, missing) -> str | None:
        return data_dialogs.ask_missing(self.window, missing)

    def ask_password(self, missing) -> str | None:
        return data_dialogs.ask_password(self.window, missing)

    def _resolve(self, missing, passwords: dict) -> str | None:
        """A moved file's new path, or a PostGIS server's password (asked once per address a load)."""
        from layers.model.project_file import PASSWORD_NEEDED

        if missing.reason is not PASSWORD_NEEDED:
            return self.ask_missing(missing)
        server = missing.path.partition("#")[0]  # one question for the layers of one database
        if server not in passwords:
            passwords[server] = self.ask_password(missing)
        return passwords[server]

    def save_project_dialog(self) -> None:
        from layers.model.project_file import FILE_FILTER

        suggested = str(self.project_path) if self.project_path else "project.cyproj"
        path, _ = file_dialogs.get_save_file_name(self.window, i18n.ui(SAVE_PROJECT), suggested, i18n.ui(FILE_FILTER))
        if path:
            self.save_project(path)

    def save_project(self, path: str | os.PathLike) -> Path | None:
        from layers.model.project_file import ProjectFileError, save_project

        doc = self.window.document
        try:
            doc.set_extent(self.window.canvas.view.extent())  # the project opens where the user was looking
        except (ValueError, TypeError):
            pass
        try:
            layout = getattr(self.window, "print_layout", None)  # the export dialog's last layout
            saved = save_project(doc, path, bookmarks=self.window.bookmarks(),
                                 layout=layout.to_dict() if layout is not None else None)
        except ProjectFileError as exc:
            self.show_error(i18n.ui(PROJECT_FAILED), str(exc))
            return None
        self.project_path = saved
        self.window.statusBar().showMessage(i18n.ui(SAVED, name=saved.name), 10000)
        return saved

    def open_project_dialog(self) -> None:
        from layers.model.project_file import FILE_FILTER

        path, _ = file_dialogs.get_open_file_name(self.window, i18n.ui(OPEN_PROJECT), "", i18n.ui(FILE_FILTER))
        if path:
            self.open_project(path)

    def open_project(self, path: str | os.PathLike) -> Job:
        from layers.model.project_file import load_project

        path = Path(path)

        passwords: dict[str, str | None] = {}  # this load's answers only: never saved

        def work(feedback):
            resolver = jobs.ask_in_gui(lambda missing: self._resolve(missing, passwords), feedback)
            return load_project(path, resolver=resolver, feedback=feedback)

        return self.run(LOADING.format(name=path.name), work, done=lambda loaded: self._project_loaded(path, loaded),
                        failed=lambda exc: self.show_error(i18n.ui(PROJECT_FAILED), jobs.error_text(exc)))

    def _project_loaded(self, path: Path, loaded) -> None:
        window = self.window
        apply_document(window.document, loaded.document)
        if loaded.bookmarks:
            window.set_bookmarks(loaded.bookmarks)  # also rebuilds the Bookmarks menu
        window.print_layout = _print_layout(loaded)
        if loaded.document.extent:
            window.canvas.zoom_to_extent(loaded.document.extent, margin=0.0)
        self.project_path = path
        self.last_report = list(loaded.report)
        if loaded.report:  # skipped layers, cleared filter, a moved file found: say so in the user's language
            self.show_report(i18n.ui(PROJECT_REPORT), i18n.ui(OPENED, name=path.name), loaded.report)
        if loaded.missing:
            lines = [f"{m.layer}: {m.path} ({i18n.ui(m.reason)})" for m in loaded.missing]
            self.show_error(i18n.ui(PROJECT_FAILED), i18n.ui(MISSING_LIST) + "\n" + "\n".join(lines))
        self.project_loaded.emit(str(path))


LAYOUT_IGNORED = Message("保存的打印版式无效，已忽略（{error}）", "the saved print layout is not valid and was ignored ({error})")


def _print_layout(loaded):
    """The project's print layout (a LayoutSpec), or None; a damaged one joins the load report."""
    if loaded.layout is None:
        return None
    from layers.page.layout_spec import LayoutError, LayoutSpec

    try:
        return LayoutSpec.from_dict(loaded.layout)
    except LayoutError as exc:
        loaded.report.append(LAYOUT_IGNORED.format(error=str(exc)))
        return None


def apply_document(target, loaded) -> None:
    """Replace the window's document content with a loaded one, in place (views stay subscribed)."""
    for name in list(target.layer_names()):
        target.remove_layer(name)
    for layer in loaded.layers:
        layer._districts = None  # re-attached to the target's districts
        target.add_layer(layer)
    target.set_filter(loaded.filter)
    if loaded.extent:
        target.set_extent(loaded.extent)
    if loaded.language != target.language:
        target.language = loaded.language
