"""Where the PDF report finds a font with Chinese glyphs.

PDF viewers cannot be trusted to have a CJK font, so the report embeds one (subset to the
characters used, which keeps files small). The first source found wins:

1. a font file given explicitly (`greenlist report --font FILE`);
2. the PyPI package `pylopdf-fonts-zh-cn` (Noto Sans SC, SIL Open Font License 1.1), a
   dependency of greenlist-bot, so `pip install` alone is enough;
3. Debian's `fonts-noto-cjk` or `fonts-wqy-zenhei` / `fonts-wqy-microhei`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError

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
    explicit: Path | None = None, system_fonts: Sequence[tuple[str, int]] = SYSTEM_FONTS
) -> FontChoice:
    """The font the report embeds; FontNotFound names what to install when there is none."""
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
    for name, index in system_fonts:
        path = Path(name)
        if path.is_file() and _has_chinese(path, index):
            return FontChoice(path, index, name)
    raise FontNotFound(
        f"no font with Chinese glyphs was found for the PDF report; {install_hint()}"
    )


__all__ = [
    "DEBIAN_PACKAGES",
    "FONT_PACKAGE",
    "SYSTEM_FONTS",
    "FontChoice",
    "FontNotFound",
    "find_cjk_font",
    "install_hint",
]
