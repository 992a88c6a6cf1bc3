"""Where the PDF report finds a font with Chinese glyphs, and how it is made embeddable.

PDF viewers cannot be trusted to have a CJK font, so the report embeds one (subset to the
characters used, which keeps files small). The first source found wins:

1. a font file given explicitly (`greenlist report --font FILE`);
2. the PyPI package `pylopdf-fonts-zh-cn` (Noto Sans SC, SIL Open Font License 1.1), a
   dependency of greenlist-bot, so `pip install` alone is enough;
3. Debian's `fonts-noto-cjk` or `fonts-wqy-zenhei` / `fonts-wqy-microhei`.

Noto CJK ships with PostScript (CFF) outlines, which a PDF can only embed as a CID-keyed
font with its own encoding CMap; common text extractors (pypdf among them) then garble the
text. `embeddable_font` therefore cuts the font down to the characters a report uses and
converts those glyphs to TrueType outlines, which PDFs embed with the Identity-H encoding
every reader understands. It takes a fraction of a second for a report's few hundred glyphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, TTLibError, newTable

#: A character every usable font must have: 绿 as in 绿名单.
PROBE_CHARACTER = "绿"

FONT_PACKAGE = "pylopdf-fonts-zh-cn"
DEBIAN_PACKAGES = ("fonts-noto-cjk", "fonts-wqy-zenhei")

# System fonts, with the face to use inside a collection (Noto Sans CJK: 2 is SC).
SYSTEM_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


class FontNotFound(RuntimeError):
    """No font with Chinese glyphs is available; the message says what to install."""


@dataclass(frozen=True)
class FontChoice:
    path: Path
    index: int = 0
    source: str = ""


def install_hint() -> str:
    return (
        f"install the Python package {FONT_PACKAGE} (pip install {FONT_PACKAGE}), "
        f"or Debian's {' or '.join(DEBIAN_PACKAGES)} "
        f"(apt-get install {DEBIAN_PACKAGES[0]}), or pass --font FILE with a TTF/OTF font "
        "that has Chinese glyphs"
    )


def _has_chinese(path: Path, index: int) -> bool:
    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            collection = TTCollection(str(path), lazy=True)
            if index >= len(collection.fonts):
                return False
            font = collection.fonts[index]
        else:
            font = TTFont(str(path), lazy=True)
        cmap = font.getBestCmap() or {}
    except (OSError, TTLibError, AssertionError, KeyError, ValueError):
        return False
    return ord(PROBE_CHARACTER) in cmap


def _packaged() -> Iterator[FontChoice]:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return
    yield FontChoice(Path(pylopdf_fonts_zh_cn.sans_path()), 0, FONT_PACKAGE)


def find_cjk_font(
    explicit: Path | None = None, system_fonts: Sequence[tuple[str, int]] | None = None
) -> FontChoice:
    """The font the report embeds; FontNotFound names what to install when there is none.

    `system_fonts` replaces the list of system font files to try (SYSTEM_FONTS).
    """
    if explicit is not None:
        if not explicit.is_file():
            raise FontNotFound(f"the font file {explicit} does not exist")
        if not _has_chinese(explicit, 0):
            raise FontNotFound(
                f"the font file {explicit} is not a TrueType/OpenType font with Chinese "
                f"glyphs; {install_hint()}"
            )
        return FontChoice(explicit, 0, str(explicit))
    for choice in _packaged():
        if choice.path.is_file() and _has_chinese(choice.path, choice.index):
            return choice
    for name, index in SYSTEM_FONTS if system_fonts is None else system_fonts:
        path = Path(name)
        if path.is_file() and _has_chinese(path, index):
            return FontChoice(path, index, name)
    raise FontNotFound(
        f"no font with Chinese glyphs was found for the PDF report; {install_hint()}"
    )


# Largest distance, in font units (1000 per em), between a cubic CFF curve and the
# quadratic TrueType curves replacing it: invisible at any print size.
MAX_CURVE_ERROR = 1.0
_MAXP_TRUETYPE_ZEROS = (
    "maxTwilightPoints",
    "maxStorage",
    "maxFunctionDefs",
    "maxInstructionDefs",
    "maxStackElements",
    "maxSizeOfInstructions",
    "maxComponentElements",
)


def _open(choice: FontChoice) -> TTFont:
    return TTFont(str(choice.path), fontNumber=choice.index)


def font_characters(choice: FontChoice) -> frozenset[str]:
    """Every character the font has a glyph for."""
    cmap = _open(choice).getBestCmap() or {}
    return frozenset(chr(code) for code in cmap)


def embeddable_font(choice: FontChoice, characters: Iterable[str], directory: Path) -> FontChoice:
    """A TrueType-outline font file in `directory` holding just `characters`.

    A font that already has TrueType outlines is returned as it is (the PDF writer subsets
    it); a CFF font is subset and converted. Characters the font lacks are left out.
    """
    font = _open(choice)
    if "glyf" in font:
        return choice
    wanted = {ord(ch) for ch in characters} & set(font.getBestCmap() or {})
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted))
    subsetter.subset(font)
    _cff_to_glyf(font)
    target = directory / f"{choice.path.stem}-subset.ttf"
    font.save(str(target))
    return FontChoice(target, 0, choice.source)


def _cff_to_glyf(font: TTFont) -> None:
    """Replace PostScript outlines by TrueType ones (what fontTools' otf2ttf does)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=MAX_CURVE_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attribute in _MAXP_TRUETYPE_ZEROS:
        setattr(maxp, attribute, 0)
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    for table in ("CFF ", "CFF2", "VORG"):
        if table in font:
            del font[table]
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"


__all__ = [
    "DEBIAN_PACKAGES",
    "FONT_PACKAGE",
    "SYSTEM_FONTS",
    "FontChoice",
    "FontNotFound",
    "embeddable_font",
    "find_cjk_font",
    "font_characters",
    "install_hint",
]
