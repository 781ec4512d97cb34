"""Re-create the bundled CJK fonts from Debian's fonts-noto-cjk (run by hand, not at build time).

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/nc
    python resources/fonts/prepare_fonts.py /tmp/nc/usr/share/fonts/opentype/noto

Two changes to the upstream Noto Sans CJK SC faces (OFL 1.1 permits modification; the
Reserved Font Name 'Source' is not used):
- the SC face is extracted from the .ttc collection (Qt loads single faces more reliably);
- the cmap entries of the Kangxi radicals (U+2F00–U+2FDF) and CJK radicals supplement
  (U+2E80–U+2EFF) are dropped.  Upstream maps them to the same glyphs as the unified
  ideographs (U+2F24 and U+5927 both to 大), and Qt's PDF writer then builds its ToUnicode
  table from the radical, so text copied or searched in an exported PDF read "⼤⾜"
  instead of "大足".  Real text almost never uses the radical code points.
fontTools does the work; only the choice of code points is ours.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from geodata.core.atomic import atomic_path  # noqa: E402

HERE = Path(__file__).resolve().parent
RADICALS = range(0x2E80, 0x2FE0)


def prepare(source_dir: Path) -> None:
    for style in ("Regular", "Bold"):
        collection = TTCollection(str(source_dir / f"NotoSansCJK-{style}.ttc"))
        face = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
        for table in face["cmap"].tables:
            if table.isUnicode():
                table.cmap = {cp: g for cp, g in table.cmap.items() if cp not in RADICALS}
        # Atomic: a process that has the font open (Qt maps it) must never see a half-written file.
        with atomic_path(HERE / f"NotoSansCJKsc-{style}.otf") as tmp:
            face.save(str(tmp))


if __name__ == "__main__":
    prepare(Path(sys.argv[1]))
