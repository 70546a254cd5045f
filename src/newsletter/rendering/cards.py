"""Share images: an event or a week as a 1200×630 card (link previews, posts) and a 1080×1080 square (Instagram,
chat groups), drawn with Pillow in the theme's colours.

Text is laid out by Pillow's raqm engine (FriBiDi and HarfBuzz): Arabic and Hebrew run right to left with their
letters joined. Fonts: DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew) and Noto Sans CJK for Chinese,
Japanese and Korean, found where the system keeps its fonts. The title shrinks until it fits; it is never cut.
"""

from __future__ import annotations

import os
import sys
from msgspec import Struct
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from newsletter.colors import readable_on
from newsletter.errors import NewsletterError

CARD = (1200, 630)
SQUARE = (1080, 1080)
LEGIBLE = 30  # the smallest title size, in pixels, still legible once a service shows the card at half its width
SMALLEST = 14  # below this the title is not shrunk further (check reports it long before)

FONT_FILES = {  # the fonts the images need, and the Debian package of each
    "latin": ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", 0, "fonts-dejavu-core"),
    # Noto Sans CJK's collection, its Simplified Chinese face first; Japanese and Korean use the same glyphs' forms
    "cjk": ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", 2, "fonts-noto-cjk"),
}
CJK_FACES = {"ja": 0, "ko": 1, "zh": 2, "zh-hans": 2, "zh-cn": 2, "zh-hant": 3, "zh-tw": 3, "zh-hk": 4}
# Code points of Chinese, Japanese and Korean (a line may break between any two), and of right-to-left scripts.
# Tested by range rather than by a regular expression: compiling a class this wide took 5 ms of every run.
_CJK = ((0x2E80, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF),
        (0x20000, 0x3134F))
_RTL = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


def _within(character: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    point = ord(character)
    return any(first <= point <= last for first, last in ranges)


def _tokens(text: str) -> list[str]:
    """The pieces a line may break between: words, and each Chinese, Japanese or Korean character alone."""
    found = []
    for word in text.split():
        piece = ""
        for character in word:
            if _within(character, _CJK):
                if piece:
                    found.append(piece)
                found.append(character)
                piece = ""
            else:
                piece += character
        if piece:
            found.append(piece)
    return found


class MissingFonts(NewsletterError):
    """The fonts a share image needs are not installed."""


class Card(Struct, frozen=True):
    """What a share image says, in reading order, and how it looks."""

    kicker: str  # "Rally", "RESCHEDULED", or the group's name over a week
    title: str
    when: str
    where: str | None
    name: str  # the group, at the foot
    language: str
    direction: str  # "ltr" or "rtl"
    background: str  # the theme's accent
    lines: tuple[str, ...] = ()  # a week: its agenda, one line an event
    logo: str | None = None  # the theme's logo, when it is a file of the project
    more: int = 0  # a week: how many more events than `lines` it has, shown as "…"


class Drawn(Struct, frozen=True):
    """A share image, and the title's size in it (below LEGIBLE, check says the title is too long to read)."""

    png: bytes
    title_size: int
    text_color: str
    shown: int = 0  # a week: how many lines of its agenda the image shows (the rest are "…")


def font_dirs() -> list[Path]:
    """Where systems keep fonts: the user's own first."""
    home = Path.home()
    found = [home / ".local/share/fonts", home / ".fonts", Path("/usr/local/share/fonts"), Path("/usr/share/fonts")]
    if sys.platform == "darwin":
        found += [home / "Library/Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    if sys.platform == "win32":
        found.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
    return found


@lru_cache(maxsize=4)
def _find(name: str) -> Path | None:
    for folder in font_dirs():
        for parent, _, files in os.walk(folder):
            if name in files:
                return Path(parent) / name
    return None


@lru_cache(maxsize=256)
def fonts_for(text: str, language: str) -> tuple[Path, Path, int]:
    """The bold and regular font files for `text` in a card in `language`, and the face in a collection; raises
    MissingFonts. Arabic and Hebrew take DejaVu Sans; Chinese, Japanese and Korean (or any text in those languages)
    Noto Sans CJK, which has Latin letters too; each text of a card is set in the font its own letters need."""
    plain = not text or max(text) < "\u0590"  # Latin, Greek, Cyrillic: neither right to left nor CJK
    rtl = not plain and any(_within(character, _RTL) for character in text)
    cjk = not rtl and (language.split("-")[0] in ("zh", "ja", "ko")
                       or not plain and any(_within(character, _CJK) for character in text))
    script = "cjk" if cjk else "latin"
    bold, regular, face, package = FONT_FILES[script]
    found = (_find(bold), _find(regular))
    if found[0] is None or found[1] is None:
        raise MissingFonts(f"share images need the font files {bold} and {regular}: install them (on Debian and "
                           f"Ubuntu: sudo apt-get install {package}), or set images = false under [share]")
    if script == "cjk":
        face = CJK_FACES.get(language.lower(), CJK_FACES.get(language.split("-")[0], face))
    return found[0], found[1], face


def _texts(card: Card) -> tuple[str, ...]:
    return (card.kicker, card.title, card.when, card.where or "", card.name, *card.lines)


def font_key(card: Card) -> str:
    """What the drawing depends on besides the card: the font files it uses, as found now; raises MissingFonts."""
    from newsletter.sources.store import stamp_of

    used = {fonts_for(text, card.language) for text in _texts(card) if text}
    return " ".join(f"{stamp_of(bold)} {stamp_of(regular)} {face}" for bold, regular, face in sorted(used))


@lru_cache(maxsize=64)
def _font(path: Path, pixels: int, face: int) -> Any:
    from PIL import ImageFont

    engine = ImageFont.Layout.RAQM if _raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), pixels, index=face, layout_engine=engine)


