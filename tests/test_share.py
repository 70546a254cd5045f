"""The share folder: chat messages, posts and share images written beside each email, read back the way the
services and an image reader see them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import REPO, require
from newsletter.cli import main
from newsletter.colors import contrast, to_hex

EVENTS = ["2018-01-11-united-front-study-group", "2018-01-15-cersc-fund-drive",
          "2018-01-24-socialists-in-solidarity-with-syria", "2018-01-25-metoo-fight-against-sexism",
          "2018-01-27-justice-for-siham-and-naseem-rally"]
TEXTS = ["whatsapp.txt", "telegram.txt", "signal.txt", "mastodon.txt", "bluesky.txt", "card.txt"]
LINK = re.compile(r"https?://\S+")


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def counted(texts: list[str]) -> list[dict]:
    """Each text's length counted by node's Intl.Segmenter: graphemes, Mastodon's count, UTF-16 units."""
    node = shutil.which("node")
    require(node is not None, "Node.js (`sudo apt-get install nodejs`)")
    done = subprocess.run([node, str(REPO / "tests" / "count_posts.mjs")], input=json.dumps(texts),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def fonts(*names: str) -> None:
    """The font files the images need, or a skip (a failure in CI) saying which package has them."""
    from newsletter.rendering.cards import _find

    require(all(_find(name) for name in names),
            "the share images' fonts (`sudo apt-get install fonts-dejavu-core fonts-noto-cjk`)")


def share_folders(sample: Path) -> list[Path]:
    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    run("build", "--week", "2018-W04")
    for name in EVENTS:
        run("announce", name, "--today", "2018-01-05")
    return [sample / "dist" / "2018-W04" / "share", *(sample / "dist" / "announce" / e / "share" for e in EVENTS)]


def colors_of(path: Path) -> tuple[str, str, Image.Image]:
    """An image's background (its commonest colour) and its text colour (the one farthest from it)."""
    with Image.open(path) as found:
        image = found.convert("RGB")
    counts = Counter(image.get_flattened_data())
    background = counts.most_common(1)[0][0]
    ink = max(counts, key=lambda c: sum(abs(a - b) for a, b in zip(c, background, strict=True)))
    return to_hex(*background), to_hex(*ink), image


def test_every_email_gets_its_messages_posts_and_images(sample):
    folders = share_folders(sample)
    for folder in folders:
        found = sorted(p.name for p in folder.iterdir())
        flyer = ["flyer.pdf"] if "announce" in folder.parts else []  # an event's, not a week's
        assert found == sorted([*TEXTS, "card.png", "square.png", *flyer]), folder
        texts = {name: (folder / name).read_text(encoding="utf-8") for name in TEXTS}
        for name, text in texts.items():
            assert "<" not in text and "](" not in text, (folder, name)  # no HTML, no Markdown links
            assert text.endswith("\n") and not text.startswith("\n") and "\n\n\n" not in text
        first = {name: text.splitlines()[0] for name, text in texts.items()}
        plain = first["signal.txt"]
        assert first["whatsapp.txt"] == f"*{plain}*" and first["telegram.txt"] == f"**{plain}**"
        assert first["mastodon.txt"] == plain and first["bluesky.txt"] == plain
        # Every link is written out whole, https, and the same in every text that has room for it
        for name in TEXTS[:5]:
            assert LINK.findall(texts[name]), (folder, name)
            assert all(url.startswith("https://example.org/") or url.startswith("https://") for url in
                       LINK.findall(texts[name]))
    rally = folders[-1]
    text = (rally / "whatsapp.txt").read_text()
    assert "_Saturday, January 27 · 12:00–2:00 pm_" in text.splitlines()
    assert "Where: JFK Federal Building, Boston, MA" in text.splitlines()
    assert "Read more: https://example.org/iso-boston/events/2018-01-27-justice-for-siham-and-naseem-rally/" in text
    week = (folders[0] / "signal.txt").read_text().splitlines()
    assert week[0] == "ISO Boston Events: January 22–28, 2018"
    assert "• Sat 1/27 · 12:00 pm #Justice4Siham & #Justice4Naseem Rally" in week
    assert week[-1] == "Read more: https://example.org/iso-boston/2018-W04/"


def test_a_change_notice_says_what_changed_first(sample):
    folder = share_folders(sample)[1]
    lines = (folder / "signal.txt").read_text().splitlines()
    assert lines[0].startswith("RESCHEDULED: Left Organizing Tactics in the Age of Trump")
    assert lines[1] == "Thursday, January 11 · 7:00–9:00 pm"
    assert lines[2] == "Moved from Thursday, January 4, 7:00 pm"


def test_posts_are_within_each_services_limit_as_the_services_count(sample):
    folders = share_folders(sample)
    texts = [(folder / name).read_text(encoding="utf-8") for folder in folders
             for name in ("mastodon.txt", "bluesky.txt", "telegram.txt")]
    counts = counted(texts)
    for index, found in enumerate(counts):
        kind = ("mastodon", "bluesky", "telegram")[index % 3]
        limit = {"mastodon": found["mastodon"] <= 500, "bluesky": found["graphemes"] <= 300,
                 "telegram": found["utf16"] <= 4096}
        assert limit[kind], (kind, texts[index])


def test_a_long_event_is_shortened_for_bluesky_but_keeps_its_title_time_and_link(project):
    long_words = "Our neighbours need us. " * 30
    project.event("2026-03-05-hearing.md", f"""
        ---
        title: Public hearing on the rent stabilization ordinance and the tenant protection package at City Hall
        kind: meeting
        start: 2026-03-05 18:00
        summary: {long_words.strip()}
        location:
          name: Boston City Hall, Iannella Chamber, fifth floor
          address: 1 City Hall Square, Boston, MA 02201
        rsvp: https://example.org/rsvp/hearing-on-the-rent-stabilization-ordinance-and-tenant-protections
        ---
        """)
    run("announce", "2026-03-05-hearing", "--today", "2026-03-01")
    folder = project.root / "dist" / "announce" / "2026-03-05-hearing" / "share"
    whatsapp = (folder / "whatsapp.txt").read_text()
    bluesky = (folder / "bluesky.txt").read_text()
    assert long_words.strip() in whatsapp and long_words.strip() not in bluesky
    assert counted([bluesky])[0]["graphemes"] <= 300
    assert "Public hearing on the rent stabilization ordinance" in bluesky and "Thursday, March 5" in bluesky
    assert "https://example.org/rsvp/hearing-on-the-rent-stabilization-ordinance-and-tenant-protections" in bluesky


def announced_meeting(project, settings: str = "", fields: str = "", body: str = "") -> Path:
    """A building meeting announced, with `settings` added to newsletter.toml and `fields` to its front matter;
    its share folder."""
    project.config.write_text(project.config.read_text() + settings)
    project.event("2026-03-05-meeting.md", "---\ntitle: Building meeting\nkind: meeting\nstart: 2026-03-05 18:00\n"
                  f"{fields}---\n{body}")
    run("announce", "2026-03-05-meeting", "--today", "2026-03-01")
    return project.root / "dist" / "announce" / "2026-03-05-meeting" / "share"


def test_hashtags_from_the_settings_end_every_post_and_no_message(project):
    folder = announced_meeting(project, '\n[share]\nhashtags = ["TenantsUnion", "#RentStrike"]\n')
    for name in ("mastodon.txt", "bluesky.txt"):
        assert (folder / name).read_text().splitlines()[-1] == "#TenantsUnion #RentStrike"
    for name in ("whatsapp.txt", "telegram.txt", "signal.txt"):
        assert "#TenantsUnion" not in (folder / name).read_text()


@pytest.mark.parametrize("table, message", [
    ('[share]\nhashtags = ["Rent Strike"]', "share.hashtags: 'Rent Strike' is not a hashtag"),
    ('[share]\nimages = "no"', "share.images: must be true or false"),
    ('[share]\ncolour = "red"', "share.colour"),
])
def test_a_wrong_share_setting_is_one_line_naming_it(project, table, message):
    project.config.write_text(project.config.read_text() + "\n" + table + "\n")
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code != 0
    line = next(line for line in result.output.splitlines() if "share." in line)
    assert line.startswith("newsletter.toml:") and message in line, result.output


def test_images_are_the_right_size_legible_and_inside_their_margins(sample):
    for folder in share_folders(sample):
        for name, size in (("card.png", (1200, 630)), ("square.png", (1080, 1080))):
            background, ink, image = colors_of(folder / name)
            assert image.size == size
            assert contrast(background, ink) >= 4.5, (folder, name, background, ink)
            # Nothing is drawn in the outer half of the margin: no text overflows the picture's edges
            margin = round(size[0] * 0.06) // 2
            inside = Image.new("RGB", size, background)
            inside.paste(image.crop((margin, margin, size[0] - margin, size[1] - margin)), (margin, margin))
            assert list(inside.get_flattened_data()) == list(image.get_flattened_data()), (folder, name)


def test_the_card_says_what_its_alt_text_says(sample):
    folder = share_folders(sample)[-1]
    alt = (folder / "card.txt").read_text()
    assert alt.startswith("Rally: #Justice4Siham & #Justice4Naseem Rally. Saturday, January 27 · 12:00–2:00 pm. "
                          "JFK Federal Building, Boston, MA.")


def test_a_title_too_long_for_the_card_shrinks_and_check_says_so(project):
    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    title = ("Long title words " * 40).strip()
    project.event("2026-03-05-long.md", f"""
        ---
        title: {title}
        kind: meeting
        start: 2026-03-05 18:00
        ---
        """)
    run("announce", "2026-03-05-long", "--today", "2026-03-01")
    card = project.root / "dist" / "announce" / "2026-03-05-long" / "share" / "card.png"
    with Image.open(card) as image:
        assert image.size == (1200, 630)
    result = CliRunner().invoke(main, ["check", "--event", "2026-03-05-long", "--today", "2026-03-01"])
    assert "the title had to shrink to" in result.output and "share image" in result.output
    assert "the flyer's title had to shrink to" in result.output
    if all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm", "pdffonts", "zbarimg")):
        text, _, _ = flyer_of(card.with_name("flyer.pdf"))
        assert " ".join(title.split()) in text  # every word of it, however small


def arabic_vigil(project) -> Path:
    """An Arabic group's vigil, announced; its share folder."""
    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    project.config.write_text('language = "ar"\n' + project.config.read_text())
    project.event("2026-03-05-vigil.md", """
        ---
        title: وقفة تضامنية مع سوريا
        kind: rally
        start: 2026-03-05 18:00
        ---
        """)
    run("announce", "2026-03-05-vigil", "--today", "2026-03-01")
    return project.root / "dist" / "announce" / "2026-03-05-vigil" / "share"


def test_arabic_runs_right_to_left_and_chinese_has_its_glyphs(project):
    folder = arabic_vigil(project)
    background, _, image = colors_of(folder / "card.png")
    inked = [x for x in range(image.width) for y in range(60, 330, 3) if to_hex(*image.getpixel((x, y))) != background]
    margin = round(image.width * 0.06)
    assert abs(max(inked) - (image.width - margin)) <= 8 and min(inked) > margin + 40  # set against the right margin
    assert "وقفة تضامنية مع سوريا" in (folder / "whatsapp.txt").read_text()

    from newsletter.rendering.cards import fonts_for

    fonts("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc")
    bold, _, face = fonts_for("2018年1月22日", "zh")
    assert bold.name.startswith("NotoSansCJK") and face == 2
    assert fonts_for("وقفة", "zh")[0].name == "DejaVuSans-Bold.ttf"  # Arabic in a Chinese week keeps its letters


def test_without_the_fonts_the_email_is_written_and_the_images_are_named_missing(sample, monkeypatch):
    from newsletter.rendering import cards

    monkeypatch.setattr(cards, "font_dirs", lambda: [])
    cards._find.cache_clear()
    cards.fonts_for.cache_clear()
    try:
        result = CliRunner().invoke(main, ["build", "--week", "2018-W04"])
    finally:
        cards._find.cache_clear()
        cards.fonts_for.cache_clear()
    assert result.exit_code == 0, result.output
    folder = sample / "dist" / "2018-W04"
    assert (folder / "digest.html").exists() and (folder / "share" / "whatsapp.txt").exists()
    assert not (folder / "share" / "card.png").exists()
    line = next(line for line in result.output.splitlines() if "share images" in line)
    assert "sudo apt-get install fonts-dejavu-core" in line


def test_images_can_be_turned_off(project):
    folder = announced_meeting(project, "\n[share]\nimages = false\n")
    assert sorted(p.name for p in folder.iterdir()) == sorted(TEXTS[:5])


def test_a_link_that_is_not_https_is_reported(project):
    project.event("2026-03-05-meeting.md", """
        ---
        title: Building meeting
        kind: meeting
        start: 2026-03-05 18:00
        rsvp: http://example.org/rsvp
        ---
        """)
    result = CliRunner().invoke(main, ["check", "--event", "2026-03-05-meeting", "--today", "2026-03-01"])
    assert "the link http://example.org/rsvp in the share texts is not https" in result.output


def test_graphemes_are_counted_as_unicode_says_with_or_without_the_shortcut():
    """The count of plain Latin and CJK text, taken without the regex module, is the regex module's count."""
    import regex
    from hypothesis import given, settings, strategies as st

    from newsletter.rendering.share import graphemes

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("aé·–—…“”‘’ 1\n\t#&年月日") + ["\u0301", "\u200d", "👍", "🏽", "\r",
                                                                              "\U0001f1fa", "\U0001f1f8", "ا", "ُ"])))
    def same(text: str) -> None:
        assert graphemes(text) == len(regex.findall(r"\X", text))

    same()
    assert graphemes("Rally · 12:00–2:00 pm") == 21 and graphemes("👍🏽 e\u0301") == 3


