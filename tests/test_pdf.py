"""The flyer's page (newsletter/rendering/pdf.py) and its lines (rendering/flyer.py), read back with poppler
(pdftotext, pdffonts, pdfinfo, pdftoppm), which nobody on the project wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image

from newsletter.rendering.pdf import MM, Page
from test_share import fonts, pdf_tools

def dejavu() -> tuple[Path, Path]:
    from newsletter.rendering.cards import _find

    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    return _find("DejaVuSans-Bold.ttf"), _find("DejaVuSans.ttf")


def test_a_page_embeds_its_fonts_as_subsets_and_gives_its_words_back(tmp_path):
    pdf_tools()
    bold, regular = dejavu()
    page = Page(595.28, 841.89)
    strong, plain = page.face(bold), page.face(regular)
    assert page.face(bold) is strong  # one font object for each file and face
    page.rect(0, 0, page.width, 10 * MM, (29, 95, 180))
    page.text(strong, 30, 50, 100, "Tenants' Union Meeting", rtl=False)
    page.text(plain, 14, 50, 140, "Rent strike — grève des loyers", rtl=False)
    width = page.line_width(plain, 14, "עצרת הזדהות", rtl=True)
    page.text(plain, 14, page.width - 50 - width, 170, "עצרת הזדהות", rtl=True)
    page.link(50, 80, 300, 30, "https://example.org/rsvp")
    path = tmp_path / "page.pdf"
    path.write_bytes(page.write("Tenants' Union Meeting", "en", "D:19800101000000Z"))

    def poppler(*command: str, out: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        return subprocess.run([*command, str(path), *out], capture_output=True, text=True, check=True, timeout=60)

    info = poppler("pdfinfo")
    assert info.stderr == ""  # nothing poppler had to work around
    assert "Title:           Tenants' Union Meeting" in info.stdout and "Creator:         newsletter" in info.stdout
    assert "https://example.org/rsvp" in poppler("pdfinfo", "-url").stdout
    table = poppler("pdffonts").stdout.splitlines()[2:]
    assert len(table) == 2 and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in table)  # emb sub uni
    assert {row.split()[0].split("+")[1] for row in table} == {"DejaVuSans-Bold", "DejaVuSans"}
    text = poppler("pdftotext", "-layout", out=("-",)).stdout
    assert "Tenants' Union Meeting" in text and "Rent strike — grève des loyers" in text
    assert "עצרת הזדהות" in text.replace("\u202b", "").replace("\u202c", "")
    assert path.stat().st_size < 40_000  # the letters used, not the 6,000 glyphs of each font


def test_the_same_page_gives_the_same_bytes():
    """A flyer from the cache is the flyer made again, byte for byte."""
    bold, _ = dejavu()
    made = []
    for _ in range(2):
        page = Page(612, 792)
        page.text(page.face(bold), 20, 50, 50, "Saturday, January 27 · 12:00–2:00 pm", rtl=False)
        made.append(page.write("Rally", "en", "D:19800101000000Z"))
    assert made[0] == made[1]


def test_lines_break_at_spaces_and_between_chinese_characters_and_never_pass_the_width():
    from newsletter.rendering.flyer import _lines
    from newsletter.rendering.cards import _find

    fonts("NotoSansCJK-Regular.ttc")
    page = Page(595.28, 841.89)
    face = page.face(_find("NotoSansCJK-Regular.ttc"), 2)
    chinese = "我们将在联邦大楼前集会，要求让西哈姆与她的儿子团聚，并结束儿童与家庭服务部与移民局的合作。" * 3
    english = "Reunite Siham Byah with her son https://example.org/a/very/long/address/that/cannot/fit/" * 3
    for text in (chinese, english):
        lines = _lines(page, face, 13, text, 300, rtl=False)
        assert len(lines) > 3 and all(page.line_width(face, 13, line, False) <= 300 for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost where a line broke


def test_an_arabic_flyers_lines_are_set_against_the_right_margin(project):
    """A right-to-left flyer's title starts at the right margin."""
    from test_share import arabic_vigil

    pdf_tools()
    flyer = arabic_vigil(project) / "flyer.pdf"
    png = flyer.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", str(flyer), str(png)], check=True,
                   timeout=60)
    with Image.open(str(png) + ".png") as opened:
        image = opened.convert("L")
        title = [x for x in range(image.width) for y in range(110, 170, 2) if image.getpixel((x, y)) < 128]
        margin = round(20 * MM)
        assert abs(max(title) - (image.width - margin)) <= 8 and min(title) > margin + 40  # a letter's bearing


def test_no_chinese_line_starts_with_a_comma_or_ends_with_an_opening_bracket():
    from newsletter.rendering.cards import _find
    from newsletter.rendering.flyer import _lines

    fonts("NotoSansCJK-Regular.ttc")
    page = Page(595.28, 841.89)
    face = page.face(_find("NotoSansCJK-Regular.ttc"), 2)
    text = "我们在「联邦大楼」前集会，要求团聚。带上标语，邀请邻居！（中午十二点）" * 4
    for width in range(60, 300, 7):  # every width puts the breaks somewhere else
        lines = _lines(page, face, 13, text, width, rtl=False)
        assert "".join(lines) == text
        assert not any(line[0] in "，。！」）" for line in lines[1:]), lines
        assert not any(line[-1] in "「（" for line in lines[:-1]), lines