def draw(card: Card, size: tuple[int, int], root: Path | None = None) -> Drawn:
    """The card at `size` as PNG bytes; raises MissingFonts. `root`: the project, where the logo file is."""
    from PIL import Image, ImageDraw

    width, height = size

    def font(bold: bool, pixels: int, text: str) -> Any:
        bold_file, regular_file, face = fonts_for(text, card.language)
        return _font(bold_file if bold else regular_file, pixels, face)

    color = readable_on(card.background)
    logo = _logo(card.logo, root, round(48 * width / 1200))
    # Without a logo the picture has two colours and the shades between them: drawn as coverage on one channel
    # and saved with a palette that runs from the background to the text colour, a third of the bytes to encode.
    image = Image.new("RGB", size, card.background) if logo is not None else Image.new("L", size, 0)
    ink: Any = color if logo is not None else 255
    pen = ImageDraw.Draw(image)
    margin = round(width * 0.06)
    inner = width - 2 * margin
    rtl = card.direction == "rtl"
    direction = "rtl" if rtl else "ltr"
    x = width - margin if rtl else margin
    anchor = "ra" if rtl else "la"
    scale = width / 1200

    def text_at(y: float, text: str, used: Any) -> None:
        pen.text((x, y), text, font=used, fill=ink, anchor=anchor, direction=direction,
                 language=card.language if _raqm() else None)

    def measure(text: str, used: Any) -> float:
        return used.getlength(text, direction=direction) if _raqm() else used.getlength(text)

    # The foot: the group's name (with its logo), then, above it, where and when.
    foot_font = font(True, round(28 * scale), card.name)
    foot_y = height - margin - round(28 * scale)
    name_x = x
    if logo is not None:
        logo_x = x - logo.width if rtl else x
        image.paste(logo, (logo_x, foot_y + round(28 * scale) - logo.height),
                    logo if logo.mode == "RGBA" else None)
        name_x = x - logo.width - round(16 * scale) if rtl else x + logo.width + round(16 * scale)
    if card.name:
        pen.text((name_x, foot_y), card.name, font=foot_font, fill=ink, anchor=anchor, direction=direction,
                 language=card.language if _raqm() else None)
    bottom = foot_y - round(36 * scale) if card.name else height - margin
    facts, step, shown = _facts(card, font, inner, measure, scale,
                                (height - 2 * margin) * (0.62 if card.lines else 0.42))
    for line, used in reversed(facts):
        bottom -= step
        text_at(bottom, line, used)

    # The top: the kicker, then the title, as big as fits between it and the facts.
    kicker_font = font(True, round(30 * scale), card.kicker)
    text_at(margin, card.kicker.upper() if card.language.split("-")[0] in ("en",) else card.kicker, kicker_font)
    top = margin + round(58 * scale)
    room = bottom - round(24 * scale) - top
    # Each size tried is measured with one font, scaled: widths grow with the size, and loading a font for
    # every size tried cost more than the drawing. The size found is checked with its own font.
    largest = round(84 * scale * (1.4 if height >= width else 1))
    reference = font(True, largest, card.title)
    pixels = largest
    while True:
        ratio = pixels / largest

        def scaled(text: str, _: Any, ratio: float = ratio) -> float:
            return measure(text, reference) * ratio * 1.02  # a little room for hinting at the smaller size

        lines = _wrap(card.title, reference, inner, scaled)
        leading = round(pixels * 1.18)
        if len(lines) * leading <= room or pixels <= SMALLEST:
            title_font = font(True, pixels, card.title)
            if max((measure(line, title_font) for line in lines), default=0) <= inner or pixels <= SMALLEST:
                break
        pixels -= 2
    for number, line in enumerate(lines):
        text_at(top + number * leading, line, title_font)
    if logo is None:
        image.putpalette(_shades(card.background, color))
    out = BytesIO()
    image.save(out, "PNG")
    return Drawn(out.getvalue(), round(pixels / scale), color, shown)


