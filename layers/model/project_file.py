"""Project files (`.cyproj`): the whole session as readable JSON.

What is saved: the document (`MapDocument.to_dict()`: layers with styles, the
filter, the view extent, the language) plus bookmarks.  User layers are stored by
reference with paths RELATIVE to the project file, so a project folder can move.
Saving is atomic and keeps the previous version as `<name>.cyproj.bak`.

Loading never executes anything (plain `json`, no pickle/eval/import by name) and
never fails because a data file moved: missing files go to a `resolver(missing)`
callback (the UI asks the user) and, if still missing, are listed in
`LoadedProject.missing` while the rest of the project opens.  A project opens no file
outside its own folder by itself: an absolute or `../` path (or a link leading out) goes to
the same resolver with `reason=OUTSIDE_FOLDER`, and only a path the resolver returns is read.
A PostGIS source (saved without its password) whose server refuses the password libpq finds goes to
the resolver with `reason=PASSWORD_NEEDED`; its answer is the password, used for that read only.
Damaged values (`project_values.py`) are reset to their defaults and reported.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from geodata.core.atomic import atomic_write_text
from geodata.core.feedback import Cancelled, Feedback, feedback_or_new
from geodata.core.message import Message, MessageError, plain
from geodata.io.errors import short
from layers.model.project_values import (MAX_COORDINATE_M, MAX_NAME, clean_layer_entry, clean_selection,
                                         extent_problem, filter_problem, layer_style_problem)

FORMAT = "chengyu-explorer-project"
FORMAT_VERSION = 1
SUFFIX = ".cyproj"
MAX_BYTES = 200 * 1024 * 1024  # inline GeoJSON layers can be big; beyond this it is not ours
MAX_LAYERS = 1000  # each layer is loaded (a bundle layer is copied): 10^6 of them took 5.7 GB
MAX_BOOKMARKS = 1000
FILE_FILTER = Message("成渝项目 (*.cyproj)", "Chengyu project (*.cyproj)")
IMPORT_OPTIONS = ("layer", "datum", "crs")  # the only data_ref keys passed on to import_file
NOT_FOUND = Message("找不到文件", "not found")
PASSWORD_NEEDED = Message("数据库需要密码", "the database asks for a password")  # a PostGIS source: answer the password
OUTSIDE_FOLDER = Message("在项目文件夹之外，未经确认不打开", "outside the project folder: not opened without your confirmation")


class ProjectFileError(MessageError):
    """A project file could not be read or written; the `Message` says why, for a person."""


@dataclass
class MissingSource:
    layer: str  # layer name in the project
    path: str  # where the project expected the file (absolute)
    reason: Message  # NOT_FOUND, or the import error (both languages, as the error reads)


@dataclass
class LoadedProject:
    document: Any  # layers.model.document.MapDocument
    bookmarks: list[dict] = field(default_factory=list)
    missing: list[MissingSource] = field(default_factory=list)
    report: list[Message] = field(default_factory=list)
    path: Path | None = None
    layout: dict | None = None  # the print layout's JSON (layers.page.layout_spec.LayoutSpec.from_dict), or None


Resolver = Callable[[MissingSource], "str | os.PathLike | None"]


# --- saving ----------------------------------------------------------------------------------------

def _relative(path: str, base: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows: only an absolute path can say where it is
        return str(Path(path).resolve())


def project_dict(document, project_path: str | os.PathLike, bookmarks: list[dict] | None = None,
                 layout=None) -> dict:
    """The JSON value saved for `document` at `project_path` (file paths made relative);
    `layout`: the print layout's JSON object (`LayoutSpec.to_dict()`), kept under "layout"."""
    base = Path(project_path).resolve().parent
    doc = document.to_dict()
    for entry in doc.get("layers", []):
        ref = entry.get("data_ref") or {}
        if ref.get("kind") == "file" and ref.get("path"):
            ref["path"] = _relative(ref["path"], base)
        elif ref.get("kind") == "bundle" and ref.get("path"):
            ref["path"] = _relative(ref["path"], base)
        elif ref.get("kind") in ("postgis", "edits") and isinstance(ref.get("url"), str):
            from geodata.io.postgis_source import public_url

            ref["url"] = public_url(ref["url"])  # a password is never saved: PGPASSWORD, ~/.pgpass at open time
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "document": doc,
        "bookmarks": _clean_bookmarks(bookmarks or []),
        **({"layout": dict(layout)} if layout is not None else {}),
    }


