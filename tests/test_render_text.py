"""The plain-text part: written for people, compared line by line."""

from __future__ import annotations

import re

from newsletter.outputs.build import build

EVENT = """
---
title: Rent strike assembly
kind: meeting
start: 2018-01-24 18:30
end: "20:00"
location:
  name: Union Hall
  address: 12 Example St, Boston
hosts: [Eastside Tenants Union]
speakers:
  - name: Ana Ruiz
    bio: building captain
rsvp: https://example.org/rsvp
accessibility: Step-free entrance on Example St; childcare on site.
links:
  - label: Our demands
    url: https://example.org/demands
---
We will **vote** on the strike. Read [the proposal](https://example.org/proposal) first.

- bring a neighbour
- bring your lease
"""

CANCELLED = """
---
title: Canvass on Elm Street
kind: other
start: 2018-01-27 10:00
status: cancelled
rsvp: https://example.org/canvass
---
"""

EXPECTED = """\
Tenants Weekly
January 22–28, 2018


THIS WEEK

1. Wed 1/24 · 6:30 pm · Rent strike assembly
2. Sat 1/27 · 10:00 am · CANCELLED: Canvass on Elm Street


========================================================================
MEETINGS
========================================================================

[1] Rent strike assembly

When: Wednesday, January 24 · 6:30–8:00 pm
Where: Union Hall, 12 Example St, Boston
Hosted by: Eastside Tenants Union
Speaker:
- Ana Ruiz, building captain

RSVP: https://example.org/rsvp

We will vote on the strike. Read the proposal
(https://example.org/proposal) first.

- bring a neighbour
- bring your lease

Accessibility: Step-free entrance on Example St; childcare on site.

Our demands: https://example.org/demands


========================================================================
ALSO THIS WEEK
========================================================================

[2] [CANCELLED] Canvass on Elm Street

When: Saturday, January 27 · 10:00 am
      This event will not take place.


========================================================================
COMING UP
========================================================================

- Thursday, February 1: Tenant law clinic


------------------------------------------------------------------------
You are getting this email because you signed up for Tenants Weekly,
from Eastside Tenants Union. Reply to it to reach the organizers.

12 Example St, Boston, MA 02118

Unsubscribe: *|UNSUB|*
"""


def test_text_version_line_by_line(project):
    project.event("assembly.md", EVENT)
    project.event("canvass.md", CANCELLED)
    project.event("clinic.md", "---\ntitle: Tenant law clinic\nkind: other\nstart: 2018-02-01 18:00\n---\n")
    text = build(project.config, project.events, week="2018-W04").outputs["digest.txt"].decode()
    assert text.split("\n") == EXPECTED.split("\n")


def test_every_line_but_an_address_fits_72_columns_and_no_preheader_cut_off(sample):
    for week in ("2018-W02", "2018-W03", "2018-W04"):
        text = build(sample / "newsletter.toml", sample / "events", week=week).outputs["digest.txt"].decode()
        long = [line for line in text.split("\n") if len(line) > 72 and not re.fullmatch(r"([^:]+: )?https?://\S+", line)]
        assert long == [], week
        assert "…" not in text
    assert "Add to your calendar: https://example.org/iso-boston/events/2018-01-27-justice-for-siham-and-naseem-rally.ics" in text
    assert "calendar.google.com" not in text and "outlook.live.com" not in text


def test_sample_text_is_wrapped_and_free_of_markup(sample):
    text = build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs["digest.txt"].decode()
    for line in text.split("\n"):
        assert len(line) <= 72 or re.search(r"https?://\S{30,}", line), line
    assert not re.search(r"<[a-z/][^>]*>", text)
    assert not re.search(r"&(amp|lt|gt|quot|nbsp|#\d+);", text)
    assert "**" not in text and "](" not in text
    assert "When: Through Saturday, February 10" in text
    assert "Donate: https://example.org/donate/cersc" in text
    assert "1. DCF lets Siham and Naseem talk freely, whenever and however they" in text
    assert "   choose." in text


