"""The sample digest as Chromium lays it out: on a phone, on a desktop, in dark mode."""

from __future__ import annotations

import pytest

from newsletter.outputs.build import build
from newsletter.colors import contrast, to_hex

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def digest_url(tmp_path_factory):
    from conftest import copy_sample

    root = copy_sample(tmp_path_factory.mktemp("sample"))
    build(root / "newsletter.toml", root / "events", week="2018-W04", out=root / "out")
    return (root / "out" / "digest.html").as_uri()


def open_page(browser, url, width, scheme="light"):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.goto(url)
    return page


def rgb_to_hex(value: str) -> str:
    numbers = value[value.index("(") + 1 : value.index(")")].split(",")[:3]
    return to_hex(*(float(n) for n in numbers))


def test_phone_shows_one_column_without_horizontal_scrolling(browser, digest_url):
    page = open_page(browser, digest_url, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    columns = page.eval_on_selector_all(
        ".mj-column-per-100", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert columns and all(width <= 375 for width in columns)
    page.close()


def test_desktop_content_is_at_most_600px_wide(browser, digest_url):
    page = open_page(browser, digest_url, 1280)
    widths = page.eval_on_selector_all("h1, h2, h3, p", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and max(widths) <= 600
    page.close()


def test_buttons_are_at_least_44px_square(browser, digest_url):
    page = open_page(browser, digest_url, 375)
    boxes = page.eval_on_selector_all(
        ".nl-button a", "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])"
    )
    assert boxes, "the sample week has a Donate button"
    for width, height in boxes:
        assert width >= 44 and height >= 44
    page.close()


TEXT_STYLES = """els => els.filter(e => e.innerText.trim()).map(e => {
        const s = getComputedStyle(e);
        let bg = 'rgba(0, 0, 0, 0)', node = e;
        while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
            bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
        }
        if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
        return [e.tagName, parseFloat(s.fontSize), s.color, bg];
    })"""


def test_body_text_is_16px_and_readable_in_light_and_dark(browser, digest_url):
    script = TEXT_STYLES
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = open_page(browser, digest_url, 375, scheme)
        for tag, size, color, background in page.eval_on_selector_all(".nl-text p, .nl-text li, .nl-text a, .nl-text h3", script):
            assert size >= 16, (scheme, tag, size)
            ratio = contrast(rgb_to_hex(color), rgb_to_hex(background))
            assert ratio >= 4.5, (scheme, tag, color, background, ratio)
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.close()
    assert backgrounds["light"] != backgrounds["dark"]


def test_archive_pages_read_well_on_a_phone(browser, tmp_path_factory):
    from click.testing import CliRunner
    import os
    import shutil
    from pathlib import Path

    from newsletter.cli import main

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path_factory.mktemp("archive")
    shutil.copy(repo / "newsletter.toml", root / "newsletter.toml")
    shutil.copytree(repo / "events", root / "events")
    here = os.getcwd()
    os.chdir(root)
    try:
        assert CliRunner().invoke(main, ["archive", "--today", "2018-01-18"]).exit_code == 0
    finally:
        os.chdir(here)
    for page in ("index.html", "2018-W04/index.html", "events/2018-01-25-metoo-fight-against-sexism/index.html"):
        view = open_page(browser, (root / "site" / page).as_uri(), 375)
        assert view.evaluate("document.documentElement.scrollWidth") <= 375, page
        assert view.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
        view.close()


@pytest.fixture(scope="module")
def notice_url(tmp_path_factory):
    """The seed's rescheduled study group, as its change notice."""
    from datetime import date
    from pathlib import Path

    from newsletter.outputs.announce import find_event, render_announcement_files
    from newsletter.outputs.project import load_project

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path_factory.mktemp("notice")
    project = load_project(repo / "newsletter.toml", repo / "events")
    event = find_event(project, "2018-01-11-united-front-study-group", repo / "events")
    files = render_announcement_files(project, event, date(2018, 1, 9))
    (root / "notice.html").write_bytes(files.outputs["announcement.html"])
    return (root / "notice.html").as_uri()


def test_change_notice_on_a_phone_opens_with_the_change_and_reads_in_both_schemes(browser, notice_url):
    for scheme in ("light", "dark"):
        page = open_page(browser, notice_url, 375, scheme)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        notice = page.eval_on_selector(".nl-notice", "e => e.getBoundingClientRect().top")
        title = page.eval_on_selector("h1", "e => e.getBoundingClientRect().top")
        assert notice < title < 800, (notice, title)  # the change is above the title, both on the first screen
        for tag, size, color, background in page.eval_on_selector_all(".nl-text p, .nl-text li, .nl-text a, .nl-text h1", TEXT_STYLES):
            assert size >= 16, (scheme, tag, size)
            assert contrast(rgb_to_hex(color), rgb_to_hex(background)) >= 4.5, (scheme, tag, color, background)
        page.close()


# Scanning a week: the agenda, the buttons, a busy week shortened to fit ----------------

@pytest.fixture(scope="module")
def busy_url(tmp_path_factory):
    """A generated week of 30 events with long descriptions, and a button with a long label, shortened to fit."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from busy_week import write_busy_week
    from conftest import SETTINGS

    root = tmp_path_factory.mktemp("busy")
    # Room for some entries in full: the compact entries' buttons are what is measured here.
    (root / "newsletter.toml").write_text(SETTINGS + 'archive_url = "https://example.org/news/"\n'
                                          '[digest]\nmax_html_kb = 95\n')
    write_busy_week(root / "events", 30)
    (root / "events" / "drive.md").write_text(
        "---\ntitle: \"Fund drive: Emergency relief for the tenants of 88 Elm after the fire\"\nkind: fund-drive\n"
        "start: 2018-01-24\nend: 2018-02-10\nshort_title: the 88 Elm Street fire relief fund for families\n"
        "donate: https://example.org/give\n---\nEvery dollar goes to the families.\n")
    result = build(root / "newsletter.toml", root / "events", week="2018-W04", out=root / "out")
    assert result.sent_bytes <= 95_000 and result.shortened and result.squeeze is None
    return (root / "out" / "digest.html").as_uri()


@pytest.fixture(params=["sample", "busy"])
def any_digest(request, digest_url, busy_url):
    return {"sample": digest_url, "busy": busy_url}[request.param]


@pytest.mark.parametrize("width", [375, 1024])
def test_no_horizontal_scroll_and_every_button_label_shows_whole(browser, any_digest, width):
    page = open_page(browser, any_digest, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    buttons = page.eval_on_selector_all(
        "table.nl-button a", "els => els.map(e => [e.innerText, e.scrollWidth, e.clientWidth, "
                             "e.getBoundingClientRect().right])")
    assert buttons
    for label, scroll_width, client_width, right in buttons:
        assert "…" not in label and scroll_width <= client_width and right <= min(width, 600 + (width - 600) / 2), label
    page.close()


def test_the_agenda_is_on_the_first_screen_of_a_phone(browser, any_digest):
    page = browser.new_page(viewport={"width": 375, "height": 667})
    page.goto(any_digest)
    heading = page.eval_on_selector(".nl-agenda h2", "e => e.getBoundingClientRect().bottom")
    first = page.eval_on_selector(".nl-agenda li", "e => e.getBoundingClientRect().bottom")
    assert heading < first <= 667
    page.close()


def test_busy_week_reads_at_16px_with_enough_contrast_in_light_and_dark(browser, busy_url):
    for scheme in ("light", "dark"):
        page = open_page(browser, busy_url, 375, scheme)
        found = page.eval_on_selector_all(".nl-text p, .nl-text li, .nl-text a, .nl-text h3", TEXT_STYLES)
        assert len(found) > 200
        for tag, size, color, background in found:
            assert size >= 16, (scheme, tag, size)
            assert contrast(rgb_to_hex(color), rgb_to_hex(background)) >= 4.5, (scheme, tag, color, background)
        page.close()


def test_agenda_links_land_on_their_entries(browser, any_digest):
    page = open_page(browser, any_digest, 375)
    links = page.eval_on_selector_all(".nl-agenda a", "els => els.map(e => [e.getAttribute('href'), e.innerText])")
    assert links
    for href, title in links[:: max(1, len(links) // 6)]:  # a spread of them, top to bottom
        page.evaluate("window.scrollTo(0, 0)")
        page.click(f".nl-agenda a[href='{href}']")
        page.wait_for_function(f"location.hash === '{href}'")
        landed = page.evaluate(f"""() => {{
            const target = document.getElementById({href[1:]!r});
            return [target.tagName, target.innerText, target.getBoundingClientRect().top, window.scrollY];
        }}""")
        tag, text, top, scrolled = landed
        assert tag == "H3" and text == title
        assert scrolled > 0 and abs(top) <= 2 or top >= 0 and page.evaluate(
            "window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1"), landed
    page.close()


def test_a_time_range_stays_on_one_line_on_a_narrow_phone(browser, tmp_path):
    (tmp_path / "newsletter.toml").write_text('name = "N"\ntimezone = "America/New_York"\n')
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "a.md").write_text("---\ntitle: Workshop\nkind: meeting\nstart: 2018-01-24 10:00\n"
                                              "end: \"13:00\"\n---\n")
    build(tmp_path / "newsletter.toml", tmp_path / "events", week="2018-W04", out=tmp_path / "out")
    page = open_page(browser, (tmp_path / "out" / "digest.html").as_uri(), 400)
    split_at = []
    for width in range(250, 451, 2):  # every width where the line could break, inside the range or not
        page.set_viewport_size({"width": width, "height": 800})
        lines = page.evaluate("""() => {
            const node = document.querySelector('.nl-details').firstChild.nextSibling;
            const text = node.textContent, at = text.indexOf('10:00');
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, text.indexOf('pm', text.indexOf('1:00')) + 2);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }""")
        if lines != 1:
            split_at.append(width)
    assert split_at == []
    page.close()


# Every visible line: rules between entries, section bars, the notice's bar, the footer rule.
BORDERS = """(elements) => {
  const found = [];
  const backgroundOf = (e) => {
    for (let node = e; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (color && color !== "rgba(0, 0, 0, 0)" && color !== "transparent") return color;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  for (const e of elements) {
    const style = getComputedStyle(e);
    for (const side of ["Top", "Right", "Bottom", "Left"]) {
      if (parseFloat(style["border" + side + "Width"]) >= 1 && style["border" + side + "Style"] !== "none") {
        found.push([e.tagName + "." + e.className, side, style["border" + side + "Color"], backgroundOf(e.parentElement || e)]);
      }
    }
  }
  return found;
}"""


@pytest.mark.parametrize("which", ["digest", "busy", "notice"])
def test_rules_and_section_bars_stand_out_3_to_1_in_light_and_dark(browser, digest_url, busy_url, notice_url, which):
    url = {"digest": digest_url, "busy": busy_url, "notice": notice_url}[which]
    for scheme in ("light", "dark"):
        page = open_page(browser, url, 375, scheme)
        lines = page.eval_on_selector_all("body *", BORDERS)
        page.close()
        kinds = {name for name, *_ in lines}
        assert any("nl-footer-rule" in name or name.startswith("P.") for name in kinds), kinds
        for name, side, color, background in lines:
            ratio = contrast(rgb_to_hex(color), rgb_to_hex(background))
            assert ratio >= 3, (scheme, name, side, color, background, round(ratio, 2))
        if which == "digest":
            assert {"H2.nl-section nl-bar-agenda", "H2.nl-section nl-bar-meeting", "P."} <= kinds, kinds
        if which == "busy":
            assert "HR.nl-rule" in kinds, kinds


def test_with_images_blocked_an_event_image_does_not_widen_the_phone_layout(browser, tmp_path):
    from conftest import copy_sample

    root = copy_sample(tmp_path)
    rally = root / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
    rally.write_text(rally.read_text().replace(
        "summary:", "image:\n  src: https://example.org/rally.jpg\n  alt: Marchers outside the State House\n"
        "  width: 1200\n  height: 800\nsummary:", 1))
    build(root / "newsletter.toml", root / "events", week="2018-W04", out=root / "out")
    url = (root / "out" / "digest.html").as_uri()
    for blocked in (True, False):
        context = browser.new_context(viewport={"width": 375, "height": 800})
        # Many mail clients block images until asked; the address is unreachable here either way.
        context.route("**/*.jpg", lambda route, blocked=blocked: route.abort() if blocked else route.fulfill(
            status=200, content_type="image/svg+xml",
            body='<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"/>'))
        page = context.new_page()
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, blocked
        image = page.eval_on_selector("img.nl-image", "e => e.getBoundingClientRect().width")
        assert 0 < image <= 375, (blocked, image)
        context.close()
    desktop = browser.new_page(viewport={"width": 1024, "height": 800})
    desktop.goto(url)
    assert desktop.eval_on_selector("img.nl-image", "e => e.getBoundingClientRect().width") == 552
    desktop.close()


def test_an_arabic_digest_and_notice_lay_out_right_to_left_in_every_text_element(browser, tmp_path):
    from click.testing import CliRunner

    from conftest import copy_sample
    from newsletter.cli import main

    root = copy_sample(tmp_path)
    config = root / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"', 'name = "ISO Boston Events"\nlanguage = "ar"'))
    runner = CliRunner()
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        for args in (["build", "--week", "2018-W04", "--out", "digest"],
                     ["announce", "2018-01-11-united-front-study-group", "--today", "2018-01-09", "--out", "notice"]):
            result = runner.invoke(main, args)
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(here)
    for name in ("digest/digest.html", "notice/announcement.html"):
        page = open_page(browser, (root / name).as_uri(), 375)
        found = page.eval_on_selector_all(
            "body p, body li, body h1, body h2, body h3, body td, body a",
            "els => els.filter(e => e.innerText.trim()).map(e => [e.tagName, getComputedStyle(e).direction])")
        assert len(found) > 40
        wrong = [tag for tag, direction in found if direction != "rtl"]
        assert wrong == [], (name, len(wrong), len(found))
        page.close()
