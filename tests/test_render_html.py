"""The HTML email, parsed and checked the way a reader's client would meet it."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Comment

from newsletter.outputs.build import build
from newsletter.colors import contrast

W04 = dict(week="2018-W04")


@pytest.fixture
def sample_html(sample) -> str:
    result = build(sample / "newsletter.toml", sample / "events", **W04)
    return result.outputs["digest.html"].decode("utf-8")


@pytest.fixture
def soup(sample_html) -> BeautifulSoup:
    return BeautifulSoup(sample_html, "html.parser")


def style_of(tag) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in (tag.get("style") or "").split(";") if ":" in part)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def test_document_has_language_direction_title_and_doctype(sample_html, soup):
    assert sample_html.lstrip().lower().startswith("<!doctype html>")
    assert soup.html["lang"] == "en" and soup.html["dir"] == "ltr"
    assert soup.title.get_text() == "ISO Boston Events: January 22–28, 2018"


def test_head_tells_apple_mail_and_ios_to_leave_the_layout_and_links_alone(soup):
    metas = {m.get("name"): m.get("content") for m in soup.head.find_all("meta") if m.get("name")}
    assert "x-apple-disable-message-reformatting" in metas
    assert metas["format-detection"] == "telephone=no, date=no, address=no, email=no, url=no"
    assert metas["viewport"] == "width=device-width, initial-scale=1"


def test_hidden_preheader_comes_first(soup):
    first = soup.body.find("div", class_="nl-preheader")
    assert first is not None
    assert "display:none" in first["style"].replace(" ", "")
    assert first.get_text().startswith("This week: Sat: #Justice4Siham & #Justice4Naseem Rally; Thu: #MeToo")
    assert "color" not in style_of(first)  # no text coloured like its background


def test_one_h1_and_no_skipped_heading_levels(soup):
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_sections_in_kind_order_with_ongoing_last(soup):
    assert [h.get_text(strip=True) for h in soup.find_all("h2")] == [
        "This week", "Rallies & actions", "Meetings", "Panels & talks", "Ongoing",
    ]
    assert [h.get_text(strip=True) for h in soup.find_all("h3")] == [
        "#Justice4Siham & #Justice4Naseem Rally",
        "#MeToo: The Fight Against Sexism in the Era of Trump",
        "Socialists in Solidarity with Syria: A Panel & Discussion",
        "Fund drive: Center for Economic Research & Social Change",
    ]


def test_dates_and_ongoing_are_written_for_people(soup):
    text = " ".join(soup.get_text(" ", strip=True).replace("\u2060", "").split())
    assert "When: Saturday, January 27 · 12:00–2:00 pm" in text
    assert "When: Through Saturday, February 10" in text
    assert "Where: to be announced" in text


def test_layout_tables_are_presentational(soup):
    tables = soup.find_all("table")
    assert tables and all(t.get("role") == "presentation" for t in tables)


def test_every_image_has_alt_text(project):
    project.event("a.md", """
        ---
        title: Poster talk
        kind: panel
        start: 2018-01-24 18:00
        image:
          src: https://example.org/poster.png
          alt: A poster
        ---
        ![The march route](https://example.org/route.png)
    """)
    html = build(project.config, project.events, **W04).outputs["digest.html"].decode()
    images = BeautifulSoup(html, "html.parser").find_all("img")
    assert [i["alt"] for i in images] == ["A poster", "The march route"]


def test_styles_are_inlined_and_only_uninlinable_rules_remain(soup):
    h3 = soup.find("h3")
    assert style_of(h3)["font-size"] == "20px"
    paragraph = soup.find("div", class_="nl-description").find("p")
    assert style_of(paragraph)["margin"] == "0 0 12px"
    for block in soup.find_all("style"):
        css = re.sub(r"/\*.*?\*/", "", block.get_text(), flags=re.S)
        outside_media = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
        # Our own classes are inlined; only media rules may still name them.
        assert ".nl-" not in outside_media, css


def test_dark_mode_scheme(soup, sample_html):
    metas = {m.get("name"): m.get("content") for m in soup.find_all("meta")}
    assert metas["color-scheme"] == "light dark"
    assert metas["supported-color-schemes"] == "light dark"
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{(.*)\}", sample_html, re.S)
    assert dark and "background-color: #16181d !important" in dark.group(1)


def test_no_external_stylesheets_or_web_fonts(soup, sample_html):
    assert soup.find("link") is None
    assert "@import" not in sample_html and "@font-face" not in sample_html
    assert "fonts.googleapis" not in sample_html


def test_outlook_conditional_comments_survive_inlining(soup):
    comments = [c for c in soup.find_all(string=lambda s: isinstance(s, Comment))]
    assert sum("[if mso | IE]" in c for c in comments) >= 4
    assert any("<table" in c for c in comments)  # the ghost tables Outlook lays out with


def test_every_link_is_absolute_a_merge_tag_or_an_entry_of_the_email(soup):
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert "*|UNSUB|*" in hrefs and "*|ARCHIVE|*" in hrefs  # the sample is set up for Mailchimp
    assert "https://example.org/donate/cersc" in hrefs
    for href in hrefs:
        if href.startswith("#"):
            assert soup.find(id=href[1:]) is not None, href
        else:
            assert re.match(r"^(https?://|mailto:)", href) or href in ("*|UNSUB|*", "*|ARCHIVE|*"), href


@pytest.mark.parametrize("tag", [
    "*|UNSUB|*",                           # Mailchimp
    "{{ UnsubscribeURL }}",                # listmonk
    "%unsubscribe_url%",                   # Mailgun
    "<%asm_group_unsubscribe_raw_url%>",   # SendGrid
    "{{ unsubscribe_url }}",               # Buttondown
    "https://example.org/leave?list=1&u=2",
])
def test_unsubscribe_tag_comes_out_exactly_as_written(project, tag):
    project.settings(f'name = "N"\nunsubscribe = \'{tag}\'\n')
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    html = build(project.config, project.events, **W04).outputs["digest.html"].decode()
    if tag.startswith("https"):
        assert 'href="https://example.org/leave?list=1&amp;u=2"' in html
    else:
        assert f'href="{tag}"' in html
        assert "newsletter-merge-tag" not in html


def test_text_from_event_files_is_escaped(project):
    project.event("x.md", """
        ---
        title: "<script>alert('t')</script> & \\"quotes\\""
        kind: rally
        start: 2018-01-24 18:00
        location:
          name: "<img src=x onerror=alert(1)>"
        hosts: ["<b>Host</b>"]
        summary: "</p><iframe src=https://evil.example>"
        ---
        <div onclick="x()">body</div>
    """)
    html = build(project.config, project.events, **W04).outputs["digest.html"].decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("iframe") is None and soup.find("b") is None
    assert not soup.find_all("img")
    assert not soup.find_all(attrs={"onclick": True}) and not soup.find_all(attrs={"onerror": True})
    assert soup.find("h3").get_text() == "<script>alert('t')</script> & \"quotes\""
    assert soup.title.get_text() == "Tenants Weekly: January 22–28, 2018"


def test_body_text_is_at_least_16px(soup):
    preheader = soup.find("div", class_="nl-preheader")
    for string in soup.body.find_all(string=True):
        if isinstance(string, Comment) or not string.strip() or preheader in string.parents:
            continue
        size = next((style_of(p).get("font-size") for p in string.parents if "font-size" in style_of(p)), None)
        assert size is not None and float(size.rstrip("px")) >= 16, (string, size)


def test_text_colours_reach_4_5_to_1_on_the_background(soup):
    background = "#ffffff"
    for tag in soup.body.find_all(style=True):
        color = style_of(tag).get("color")
        if not color or not color.startswith("#"):
            continue
        behind = next((style_of(p).get("background") or style_of(p).get("background-color")
                       for p in [tag, *tag.parents] if {"background", "background-color"} & set(style_of(p))), background)
        assert contrast(color, behind) >= 4.5, (tag.name, color, behind)


def test_buttons_are_big_enough_to_tap(soup):
    button = soup.find("a", string=re.compile("^Donate"))
    style = style_of(button)
    vertical = int(style["padding"].split()[0].rstrip("px")) * 2 + int(style["line-height"].rstrip("px"))
    assert vertical >= 44


def test_sample_week_is_well_under_gmail_clipping(sample_html):
    assert len(sample_html.encode()) < 90_000


def test_group_template_overrides_win_and_can_extend_the_builtin(project):
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    own = project.root / "templates" / "email"
    own.mkdir(parents=True)
    (own / "event.mjml").write_text(
        '<mj-section><mj-column><mj-text><h3 class="custom">{{ event.title }} (ours)</h3></mj-text></mj-column></mj-section>\n'
    )
    (own / "digest.mjml").write_text(
        '{% extends "builtin/digest.mjml" %}{% block footer %}<mj-section><mj-column><mj-text>'
        "<p>Our own footer</p></mj-text></mj-column></mj-section>{% endblock %}\n"
    )
    html = build(project.config, project.events, **W04).outputs["digest.html"].decode()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h3", class_="custom").get_text() == "T (ours)"
    assert "Our own footer" in soup.get_text()
    assert soup.find("h1").get_text() == "Tenants Weekly"  # the rest still comes from the built-in


# The week at a glance -----------------------------------------------------------

def agenda_of(soup):
    heading = soup.find("h2", string="This week")
    return heading.find_next("ul").find_all("li")


def test_agenda_lists_the_week_by_start_with_ongoing_last(soup):
    lines = [" ".join(li.get_text(" ", strip=True).split()) for li in agenda_of(soup)]
    assert lines == [
        "Wed 1/24 · 6:30 pm · Socialists in Solidarity with Syria: A Panel & Discussion",
        "Thu 1/25 · 7:00 pm · #MeToo: The Fight Against Sexism in the Era of Trump",
        "Sat 1/27 · 12:00 pm · #Justice4Siham & #Justice4Naseem Rally",
        "Ongoing: Fund drive: Center for Economic Research & Social Change , through Sat 2/10",
    ]


def test_agenda_comes_right_after_the_masthead(soup):
    headings = [h.get_text(strip=True) for h in soup.find_all(["h1", "h2"])]
    assert headings[:2] == ["ISO Boston Events", "This week"]


def test_each_agenda_link_lands_on_its_own_entry(soup):
    for item in agenda_of(soup):
        link = item.find("a")
        target = soup.find(id=link["href"].removeprefix("#"))
        assert link["href"].startswith("#") and target is not None
        assert target.name == "h3" and target.get_text(strip=True) == link.get_text(strip=True)


def test_each_entry_opens_with_its_day_and_time(soup):
    rally = soup.find("h3", string="#Justice4Siham & #Justice4Naseem Rally")
    assert rally.find_previous_sibling("p").get_text(strip=True) == "Sat 1/27 · 12:00\u00a0pm"  # kept on one line
    drive = soup.find("h3", string=re.compile("^Fund drive"))
    assert drive.find_previous_sibling("p").get_text(strip=True) == "Through Sat 2/10"


def test_cancelled_event_is_struck_through_and_said_so_in_the_agenda(project):
    project.event("a.md", "---\ntitle: Canvass\nkind: other\nstart: 2018-01-27 10:00\nstatus: cancelled\n---\n")
    project.event("b.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 18:00\n---\n")
    soup = BeautifulSoup(build(project.config, project.events, **W04).outputs["digest.html"], "html.parser")
    first, second = agenda_of(soup)
    assert first.find("s") is None and first.find("a").get_text() == "Assembly"
    assert second.find(class_="nl-status").get_text() == "Cancelled:" and second.find("s").get_text() == "Canvass"


def test_buttons_say_in_full_what_they_do(soup):
    buttons = {a.get_text(strip=True): a for a in soup.select("table.nl-button a")}
    assert list(buttons) == ["Donate to CERSC"]  # short_title; a label is never cut with "…"
    assert buttons["Donate to CERSC"]["aria-label"] == (
        "Donate to CERSC: Fund drive: Center for Economic Research & Social Change")


def test_a_long_title_gives_a_button_that_names_the_kind_of_event(project):
    project.event("a.md", """\
        ---
        title: "Tenants' assembly on the rent strike vote and the next steps"
        kind: meeting
        start: 2018-01-24 18:00
        rsvp: https://example.org/rsvp
        online: https://example.org/live
        ---
        """)
    project.event("b.md", "---\ntitle: Picket\nkind: rally\nstart: 2018-01-25 18:00\nrsvp: https://example.org/r2\n---\n")
    soup = BeautifulSoup(build(project.config, project.events, **W04).outputs["digest.html"], "html.parser")
    labels = [(a.get_text(strip=True), a.get("aria-label")) for a in soup.select("table.nl-button a")]
    assert labels == [
        ("RSVP for Picket", None),
        ("RSVP for this meeting", "RSVP for this meeting: Tenants' assembly on the rent strike vote and the next steps"),
        ("Join online", "Join online: Tenants' assembly on the rent strike vote and the next steps"),
    ]


# Rough edges of a first run ---------------------------------------------------------------

def test_a_linked_place_has_a_space_after_where(project):
    project.event("a.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-01-24 18:00\n"
                          "location: {name: City Hall Plaza, url: 'https://example.org/map'}\n---\n")
    soup = BeautifulSoup(build(project.config, project.events, **W04).outputs["digest.html"], "html.parser")
    assert "Where: City Hall Plaza" in soup.find(class_="nl-details").get_text()


def test_the_footer_names_the_group_once_when_name_and_organization_are_the_same(project):
    project.settings('name = "Eastside Tenants Union"\norganization = "Eastside Tenants Union"\nunsubscribe = "*|UNSUB|*"\n')
    project.event("a.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    outputs = build(project.config, project.events, **W04).outputs
    html = BeautifulSoup(outputs["digest.html"], "html.parser").find(class_="nl-footer").get_text(" ")
    assert "signed up for Eastside Tenants Union. Reply" in " ".join(html.split())
    assert "signed up for Eastside Tenants Union. Reply" in " ".join(outputs["digest.txt"].decode().split())


# The preheader and the group's own opening words ---------------------------------------------

def preheader_of(result) -> str:
    return BeautifulSoup(result.outputs["digest.html"], "html.parser").find(class_="nl-preheader").get_text().split("\u034f")[0]


def test_the_preheader_puts_a_change_and_a_rally_before_a_routine_meeting(project):
    project.event("a.md", "---\ntitle: Branch meeting\nkind: meeting\nstart: 2018-01-22 19:00\n---\n")
    project.event("b.md", "---\ntitle: Picket\nkind: rally\nstart: 2018-01-26 12:00\n---\n")
    project.event("c.md", "---\ntitle: Canvass\nkind: other\nstart: 2018-01-24 10:00\nstatus: cancelled\n"
                          "status_note: Snow\n---\n")
    result = build(project.config, project.events, **W04)
    assert result.email.preheader == "This week: Cancelled: Canvass; Fri: Picket; Mon: Branch meeting"
    assert preheader_of(result) == result.email.preheader


def test_a_preheader_from_the_settings_or_the_command_line(project):
    project.settings(project.config.read_text() + 'preheader = "{{ week.label }}: the strike vote"\n')
    project.event("a.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 19:00\n---\n")
    assert build(project.config, project.events, **W04).email.preheader == "January 22–28, 2018: the strike vote"
    given = build(project.config, project.events, preheader="Vote on the rent strike", **W04)
    assert given.email.preheader == "Vote on the rent strike"
    assert "Vote on the rent strike" not in given.outputs["digest.txt"].decode()  # the inbox line only


def test_the_intro_is_shown_under_the_header_in_html_and_text(project):
    project.event("a.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 19:00\n---\n")
    (project.root / "intro.md").write_text("Welcome back! We **vote** on Wednesday. <b>not markup</b>\n")
    outputs = build(project.config, project.events, **W04).outputs
    soup = BeautifulSoup(outputs["digest.html"], "html.parser")
    intro = soup.find(class_="nl-intro")
    assert intro.find("strong").get_text() == "vote" and soup.find("b") is None
    assert intro.find_next("h2").get_text() == "This week"
    text = outputs["digest.txt"].decode().split("\n")
    assert text[text.index("January 22–28, 2018") + 2] == "Welcome back! We vote on Wednesday. <b>not markup</b>"
