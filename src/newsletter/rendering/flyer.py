"""A printable flyer for one event: a PDF page to put up in building lobbies and hand out, made with fpdf2 from
the announcement's view, with a QR code (segno) to its RSVP or its page.

Black on white, so it reads the same from a black-and-white printer; the theme's accent is a bar at the top.
Text is shaped with HarfBuzz (fpdf2's text shaping): Arabic and Hebrew run right to left with their letters
joined. Fonts are the share images' (rendering/cards.py), embedded as subsets.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from newsletter.models import Settings
from newsletter.rendering.cards import fonts_for

# CLDR's paperSize data (supplementalData.xml, measurementData): the territories that print on US Letter.
LETTER_TERRITORIES = frozenset({"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE"})
REPRODUCIBLE = 315532800  # 1980-01-01 00:00 UTC
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
    from fpdf import FPDF

    from newsletter.colors import rgb

    every = " ".join(str(value) for value in facts.values() if isinstance(value, str))
    bold_file, regular_file, face = fonts_for(every, settings.language)
    pdf = FPDF(format=paper(settings), unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    pdf.set_creator("newsletter")
    # The same event makes the same bytes (a flyer from the cache is the flyer made again): the date is
    # SOURCE_DATE_EPOCH's, as reproducible builds set it, or 1980-01-01, the customary "no date".
    pdf.set_creation_date(datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", REPRODUCIBLE)), UTC))
    pdf.set_title(facts["title"])
    pdf.set_lang(settings.language)
    pdf.add_font("Body", "", str(regular_file), collection_font_number=face)
    pdf.add_font("Body", "B", str(bold_file), collection_font_number=face)
    pdf.set_text_shaping(True)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    align = "R" if settings.direction == "rtl" else "L"
    pdf.set_fill_color(*rgb(settings.theme.accent))
    pdf.rect(0, 0, pdf.w, 10, style="F")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(24)

    def write(text: str, size: float, bold: bool = False, gap: float = 2.5) -> None:
        if not text:
            return
        pdf.set_font("Body", "B" if bold else "", size)
        pdf.multi_cell(width, size * 0.45, text, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(pdf.get_y() + gap)

    write(facts.get("kicker", ""), 16, bold=True)
    size = 44.0
    pdf.set_font("Body", "B", size)
    while size > 10 and len(_lines(pdf, width, size, facts["title"])) * size * 0.45 > TITLE_HEIGHT:
        size -= 2
        pdf.set_font("Body", "B", size)
    write(facts["title"], size, bold=True, gap=6)
    write(facts.get("when", ""), 20, bold=True)
    for line in facts.get("notice", ()):
        write(line, 15)
    write(facts.get("where", ""), 18, bold=True, gap=0.5)
    write(facts.get("address", ""), 15, gap=6)
    foot = pdf.h - 20
    link = facts.get("link")
    side = 55
    top = foot - side - 14 if link else foot - 4
    if facts.get("opening"):  # as many of its lines as fit above the QR code, the last one saying there is more
        pdf.set_font("Body", "", 13)
        lines = _lines(pdf, width, 13, facts["opening"])
        room = max(int((top - 4 - pdf.get_y()) // (13 * 0.45)), 0)
        if room < len(lines):
            lines = lines[:room]
            if lines:
                lines[-1] = lines[-1].rsplit(" ", 1)[0] + " …"
        write(" ".join(line.strip() for line in lines), 13, gap=6)
    if link:
        code = segno.make(link, error="m")
        image = BytesIO()
        code.save(image, kind="png", scale=10, border=4)
        image.seek(0)
        x = pdf.w - pdf.r_margin - side if align == "L" else pdf.l_margin
        pdf.image(image, x=x, y=top, w=side, h=side, alt_text=link)
        pdf.set_xy(pdf.l_margin, top + side + 1)
        pdf.set_font("Body", "B", 12)
        pdf.multi_cell(width, 5.5, facts.get("link_label", ""), align="R" if align == "L" else "L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Body", "", 9)
        pdf.multi_cell(width, 4.5, link, align="R" if align == "L" else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, foot)
    pdf.set_font("Body", "B", 13)
    pdf.multi_cell(width, 6, facts.get("name", ""), align=align)
    return bytes(pdf.output()), size


def _lines(pdf: Any, width: float, size: float, text: str) -> list[str]:
    """The lines `text` takes at `size` in the current font, measured without writing it."""
    found = pdf.multi_cell(width, size * 0.45, text, dry_run=True, output="LINES")
    return [str(line) for line in found]