def test_text_and_html_describe_the_same_events(sample):
    from bs4 import BeautifulSoup

    outputs = build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs
    text = outputs["digest.txt"].decode()
    soup = BeautifulSoup(outputs["digest.html"].decode(), "html.parser")
    for heading in soup.find_all(["h2", "h3"]):
        words = heading.get_text(strip=True)
        assert (words.upper() if heading.name == "h2" else words) in text


def test_the_reason_for_a_change_shows_in_the_digest(sample):
    result = build(sample / "newsletter.toml", sample / "events", week="2018-W02")
    text = result.outputs["digest.txt"].decode().split("\n")
    start = text.index("When: Thursday, January 11 · 7:00–9:00 pm")
    assert text[start:start + 3] == [
        "When: Thursday, January 11 · 7:00–9:00 pm",
        "      Moved from Thursday, January 4, 7:00 pm",
        "      The January 4 meeting was called off because of the winter storm.",
    ]
    from bs4 import BeautifulSoup

    notes = BeautifulSoup(result.outputs["digest.html"].decode(), "html.parser").find_all(class_="nl-status-note")
    assert [n.get_text() for n in notes] == ["Moved from Thursday, January 4, 7:00 pm",
                                             "The January 4 meeting was called off because of the winter storm."]


def test_sample_agenda_is_numbered_and_each_entry_carries_its_number(sample):
    text = build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs["digest.txt"].decode()
    lines = text.split("\n")
    start = lines.index("THIS WEEK")
    assert lines[start:start + 11] == [
        "THIS WEEK",
        "",
        "1. Wed 1/24 · 6:30 pm · Socialists in Solidarity with Syria: A Panel &",
        "   Discussion",
        "2. Thu 1/25 · 7:00 pm · #MeToo: The Fight Against Sexism in the Era of",
        "   Trump",
        "3. Sat 1/27 · 12:00 pm · #Justice4Siham & #Justice4Naseem Rally",
        "4. Ongoing: Fund drive: Center for Economic Research & Social Change,",
        "   through Sat 2/10",
        "",
        "",
    ]
    # In the sections, by kind, each entry's title starts with its number in the agenda.
    assert [line for line in lines if re.match(r"^\[\d\] ", line)] == [
        "[3] #Justice4Siham & #Justice4Naseem Rally",
        "[2] #MeToo: The Fight Against Sexism in the Era of Trump",
        "[1] Socialists in Solidarity with Syria: A Panel & Discussion",
        "[4] Fund drive: Center for Economic Research & Social Change",
    ]


def test_text_agenda_says_what_the_html_agenda_says(project):
    import sys
    from pathlib import Path

    from bs4 import BeautifulSoup

    sys.path.insert(0, str(Path(__file__).parent))
    from busy_week import write_busy_week

    project.settings(project.config.read_text() + 'archive_url = "https://example.org/news/"\n')
    write_busy_week(project.events, 30)
    outputs = build(project.config, project.events, week="2018-W04").outputs
    soup = BeautifulSoup(outputs["digest.html"], "html.parser")
    html = [" ".join(li.get_text().split()) for li in soup.find("h2", string="This week").find_next("ul").find_all("li")]
    text = outputs["digest.txt"].decode()
    start = text.index("THIS WEEK\n\n") + len("THIS WEEK\n\n")
    agenda = text[start:text.index("\n\n\n", start)]
    entries = re.split(r"\n(?=\s*\d+\. )", agenda)
    assert len(entries) == 30
    for number, (entry, line) in enumerate(zip(entries, html, strict=True), start=1):
        words = " ".join(entry.split())
        assert words == f"{number}. {line.replace('Cancelled:', 'CANCELLED:')}"


def test_wrap_takes_any_value_a_template_gives_it():
    """The filter keeps what it wrapped for the next save; a number or a list is wrapped as its text, not refused."""
    from newsletter.rendering.templates import wrap

    assert wrap(2018) == "2018"
    lines = wrap(["a", "b"] * 8, 24).split("\n")
    assert " ".join(lines) == str(["a", "b"] * 8) and max(map(len, lines)) <= 24
    paragraph = "Bring signs. " * 12
    assert wrap(paragraph, 40, indent="  ", first="- ") == wrap(paragraph, 40, indent="  ", first="- ")
    assert wrap(paragraph, 40, indent="  ", first="- ").split("\n")[1].startswith("  Bring")