def save_project(document, path: str | os.PathLike, *, bookmarks: list[dict] | None = None, layout=None) -> Path:
    """Write the project atomically; an existing file is kept as `<name>.bak`."""
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    try:
        text = json.dumps(project_dict(document, path, bookmarks, layout), ensure_ascii=False, indent=2,
                          allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProjectFileError(Message(f"项目无法保存：{short(exc)}", f"the project cannot be saved: {short(exc)}")) from exc
    try:
        atomic_write_text(path, text + "\n", backup=True)
    except OSError as exc:
        raise ProjectFileError(Message(f"无法写入 {path}：{exc.strerror or exc}", f"cannot write {path}: {exc.strerror or exc}")) from exc
    return path


# --- loading ---------------------------------------------------------------------------------------

def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _clean_bookmarks(items) -> list[dict]:
    """Bookmarks are plain {name, cx, cy, resolution} values (display metres, metres per pixel)
    on the Earth; anything else is dropped."""
    out = []
    if not isinstance(items, list):
        return out
    for b in items[:MAX_BOOKMARKS]:
        if (isinstance(b, dict) and isinstance(b.get("name"), str) and all(_num(b.get(k)) for k in ("cx", "cy", "resolution"))
                and abs(b["cx"]) <= MAX_COORDINATE_M and abs(b["cy"]) <= MAX_COORDINATE_M and 0 < b["resolution"] <= 1e6):
            out.append({"name": b["name"][:200], "cx": float(b["cx"]), "cy": float(b["cy"]), "resolution": float(b["resolution"])})
    return out


def read_project_json(path: str | os.PathLike) -> dict:
    """The validated JSON of a project file, or ProjectFileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ProjectFileError(Message(f"{path.name} 太大，不是项目文件", f"{path.name} is too large to be a project file"))
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ProjectFileError(Message(f"项目文件不存在：{path}", f"project file not found: {path}")) from exc
    except IsADirectoryError as exc:
        raise ProjectFileError(Message(f"{path.name} 是文件夹，不是项目文件", f"{path.name} is a folder, not a project file")) from exc
    except OSError as exc:
        raise ProjectFileError(Message(f"无法读取 {path}：{exc.strerror or exc}", f"cannot read {path}: {exc.strerror or exc}")) from exc
    if raw.count(b'"data_ref"') > MAX_LAYERS:  # refused before json builds a million dicts
        raise ProjectFileError(Message(f"{path.name} 的图层超过 {MAX_LAYERS} 个",
                                       f"{path.name} holds more than {MAX_LAYERS} layers, the limit"))
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProjectFileError(Message(f"{path.name} 不是有效的项目文件（JSON 损坏）",
                                       f"{path.name} is not a valid project file (broken JSON)")) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(Message(f"{path.name} 不是本程序的项目文件", f"{path.name} is not a project file of this explorer"))
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(Message(f"{path.name}：缺少 format_version 或不是数字",
                                       f"{path.name}: format_version missing or not a number"))
    if version > FORMAT_VERSION:
        raise ProjectFileError(Message(f"{path.name} 由更新版本保存（格式 {version}），请更新本程序",
                                       f"{path.name} was saved by a newer version (format {version}); please update"))
    doc = data.get("document")
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list) or not all(isinstance(e, dict) for e in doc["layers"]):
        raise ProjectFileError(Message(f"{path.name}：应有带图层列表的 document",
                                       f"{path.name}: document with a list of layers expected"))
    if len(doc["layers"]) > MAX_LAYERS:
        n = len(doc["layers"])
        raise ProjectFileError(Message(f"{path.name} 有 {n} 个图层，超过上限 {MAX_LAYERS}",
                                       f"{path.name} holds {n} layers, more than the limit of {MAX_LAYERS}"))
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in a project file")


def load_project(path: str | os.PathLike, resolver: Resolver | None = None,
                 feedback: Feedback | None = None) -> LoadedProject:
    """Open a project.  Files that moved go to `resolver(MissingSource) -> new path | None`;
    what stays missing is listed in `.missing` and left out of the document.  A cancelled
    `feedback` stops between layers (and inside an import) with `Cancelled`."""
    from layers.model.document import MapDocument

    path = Path(path)
    feedback = feedback_or_new(feedback)
    data = read_project_json(path)
    base = path.resolve().parent
    doc = data["document"]
    entries = doc["layers"]
    loaded: dict[int, Any] = {}
    kept, missing, report = [], [], []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        feedback.check()
        raw_name = entry.get("name")
        name = raw_name[:MAX_NAME] if isinstance(raw_name, str) and raw_name.strip() else f"layer {i + 1}"
        share = feedback.sub(i / len(entries), (i + 1) / len(entries))  # this layer's part of the progress
        share.set_progress(0.0, Message(f"正在读取 {name}", f"loading {name}"))
        ref = entry.get("data_ref")
        if not isinstance(raw_name, str) or not raw_name.strip():
            report.append(Message(f"图层 {name!r} 已跳过：没有名称", f"layer {name!r} skipped: it has no name"))
            continue
        if not isinstance(ref, dict):
            report.append(Message(f"图层 {name!r} 已跳过：没有数据引用", f"layer {name!r} skipped: it has no data reference"))
            continue
        try:
            gdf, ref = _load_ref(name, ref, base, resolver, missing, report, share)
        except Cancelled:
            raise
        except Exception as exc:  # a hostile or damaged entry costs that layer, not the project
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            report.append(Message(f"图层 {name!r} 已跳过：{why}", f"layer {name!r} skipped: {why}"))
            continue
        if gdf is None:
            continue
        entry, reset = clean_layer_entry(dict(entry, data_ref=ref))
        if reset:
            report.append(Message(f"图层 {name!r}：无效的保存值已恢复默认（{'；'.join(reset)}）",
                                  f"layer {name!r}: damaged saved values reset to their defaults ({'; '.join(reset)})"))
        if entry.get("style") is not None:
            problem = layer_style_problem(entry["style"]) or ("" if _style_ok(entry["style"]) else "it cannot be read")
            if problem:
                report.append(Message(f"图层 {name!r}：保存的样式无效（{problem}），改用默认样式",
                                      f"layer {name!r}: its saved style is not valid ({problem}), the default style is used"))
                entry["style"] = None
        unique, n = name, 2
        while unique in names:  # two layers of one name: the second would shadow the first
            unique, n = f"{name} ({n})", n + 1
        if unique != name:
            report.append(Message(f"图层名 {name!r} 重复，第二个改名为 {unique!r}", f"layer name {name!r} repeats: renamed {unique!r}"))
        names.add(unique)
        entry["name"] = unique
        loaded[id(ref)] = gdf
        kept.append(entry)
    clean = dict(doc, layers=kept)
    if filter_problem(doc.get("filter")) or not _filter_ok(doc.get("filter")):
        report.append(Message("保存的筛选条件无效，已清除", "the saved filter is not valid and was cleared"))
        clean["filter"] = None
    if extent_problem(doc.get("extent")):
        report.append(Message("保存的视图范围无效，地图按全图打开",
                              "the saved view extent is not valid; the map opens at its full extent"))
        clean["extent"] = None
    if clean.get("language", "zh") not in ("zh", "en"):
        clean["language"] = "zh"
    if not (isinstance(clean.get("version", 1), int) and not isinstance(clean.get("version", 1), bool)):
        clean["version"] = 1
    clean["selection"] = clean_selection(doc.get("selection"))
    try:
        document = MapDocument.from_dict(clean, resolve=lambda ref: loaded[id(ref)])
    except Exception as exc:
        raise ProjectFileError(Message(f"{path.name}：项目内容无效：{short(exc)}",
                                       f"{path.name}: the project's content is not valid: {short(exc)}")) from exc
    layout = _layout(data.get("layout"), report)
    feedback.set_progress(1.0, Message("完成", "done"))
    return LoadedProject(document, _clean_bookmarks(data.get("bookmarks")), missing, report, path, layout)


def _layout(data, report: list):
    """The saved print layout's JSON object, or None; `layers.page.layout_spec.LayoutSpec.from_dict`
    reads it (the model stays free of the page engine, which needs Qt)."""
    if data is None or isinstance(data, dict):
        return data
    report.append(Message("保存的打印版式无效，已忽略", "the saved print layout is not valid and was ignored"))
    return None


def _style_ok(data) -> bool:
    from layers.model.style import LayerStyle

    try:
        LayerStyle.from_dict(data)
        return True
    except Exception:  # whatever a damaged style raises, the layer keeps its default look
        return False


def _filter_ok(data) -> bool:
    from layers.model.filter import Filter

    try:
        Filter.from_dict(data)
        return True
    except Exception:  # a damaged filter is cleared, not fatal
        return False


def _is_default_bundle(path: str) -> bool:
    from geodata.bundle.loader import BUNDLE_PATH

    return Path(path).resolve() == Path(BUNDLE_PATH).resolve()


def _confirmed(name: str, target: Path, resolver, missing: list, report: list) -> Path | None:
    """A path outside the project folder, if the resolver (the user) chooses it; else listed as missing."""
    wanted = MissingSource(name, str(target), OUTSIDE_FOLDER)
    replacement = resolver(wanted) if resolver else None
    if not replacement or not Path(replacement).exists():
        missing.append(wanted)
        return None
    chosen = Path(replacement).resolve()
    report.append(Message(f"图层 {name!r}：项目文件夹之外的 {chosen} 经确认后打开",
                          f"layer {name!r}: {chosen}, outside the project folder, opened as confirmed"))
    return chosen


def _load_ref(name: str, ref: dict, base: Path, resolver, missing: list, report: list, feedback: Feedback):
    """(GeoDataFrame or None, the data_ref to keep) for one layer entry."""
    import geopandas as gpd

    kind = ref.get("kind")
    if kind == "inline":
        gj = ref.get("geojson")
        if not isinstance(gj, dict) or not isinstance(gj.get("features"), list):
            raise ValueError("inline data is not GeoJSON")
        return gpd.GeoDataFrame.from_features(gj["features"], crs=4326), ref
    if kind == "bundle":
        from geodata.bundle.loader import load_layer

        bundle = ref.get("path")
        bundle = str((base / bundle).resolve()) if isinstance(bundle, str) and bundle and "\0" not in bundle else None
        if bundle is not None and not Path(bundle).is_relative_to(base) and not _is_default_bundle(bundle):
            chosen = _confirmed(name, Path(bundle), resolver, missing, report)
            if chosen is None:
                return None, ref
            bundle = str(chosen)
        if bundle is not None and not Path(bundle).exists():
            missing.append(MissingSource(name, bundle, NOT_FOUND))
            return None, ref
        clean = {"kind": "bundle", "layer": str(ref.get("layer", name))}
        if bundle:
            clean["path"] = bundle
        return load_layer(clean["layer"], bundle).copy(), clean
    if kind == "file":
        from geodata.io.errors import DataImportError
        from geodata.io.importer import import_file

        raw = ref.get("path")
        if not isinstance(raw, str) or not raw or "\0" in raw:
            raise ValueError("file reference without a path")
        target = (base / raw).resolve()
        options = {k: ref[k] for k in IMPORT_OPTIONS if isinstance(ref.get(k), (str, int))}
        if not target.is_relative_to(base):  # /etc/passwd, ../../x or a link leading out: the user decides
            target = _confirmed(name, target, resolver, missing, report)
            if target is None:
                return None, ref
        elif not target.exists():
            wanted = MissingSource(name, str(target), NOT_FOUND)
            replacement = resolver(wanted) if resolver else None
            if not replacement or not Path(replacement).exists():
                missing.append(wanted)
                return None, ref
            report.append(Message(f"图层 {name!r}：{target.name} 已在 {replacement} 找到",
                                  f"layer {name!r}: {target.name} found at {replacement}"))
            target = Path(replacement).resolve()
        try:
            result = import_file(target, **options, feedback=feedback)
        except DataImportError as exc:
            missing.append(MissingSource(name, str(target), plain(str(exc))))
            return None, ref
        return result.gdf, {"kind": "file", "path": str(target), **options}
    if kind == "postgis":  # a shared table: read whole, or for the view the window read it for (bbox)
        from geodata.io.errors import DataImportError
        from geodata.io.importer import import_file
        from geodata.io.postgis_source import is_postgis_source

        url, options = ref.get("url"), {k: ref[k] for k in IMPORT_OPTIONS if isinstance(ref.get(k), (str, int))}
        if not isinstance(url, str) or not is_postgis_source(url):  # never a file path in disguise
            raise ValueError("PostGIS reference without a postgresql:// or service= address")
        bbox = _bbox(ref.get("bbox"))  # a layer the window read for one view reopens with that view
        try:
            result = _asking_password(name, url, resolver, lambda src: import_file(src, **options, bbox=bbox,
                                                                                   feedback=feedback))
        except DataImportError as exc:  # server down, password refused: listed like a moved file
            missing.append(MissingSource(name, str(url), plain(str(exc))))
            return None, ref
        return result.gdf, {**result.data_ref, **({"bbox": list(bbox)} if bbox else {})}
    if kind == "edits":  # the bundled registry with a shared corrections store's edits, read afresh
        from geodata.fieldcheck.edits import EditsError
        from geodata.io.postgis_source import is_postgis_source

        url = ref.get("url")
        if not isinstance(url, str) or not is_postgis_source(url):
            raise ValueError("corrections reference without a postgresql:// or service= address")
        from geodata.fieldcheck.edits_postgis import PostgisEditStore

        try:
            return (_asking_password(name, url, resolver, lambda src: PostgisEditStore(src).corrected()),
                    {"kind": "edits", "url": url})
        except EditsError as exc:  # server down, password refused: listed like a moved file
            missing.append(MissingSource(name, url, plain(str(exc))))
            return None, ref
    raise ValueError(f"unknown data kind {kind!r}")


def _asking_password(name: str, url: str, resolver, read):
    """`read(source)`; when the server refuses the password libpq found, the resolver (the window) is
    asked once for one (`MissingSource.reason` is PASSWORD_NEEDED, the answer is the password, kept in
    memory only) and the read is tried again with it."""
    from geodata.io.postgis_source import parse_source, password_refused, with_password

    source = parse_source(url)
    try:
        return read(source)
    except Exception as exc:
        if resolver is None or not password_refused(exc):
            raise
        password = resolver(MissingSource(name, source.public_url, PASSWORD_NEEDED))
        if not isinstance(password, str) or not password:
            raise
    return read(with_password(source, password))


def _bbox(value) -> tuple[float, float, float, float] | None:
    """A saved PostGIS view extent: four finite numbers, else none (the engine checks the range)."""
    import math

    if not isinstance(value, list) or len(value) != 4:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    return tuple(float(v) for v in value)
