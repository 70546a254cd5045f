"""A printable flyer for one event: a PDF page to put up in building lobbies and hand out, laid out here from
the announcement's view on a page of rendering/pdf.py, with a QR code (segno) to its RSVP or its page.

Black on white, so it reads the same from a black-and-white printer; the theme's accent is a bar at the top.
Text is shaped with HarfBuzz: Arabic and Hebrew run right to left with their letters joined. Fonts are the
share images' (rendering/cards.py), embedded as subsets.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newsletter.models import Settings
from newsletter.rendering.cards import fonts_for

if TYPE_CHECKING:
    from newsletter.rendering.pdf import Face, Page

# CLDR's paperSize data (supplementalData.xml, measurementData): the territories that print on US Letter.
LETTER_TERRITORIES = frozenset({"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE"})
REPRODUCIBLE = 315532800  # 1980-01-01 00:00 UTC
PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}  # points
LINE = 0.45 * 72 / 25.4  # a line's height for each point of type: 0.45 mm
TITLE_HEIGHT = 90  # millimetres the title may take: four lines at its largest
LEGIBLE_TITLE = 24  # points: below this a title is too small to read from a few steps away (check says so)
OPENING = 420  # characters of the description's opening, at most: a flyer is read in passing


def paper(settings: Settings) -> str:
    """"letter" or "a4": the setting, else the group's region (its time zone's territory, else its language's)."""
    if settings.share.paper:
        return settings.share.paper
    from babel.core import get_global

    territory = get_global("zone_territories").get(settings.timezone_name or "")
    if territory is None:
        likely = get_global("likely_subtags").get(settings.language.replace("-", "_").split("_")[0], "")
        territory = likely.rsplit("_", 1)[-1] if likely else None
    return "letter" if territory in LETTER_TERRITORIES else "a4"


def opening_of(text: str) -> str:
    """`text` up to OPENING characters, cut after a word."""
    text = " ".join(text.split())
    if len(text) <= OPENING:
        return text
    return text[:OPENING].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def flyer_pdf(facts: dict[str, Any], settings: Settings) -> tuple[bytes, float]:
    """The flyer's PDF, and the size its title is set in (points). `facts`: kicker, title, when, notice (lines),
    where, address, opening, link, link_label, name; each may be empty but the title."""
    import segno

    from newsletter.colors import rgb
    from newsletter.rendering.pdf import MM, Page

    every = " ".join(str(value) for value in facts.values() if isinstance(value, str))
    bold_file, regular_file, face = fonts_for(every, settings.language)
    width_pt, height_pt = PAPER[paper(settings).lower()]
    page = Page(width_pt, height_pt)
    bold, regular = page.face(bold_file, face), page.face(regular_file, face)
    rtl = settings.direction == "rtl"
    margin = 20 * MM
    width = page.width - 2 * margin
    page.rect(0, 0, page.width, 10 * MM, rgb(settings.theme.accent))
    y = 24 * MM

    def place(lines: list[str], size: float, strong: bool = False, gap: float = 2.5, start: bool = True) -> None:
        """`lines` from `y` down, against the side a line starts on (or the other, `start=False`)."""
        nonlocal y
        if not lines:
            return
        right = rtl == start
        for line in lines:
            page.text(bold if strong else regular, size, margin + width if right else margin, y + size * LINE * 0.78,
                      line, rtl, right=right)
            y += size * LINE
        y += gap * MM

    def write(text: str, size: float, strong: bool = False, gap: float = 2.5, start: bool = True) -> None:
        """`text` in as many lines as it takes (see place())."""
        place(_lines(page, bold if strong else regular, size, text, width, rtl), size, strong, gap, start)

    write(facts.get("kicker", ""), 16, strong=True)
    size = 44.0
    while size > 10 and len(_lines(page, bold, size, facts["title"], width, rtl)) * size * LINE > TITLE_HEIGHT * MM:
        size -= 2
    write(facts["title"], size, strong=True, gap=6)
    write(facts.get("when", ""), 20, strong=True)
    for line in facts.get("notice", ()):
        write(line, 15)
    write(facts.get("where", ""), 18, strong=True, gap=0.5)
    write(facts.get("address", ""), 15, gap=6)
    foot = page.height - 20 * MM
    link = facts.get("link")
    side = 55 * MM
    top = foot - side - 14 * MM if link else foot - 4 * MM
    if facts.get("opening"):  # as many of its lines as fit above the QR code, the last one saying there is more
        lines = _lines(page, regular, 13, facts["opening"], width, rtl)
        room = max(int((top - 4 * MM - y) // (13 * LINE)), 0)
        if room < len(lines):
            lines = lines[:room]
            if lines:
                lines[-1] = lines[-1].rsplit(" ", 1)[0] + " …"
        place(lines, 13, gap=6)
    if link:
        code = segno.make(link, error="m")
        x = margin if rtl else page.width - margin - side
        module = side / (code.symbol_size(border=4)[0])
        page.rect(x, top, side, side, (255, 255, 255))
        for row, modules in enumerate(code.matrix_iter(border=4)):
            for column, dark in enumerate(modules):
                if dark:
                    page.rect(x + column * module, top + row * module, module * 1.02, module * 1.02, (0, 0, 0))
        page.link(x, top, side, side, link)
        y = top + side + 1 * MM
        write(facts.get("link_label", ""), 12, strong=True, gap=0, start=False)
        write(link, 9, gap=0, start=False)
    y = foot
    write(facts.get("name", ""), 13, strong=True, gap=0)
    # The same event makes the same bytes (a flyer from the cache is the flyer made again): the date is
    # SOURCE_DATE_EPOCH's, as reproducible builds set it, or 1980-01-01, the customary "no date".
    created = datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", REPRODUCIBLE)), UTC)
    return page.write(facts["title"], settings.language, created.strftime("D:%Y%m%d%H%M%SZ")), size


def _lines(page: Page, font: Face, size: float, text: str, width: float, rtl: bool) -> list[str]:
    """`text` broken into the lines it takes at `size` within `width`: at spaces, and between the characters of
    scripts written without them (Chinese, Japanese); a word longer than a line is broken where it must be."""
    lines: list[str] = []
    line = ""
    for piece in _pieces(" ".join(text.split())):
        trial = line + piece
        if line and page.line_width(font, size, trial.rstrip(), rtl) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
            while len(line) > 1 and page.line_width(font, size, line.rstrip(), rtl) > width:
                low, high = 1, len(line) - 1  # the longest start of it that fits (at least one character)
                while low < high:
                    middle = (low + high + 1) // 2
                    if page.line_width(font, size, line[:middle], rtl) <= width:
                        low = middle
                    else:
                        high = middle - 1
                lines.append(line[:low])
                line = line[low:]
        else:
            line = trial
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    """Where a line may break: after each space, and around each wide (CJK) character, except that closing
    punctuation (，。、」) stays with what it closes and opening punctuation (「（) with what it opens, so that
    no line starts with a comma or ends with an opening bracket, as Chinese and Japanese typesetting require."""
    import unicodedata

    pieces: list[str] = []
    opened = False  # the last piece ends with an opening mark: the next character joins it
    for char in text:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        kind = unicodedata.category(char)
        closing = kind in ("Pe", "Pf") or (wide and kind == "Po")
        joins = pieces and (opened or closing or (
            not wide and not pieces[-1].endswith(" ") and unicodedata.east_asian_width(pieces[-1][-1]) not in
            ("W", "F")))
        if joins:
            pieces[-1] += char
        else:
            pieces.append(char)
        opened = kind in ("Ps", "Pi")
    return pieces