# The flyer, read back with poppler's pdftotext and pdfinfo, and its QR code with zbar ---------------------------

def pdf_tools() -> None:
    require(all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm", "pdffonts", "zbarimg")),
            "poppler-utils and zbar-tools (`sudo apt-get install poppler-utils zbar-tools`)")


def flyer_of(path: Path) -> tuple[str, str, list[str]]:
    """What a flyer says (pdftotext), its page size (pdfinfo), and what its QR codes hold (zbarimg on the page)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    size = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size"))
    page = path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", str(path), str(page)], check=True,
                   timeout=60)
    codes = subprocess.run(["zbarimg", "-q", "--raw", str(page) + ".png"], capture_output=True, text=True,
                           timeout=60).stdout.split()
    return " ".join(text.split()), size, codes


def test_an_events_flyer_says_what_when_where_and_opens_its_page_from_the_qr_code(sample):
    pdf_tools()
    folders = share_folders(sample)
    assert not (folders[0] / "flyer.pdf").exists()  # a week has no flyer: each event has its own
    rally = EVENTS[-1]
    text, size, codes = flyer_of(folders[-1] / "flyer.pdf")
    assert "#Justice4Siham & #Justice4Naseem Rally" in text
    assert "Saturday, January 27 · 12:00–2:00 pm" in text and "JFK Federal Building Boston, MA" in text
    assert "Reunite Siham Byah with her son" in text and text.endswith("ISO Boston Events")
    assert codes == [f"https://example.org/iso-boston/events/{rally}/"]
    assert "(letter)" in size  # a group in New York prints on US Letter
    text, _, _ = flyer_of(folders[1] / "flyer.pdf")
    assert text.startswith("RESCHEDULED Left Organizing Tactics in the Age of Trump")
    assert "Moved from Thursday, January 4, 7:00 pm" in text


def test_a_flyer_opens_the_rsvp_and_prints_on_a4_outside_the_americas(project):
    pdf_tools()
    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    project.config.write_text(project.config.read_text().replace("America/New_York", "Europe/Berlin"))
    flyer = announced_meeting(project, fields="rsvp: https://example.org/rsvp/building-meeting\n",
                              body="We meet in the laundry room.\n") / "flyer.pdf"
    text, size, codes = flyer_of(flyer)
    assert "(A4)" in size and codes == ["https://example.org/rsvp/building-meeting"]
    assert "We meet in the laundry room." in text
    project.config.write_text(project.config.read_text() + '\n[share]\npaper = "Letter"\n')
    run("announce", "2026-03-05-meeting", "--today", "2026-03-01")
    assert "(letter)" in flyer_of(flyer)[1]


def test_an_arabic_flyer_keeps_its_words_in_the_pdfs_text(project):
    pdf_tools()
    text, _, _ = flyer_of(arabic_vigil(project) / "flyer.pdf")
    assert "وقفة تضامنية مع سوريا" in text.replace("\u202b", "").replace("\u202c", "")


def test_an_arabic_week_and_a_bilingual_week_get_their_share_folders_in_their_languages(sample):
    """The sample week written in Arabic, and with a Spanish edition beside the English one."""
    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    config = sample / "newsletter.toml"
    english = config.read_text()
    config.write_text('language = "ar"\n' + english)
    run("build", "--week", "2018-W04", "--out", "arabic")
    folder = sample / "arabic" / "share"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*TEXTS, "card.png", "square.png"])
    signal = (folder / "signal.txt").read_text().splitlines()
    assert signal[0].startswith("ISO Boston Events: ") and "يناير" in signal[0]
    assert signal[-1].startswith("اقرأ المزيد: https://example.org/iso-boston/2018-W04/")
    background, _, image = colors_of(folder / "card.png")
    inked = [x for x in range(image.width) for y in range(40, 120, 2) if to_hex(*image.getpixel((x, y))) != background]
    assert abs(max(inked) - (image.width - round(image.width * 0.06))) <= 8  # the kicker, set against the right
    config.write_text(english.replace('name = "ISO Boston Events"',
                                      'name = "ISO Boston Events"\nlanguages = ["en", "es"]\nbilingual = "separate"'))
    run("build", "--week", "2018-W04", "--out", "both")
    spanish = (sample / "both" / "es" / "share" / "whatsapp.txt").read_text()
    assert "_mié, 24/1 · 18:30_" in spanish and "Sigue leyendo: https://example.org/iso-boston/es/2018-W04/" in spanish
    assert (sample / "both" / "en" / "share" / "whatsapp.txt").read_text().startswith(
        "*ISO Boston Events: January 22–28, 2018*")
    with Image.open(sample / "both" / "es" / "share" / "square.png") as square:
        assert square.size == (1080, 1080)


def test_a_chinese_flyer_is_set_in_noto_sans_cjk_and_keeps_its_words(sample):
    pdf_tools()
    fonts("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc")
    config = sample / "newsletter.toml"
    config.write_text('language = "zh"\n' + config.read_text())
    run("announce", EVENTS[-1], "--today", "2018-01-20")
    flyer = sample / "dist" / "announce" / EVENTS[-1] / "share" / "flyer.pdf"
    text, _, codes = flyer_of(flyer)
    assert "1月27日星期六 · 12:00–14:00" in text and text.startswith("集会")
    assert codes == [f"https://example.org/iso-boston/events/{EVENTS[-1]}/"]
    fonts_used = subprocess.run(["pdffonts", str(flyer)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "+NotoSansCJKsc-" in fonts_used  # the Simplified Chinese face of the collection, embedded as a subset


def test_a_busy_weeks_images_and_alt_text_show_the_same_agenda_and_say_there_is_more(project):
    """A week of 30 events does not fit a 1200×630 card: the card shows as many whole entries as fit and "…",
    the square shows the same entries (though it has room for more), and card.txt says exactly those."""
    from busy_week import write_busy_week

    from newsletter.outputs.build import render_week
    from newsletter.outputs.project import load_project
    from newsletter.rendering.cards import CARD, SQUARE
    from newsletter.schedule.dates import parse_week

    fonts("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
    write_busy_week(project.events, 30, paragraphs=1)
    loaded = load_project(project.config, project.events, cache=False)
    week = parse_week("2018-W04", loaded.settings.week_start, loaded.settings.timezone)
    share = render_week(loaded, week).share
    assert share is not None
    agenda = share.card().lines
    shown = share.drawn(CARD).shown
    assert 3 <= shown < len(agenda) == 30
    assert share.drawn(SQUARE).shown == shown
    alt = [line for line in share.alt_text().splitlines() if line.strip()]
    listed = [line for line in alt if line in agenda]
    assert listed == list(agenda[:shown]) and alt[alt.index(listed[-1]) + 1] == "…"
    CliRunner().invoke(main, ["build", "--week", "2018-W04", "--out", "out"])  # clipped at 102 KB: it says so
    assert (project.root / "out" / "share" / "card.txt").read_text().strip() == share.alt_text().strip()
