"""Why a user file could not be read or written, said for a person in both languages.

Each error carries a `Message` (`.message`); `str(error)` is both languages, Chinese first
("文件为空 / … is empty"), which is what the command line and the window show.  Nothing
else leaves the import boundary (`Cancelled` aside, which means the user stopped it).
"""
from __future__ import annotations

from pathlib import Path

from geodata.core.message import Message, MessageError

__all__ = ["MessageError", "DataImportError", "LayerChoiceRequired", "CrsUnknown", "short", "cannot_read"]


class DataImportError(MessageError):
    """A user file could not be read; the message says why."""


class LayerChoiceRequired(DataImportError):
    """The file holds several layers and none was chosen; `.layers` lists them."""

    def __init__(self, path: Path, layers: list[str]) -> None:
        self.layers = layers
        super().__init__(Message(f"{path.name} 含多个图层，请选择一个",
                                 f"{path.name} holds {len(layers)} layers, choose one (--layer NAME): {', '.join(layers)}"))


class CrsUnknown(DataImportError):
    """No CRS declared and none can be guessed; `.bounds` lets a UI offer fitting CRSs."""

    def __init__(self, message: Message, bounds: tuple[float, float, float, float]) -> None:
        self.bounds = bounds
        super().__init__(message)


def short(exc: BaseException) -> str:
    """The first line of a library's error (at most 300 characters), or its type's name."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def cannot_read(name: str, exc: BaseException) -> DataImportError:
    return DataImportError(Message("无法读取", f"cannot read {name}: {short(exc)}"))