def _facts(card: Card, font: Any, inner: int, measure: Any, scale: float, room: float) -> tuple[list, int, int]:
    """The lines under the title (when, where, and a week's agenda), each with its font, the step between them,
    and how many agenda entries are shown: every line whole, smaller until they fit `room`; a week's last
    entries left for "…" when even the smallest size cannot hold them all (or when the card says there are
    `more` than its lines)."""
    pixels = round(34 * scale)
    ellipsis = 1 if card.more else 0
    while True:
        entries = [[(line, font(False, pixels, fact)) for fact in (card.when, card.where) if fact
                    for line in _wrap(fact, font(False, pixels, fact), inner, measure)]]
        for entry in card.lines:
            glance, _, title = entry.partition("  ")
            regular = font(False, pixels, title)
            entries.append([(glance, font(True, pixels, glance))]
                           + [(line, regular) for line in _wrap(title, regular, inner, measure)])
        step = round(pixels * 1.3)
        count = sum(len(lines) for lines in entries) + ellipsis
        if count * step <= room or pixels <= round(22 * scale):
            break
        pixels -= 2
    shown = len(card.lines)
    if count * step > room:  # whole entries, as many as fit with a last line that says there are more
        kept, used = [entries[0]], len(entries[0]) + 1
        for lines in entries[1:]:
            if (used + len(lines)) * step > room:
                break
            kept.append(lines)
            used += len(lines)
        entries, shown = kept + [[("…", font(False, pixels, "…"))]], len(kept) - 1
    elif ellipsis:
        entries.append([("…", font(False, pixels, "…"))])
    return [line for lines in entries for line in lines], step, shown


def _shades(background: str, color: str) -> list[int]:
    """256 colours from `background` (0) to `color` (255), as a palette."""
    from newsletter.colors import rgb

    start, end = rgb(background), rgb(color)
    return [round(a + (b - a) * level / 255) for level in range(256) for a, b in zip(start, end, strict=True)]


@lru_cache(maxsize=1)
def _raqm() -> bool:
    from PIL import features

    return bool(features.check_feature("raqm"))


def _wrap(text: str, font: Any, width: float, measure: Any) -> list[str]:
    """`text` in lines no wider than `width`: broken between words, and anywhere in Chinese, Japanese and Korean;
    a word wider than a line is broken between its letters."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        joiner = "" if not line or _within(token[0], _CJK) or _within(line[-1], _CJK) else " "
        attempt = line + joiner + token
        if not line or measure(attempt, font) <= width:
            line = attempt
        else:
            lines.append(line)
            line = token
        while measure(line, font) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut], font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _logo(logo: str | None, root: Path | None, height: int) -> Any:
    """The theme's logo file scaled to `height`, or None (an address on the web, or a file that does not open)."""
    if not logo or root is None or "://" in logo:
        return None
    from PIL import Image

    try:
        with Image.open(root / logo) as found:
            found.load()
            picture = found.convert("RGBA")
    except (OSError, ValueError):
        return None
    ratio = height / picture.height
    return picture.resize((max(round(picture.width * ratio), 1), height))
