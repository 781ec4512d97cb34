"""Which text encoding a DBF (or a CSV, or an XML file such as GPX) uses, when the file does not say.

Chinese shapefiles are very often GBK/GB18030 without a `.cpg`; read as UTF-8 their
names come out as mojibake or fail.  The order of evidence: the `.cpg` sidecar, the
DBF header's language-driver byte, then the bytes themselves (UTF-8 if they decode
strictly, else charset-normalizer's best guess) checked for plausible CJK text.
"""
from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from geodata.core.message import Message

# DBF language-driver ids (header byte 29) that name an encoding unambiguously.
_LDID = {0x4D: "gb18030", 0x4E: "cp949", 0x4F: "big5", 0x57: None, 0x00: None}
_CHINESE = ("gb18030", "gbk", "gb2312", "big5", "utf_8")


@dataclass(frozen=True)
class EncodingGuess:
    encoding: str  # a Python codec name
    source: str  # "cpg", "dbf header", "content", "default"
    note: Message  # the sentence for the import report


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip('"')).name
    except (LookupError, ValueError):
        return None


def read_cpg(cpg: Path) -> str | None:
    """Codec named by a .cpg sidecar ("UTF-8", "GBK", "936" ...), None if unreadable."""
    try:
        text = cpg.read_bytes()[:64].decode("ascii", "ignore").strip()
    except OSError:
        return None
    if text.isdigit():  # ArcGIS writes code pages as bare numbers
        text = {"936": "gbk", "65001": "utf-8", "950": "big5"}.get(text, f"cp{text}")
    return _codec(text)


def dbf_text_values(dbf: Path, limit: int = 256 * 1024) -> tuple[list[bytes], int | None]:
    """The field names and character values of the first `limit` bytes of records, as stored."""
    with open(dbf, "rb") as fh:
        data = fh.read(32 + 32 * 256 + limit)
    if len(data) < 32:
        return [], None
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    ldid = data[29]
    chunks: list[bytes] = []
    # field descriptors: 32 bytes each from offset 32 until 0x0D
    fields: list[tuple[bytes, str, int]] = []
    pos = 32
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        fields.append((desc[:11].split(b"\0")[0], chr(desc[11]), desc[16]))
        pos += 32
    chunks.extend(name for name, _, _ in fields)
    offset = header_len
    while offset + record_len <= len(data) and record_len > 1 and n_records > 0:
        rec = data[offset + 1 : offset + record_len]
        p = 0
        for _, ftype, flen in fields:
            if ftype in ("C", "M", "V"):
                chunks.append(rec[p : p + flen])
            p += flen
        offset += record_len
        n_records -= 1
    return chunks, ldid


def looks_utf16(values: list[bytes]) -> bool:
    """Text stored as UTF-16: NUL bytes INSIDE values (after the padding), which no single-byte,
    GBK or UTF-8 text has; UTF-16 puts one after every ASCII letter or digit."""
    filled = [v.rstrip(b" \0") for v in values]
    filled = [v for v in filled if v]
    return bool(filled) and sum(b"\0" in v for v in filled) * 3 >= len(filled)


def cjk_plausibility(text: str) -> float:
    """Share of non-ASCII characters that are common CJK ideographs or CJK punctuation.

    Mojibake (GBK read as Latin-1, UTF-8 read as GBK) produces rare ideographs, Latin-1
    letters or replacement characters; real names are mostly common ideographs."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 1.0
    good = 0
    for c in non_ascii:
        o = ord(c)
        if 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or o in (0x00B7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D):
            good += 1
    return good / len(non_ascii)


def guess_bytes_encoding(raw: bytes) -> tuple[str, Message]:
    """(codec, reason) for text bytes that carry no declaration."""
    if not raw or raw.isascii():
        return "utf-8", Message("文本只含 ASCII 字符", "text is plain ASCII")
    try:
        decoded = raw.decode("utf-8")
        score = cjk_plausibility(decoded)
        return "utf-8", Message(f"文本可按 UTF-8 解码（汉字可信度 {score:.0%}）", f"text decodes as UTF-8 (CJK plausibility {score:.0%})")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str]] = []
    best = from_bytes(raw, cp_isolation=list(_CHINESE[:-1]) + ["cp1252", "latin_1"]).best()
    if best is not None:
        name = _codec(best.encoding) or best.encoding
        if name in ("gbk", "gb2312"):
            name = "gb18030"  # superset; decodes every GBK byte sequence the same way
        candidates.append((cjk_plausibility(str(best)), name))
    for name in ("gb18030", "big5"):
        try:
            candidates.append((cjk_plausibility(raw.decode(name)), name))
        except UnicodeDecodeError:
            continue
    if not candidates:
        return "latin-1", Message("中文编码和 UTF-8 都不适用，按 Latin-1 读取", "no Chinese or UTF-8 decoding fits; read as Latin-1")
    # Prefer the GB family when it is as plausible: this is a mainland-China explorer.
    candidates.sort(key=lambda t: (t[0], t[1] == "gb18030"), reverse=True)
    score, name = candidates[0]
    return name, Message(f"charset-normalizer 与汉字检查判定为 {name.upper()}（汉字可信度 {score:.0%}）",
                      f"charset-normalizer and a CJK check chose {name.upper()} (CJK plausibility {score:.0%})")


def text_encoding(sample: bytes) -> tuple[str, Message]:
    """(codec, reason) for the start of a text file: a byte-order mark (UTF-8, UTF-16), else strict
    UTF-8 (the sample may end inside a character), else `guess_bytes_encoding`."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", Message("UTF-8（带字节顺序标记）", "UTF-8 (with byte-order mark)")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", Message("UTF-16（字节顺序标记）", "UTF-16 (byte-order mark)")
    for cut in range(4):
        try:
            (sample[: len(sample) - cut] if cut else sample).decode("utf-8")
            return "utf-8", Message("UTF-8", "UTF-8")
        except UnicodeDecodeError:
            continue
    return guess_bytes_encoding(sample)


def detect_dbf_encoding(shp_or_dbf: str | Path) -> EncodingGuess:
    """Encoding of a shapefile's attribute table (path of the .shp or the .dbf)."""
    path = Path(shp_or_dbf)
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            name = read_cpg(cpg)
            if name:
                return EncodingGuess(name, "cpg", Message(f"编码 {name.upper()}（来自 {cpg.name}）", f"encoding {name.upper()} from {cpg.name}"))
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return EncodingGuess("utf-8", "default", Message("找不到 .dbf，按 UTF-8 处理", "no .dbf found; assumed UTF-8"))
    values, ldid = dbf_text_values(dbf)
    if looks_utf16(values):  # with or without a header byte: GDAL cannot read it (read_ogr refuses it)
        return EncodingGuess("utf-16-le", "content", Message(f"{path.name} 的文字为 UTF-16", f"text in {path.name} is UTF-16"))
    raw = b"\n".join(v.strip(b" \0") for v in values if v.strip(b" \0"))
    if ldid in _LDID and _LDID[ldid]:
        name = _LDID[ldid]
        try:
            raw.decode(name)
            return EncodingGuess(name, "dbf header", Message(f"编码 {name.upper()}（来自 DBF 文件头的语言驱动字节 0x{ldid:02X}）",
                                                          f"encoding {name.upper()} from the DBF language-driver byte (0x{ldid:02X})"))
        except UnicodeDecodeError:
            pass  # header lies; fall through to the content
    name, reason = guess_bytes_encoding(raw)
    return EncodingGuess(name, "content", Message(f"{path.name} 旁没有 .cpg：{reason.text('zh')}",
                                                  f"no .cpg beside {path.name}: {reason.text('en')}"))


_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def decode_xml(raw: bytes) -> tuple[str, Message]:
    """Text of an XML file (GPX from Chinese handheld units and apps is often GBK) and how it was decoded.

    Evidence in order: a byte-order mark, the declared `encoding=` if the bytes decode with it,
    strict UTF-8, then the same charset-normalizer + CJK check as for DBF files.  The declaration
    in the returned text is rewritten to UTF-8: it is now a Python string, and a parser given it
    must not decode it a second time."""
    if raw.startswith(codecs.BOM_UTF8):
        text, note = raw.decode("utf-8-sig"), Message("UTF-8（带字节顺序标记）", "UTF-8 (with byte-order mark)")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, note = raw.decode("utf-16"), Message("UTF-16（字节顺序标记）", "UTF-16 (byte-order mark)")
    else:
        declared = _XML_DECL.match(raw)
        codec = _codec(declared.group(1).decode("ascii")) if declared else None
        if codec in ("gbk", "gb2312"):
            codec = "gb18030"  # superset; decodes every GBK byte sequence the same way
        text = None
        if codec:
            try:
                text = raw.decode(codec)
                note = Message(f"文本编码 {codec.upper()}（文件声明）", f"text encoding {codec.upper()} (declared in the file)")
            except UnicodeDecodeError:
                pass
        if text is None:
            codec, reason = guess_bytes_encoding(raw)
            text = raw.decode(codec, errors="replace")
            lie = (f"声明的 {declared.group(1).decode('ascii')} 与内容不符；" if declared else "未声明编码；",
                   f"declared {declared.group(1).decode('ascii')} does not fit the bytes; " if declared
                   else "no encoding declared; ")
            note = Message(f"文本编码 {codec.upper()}（{lie[0]}{reason.text('zh')}）", f"text encoding {codec.upper()} ({lie[1]}{reason.text('en')})")
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", r"\1\2UTF-8\2", text, count=1)
    return text, note
