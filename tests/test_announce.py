"""Announcements, change notices and reminders: through the CLI, on parsed output."""

from __future__ import annotations

import json
import re
import shutil
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from icalendar import Calendar

from conftest import require
from newsletter.cli import main

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"
STUDY = "2018-01-11-united-front-study-group"
DRIVE = "2018-01-15-cersc-fund-drive"


SHARE = "whatsapp.txt, telegram.txt, signal.txt, mastodon.txt, bluesky.txt, card.png, square.png, card.txt, flyer.pdf"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def announce(*args: str) -> dict[str, bytes]:
    """Run `newsletter announce ... --out out` and return what it wrote."""
    result = run("announce", *args, "--out", "out")
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(Path("out").iterdir()) if p.is_file()}


def soup_of(files) -> BeautifulSoup:
    return BeautifulSoup(files["announcement.html"].decode(), "html.parser")


def words(tag) -> str:
    """The words a reader sees, the no-break spaces and word joiners that keep a time on one line as spaces and nothing."""
    return " ".join(tag.get_text(" ").replace("\u2060", "").split())


def style_of(tag) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in (tag.get("style") or "").split(";") if ":" in part)
    return {k.strip().lower(): v.strip() for k, v in pairs}


# The seed's own cases ------------------------------------------------------------


def test_rally_a_week_ahead_end_to_end(sample):
    result = run("announce", f"events/{RALLY}.md", "--today", "2018-01-20")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    folder = f"dist/announce/{RALLY}"
    assert result.stdout.split("\n") == [
        f"Announcement: #Justice4Siham & #Justice4Naseem Rally ({RALLY})",
        "Subject: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally",
        result.stdout.split("\n")[2],
        f"Wrote {folder}/announcement.html",
        f"Wrote {folder}/announcement.txt",
        f"Wrote {folder}/announcement.eml",
        f"Wrote {folder}/announcement.json",
        f"Wrote {folder}/event.ics",
        f"Wrote {folder}/share/: {SHARE}",
        "",
    ]
    assert re.fullmatch(r"HTML size: \d+\.\d KB, \d+\.\d KB as sent \(Gmail clips at 102 KB\)", result.stdout.split("\n")[2])


def test_the_event_is_named_by_its_file_or_its_id(sample):
    by_path = announce(f"events/{RALLY}.md", "--today", "2018-01-20")
    by_id = announce(RALLY, "--today", "2018-01-20")
    assert by_path["announcement.txt"] == by_id["announcement.txt"]


def test_announcement_html_shows_the_event_alone_in_full(sample):
    soup = soup_of(announce(RALLY, "--today", "2018-01-20"))
    assert soup.html["lang"] == "en" and soup.html["dir"] == "ltr"
    assert soup.title.get_text() == "1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"
    [h1] = soup.find_all("h1")
    assert h1.get_text() == "#Justice4Siham & #Justice4Naseem Rally"
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert soup.find(class_="nl-kicker").get_text(strip=True) == "Rally"
    assert soup.find(class_="nl-summary").get_text() == "Reunite Siham Byah with her son, and end DCF's collaboration with ICE."
    details = words(soup.find(class_="nl-details"))
    assert "When: Saturday, January 27 · 12:00–2:00 pm" in details
    assert "Where: JFK Federal Building, Boston, MA" in details
    assert "Hosted by: ISO Boston, Justice4Siham Coalition" in details
    description = soup.find(class_="nl-description")
    assert len(description.find("ol").find_all("li")) == 6  # the whole description, demands and all
    assert "ICE stops terrorizing our communities" in words(description)
    calendar = {a.get_text(): a["href"] for a in soup.find(class_="nl-calendar").find_all("a")}
    assert calendar["Add to Google Calendar"].startswith("https://calendar.google.com/calendar/render?")
    assert calendar["Download for Apple and others (.ics)"] == f"https://example.org/iso-boston/events/{RALLY}.ics"
    # "View in browser" opens the event's page on the archive.
    assert soup.find("a", string="View this email in your browser")["href"] == f"https://example.org/iso-boston/events/{RALLY}/"
    assert all(t.get("role") == "presentation" for t in soup.find_all("table"))
    footer = words(soup.find(class_="nl-footer"))
    assert "ISO Boston · Boston, MA, USA" in footer
    assert soup.find("a", string="Unsubscribe from ISO Boston Events")["href"] == "*|UNSUB|*"


def test_also_coming_up_lists_the_next_events_with_links_to_the_archive(sample):
    soup = soup_of(announce(STUDY, "--today", "2018-01-09"))
    heading = soup.find("h2", string="Also coming up")
    items = heading.find_next("ul").find_all("li")
    assert [words(li) for li in items] == [
        "Monday, January 15 : Fund drive: Center for Economic Research & Social Change",
        "Wednesday, January 24 : Socialists in Solidarity with Syria: A Panel & Discussion",
        "Thursday, January 25 : #MeToo: The Fight Against Sexism in the Era of Trump",
        "Saturday, January 27 : #Justice4Siham & #Justice4Naseem Rally",
    ]
    assert items[-1].find("a")["href"] == f"https://example.org/iso-boston/events/{RALLY}/"


def test_without_an_archive_the_list_has_no_links(project):
    project.event("a.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 18:00\n---\n")
    project.event("b.md", "---\ntitle: March\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    soup = soup_of(announce("a", "--today", "2018-01-20"))
    item = soup.find("h2", string="Also coming up").find_next("li")
    assert words(item) == "Saturday, January 27 : March" and item.find("a") is None
    assert soup.find("a", string="View this email in your browser") is None


def test_rescheduled_study_group_subject_and_the_change_comes_first(sample):
    result = run("announce", STUDY, "--today", "2018-01-09")
    assert result.exit_code == 0, result.output
    assert "Subject: RESCHEDULED: 1/11 Study Group: Left Organizing Tactics in the Age of Trump: The United Front\n" in result.stdout
    assert result.stdout.startswith("Change notice: ")
    soup = BeautifulSoup((sample / "dist" / "announce" / STUDY / "announcement.html").read_text(), "html.parser")
    notice = soup.find(class_="nl-notice")
    assert [words(p) for p in notice.find_all("p")] == [
        "Rescheduled",
        "Now: Thursday, January 11 · 7:00–9:00 pm",
        "Moved from Thursday, January 4, 7:00 pm",
        "The January 4 meeting was called off because of the winter storm.",
    ]
    # The notice comes before the title and everything else the email says.
    everything = [t for t in soup.body.find_all(["p", "h1"]) if t.get_text(strip=True)
                  and "nl-from" not in (t.get("class") or []) and t.find_parent(class_="nl-view-online") is None]
    assert everything[0].get_text(strip=True) == "Rescheduled"
    assert everything.index(soup.find("h1")) > everything.index(notice.find_all("p")[-1])
    # ...and is said once: the event below does not repeat it.
    assert soup.get_text().count("Moved from Thursday, January 4") == 1
    text = (sample / "dist" / "announce" / STUDY / "announcement.txt").read_text().split("\n")
    star = "*" * 72
    assert text[4:11] == [
        star, "RESCHEDULED", "Now: Thursday, January 11 · 7:00–9:00 pm", "Moved from Thursday, January 4, 7:00 pm",
        "The January 4 meeting was called off because of the winter storm.", star, "",
    ]


CANCELLED = """
---
title: Canvass on Elm Street
kind: other
start: 2018-01-27 10:00
end: "12:00"
status: cancelled
status_note: Cancelled because of the snow storm.
rsvp: https://example.org/canvass
---
We knock on doors on Elm Street.
"""


def test_cancellation_states_it_plainly_with_no_rsvp_or_calendar_link(project):
    project.event("canvass.md", CANCELLED)
    files = announce("canvass", "--today", "2018-01-25")
    message = message_from_bytes(files["announcement.eml"], policy=policy.default)
    assert message["Subject"] == "CANCELLED: 1/27 Event: Canvass on Elm Street"
    soup = soup_of(files)
    assert [words(p) for p in soup.find(class_="nl-notice").find_all("p")] == [
        "Cancelled", "This event will not take place.", "Cancelled because of the snow storm."]
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert "https://example.org/canvass" not in hrefs
    assert not any("calendar.google.com" in h or "outlook.live.com" in h for h in hrefs)
    assert soup.find(class_="nl-button") is None and soup.find(class_="nl-calendar") is None
    text = files["announcement.txt"].decode()
    assert "RSVP" not in text and "Add to Google Calendar" not in text
    assert "CANCELLED\nThis event will not take place.\nCancelled because of the snow storm.\n" in text
    [entry] = Calendar.from_ical(files["event.ics"]).walk("VEVENT")
    assert str(entry["STATUS"]) == "CANCELLED"


def test_postponed_subject(project):
    project.event("canvass.md", CANCELLED.replace("status: cancelled", "status: postponed"))
    files = announce("canvass", "--today", "2018-01-25")
    assert json.loads(files["announcement.json"])["subject"] == "POSTPONED: 1/27 Event: Canvass on Elm Street"
    text = files["announcement.txt"].decode()
    assert "This event is postponed; a new date will follow." in text
    assert "RSVP" not in text and "Add to Google Calendar" not in text  # no date to come to yet
    [entry] = Calendar.from_ical(files["event.ics"]).walk("VEVENT")
    assert str(entry["STATUS"]) == "TENTATIVE" and int(entry["SEQUENCE"]) == 1


def test_an_image_is_shown_with_its_alt_text_but_not_in_the_reminder(project):
    project.event("a.md", """
        ---
        title: Poster talk
        kind: panel
        start: 2018-01-24 18:00
        image:
          src: https://example.org/poster.png
          alt: A poster of the panel's three speakers
        ---
        ![The march route](https://example.org/route.png)
    """)
    images = soup_of(announce("a", "--today", "2018-01-20")).find_all("img")
    assert [(i["src"], i["alt"]) for i in images] == [
        ("https://example.org/poster.png", "A poster of the panel's three speakers"),
        ("https://example.org/route.png", "The march route")]
    reminder = soup_of(announce("a", "--reminder", "--today", "2018-01-23")).find_all("img")
    assert [i["alt"] for i in reminder] == ["The march route"]  # the first paragraph only


def test_a_change_notice_calendar_updates_the_one_people_imported(sample):
    """The same UID with a higher SEQUENCE: a calendar replaces the event instead of adding a second one."""
    path = sample / "events" / f"{STUDY}.md"
    original = path.read_text()
    path.write_text(original.replace("start: 2018-01-11 19:00", "start: 2018-01-04 19:00")
                    .replace("status: rescheduled\n", "").replace("rescheduled_from: 2018-01-04 19:00\n", "")
                    .replace("status_note: The January 4 meeting was called off because of the winter storm.\n", ""))
    first = Calendar.from_ical(announce(STUDY, "--today", "2018-01-02")["event.ics"]).walk("VEVENT")[0]
    path.write_text(original)
    moved = Calendar.from_ical(announce(STUDY, "--today", "2018-01-09")["event.ics"]).walk("VEVENT")[0]
    path.write_text(original.replace("status: rescheduled", "status: cancelled").replace("rescheduled_from: 2018-01-04 19:00\n", ""))
    called_off = Calendar.from_ical(announce(STUDY, "--today", "2018-01-09")["event.ics"]).walk("VEVENT")[0]
    assert str(first["UID"]) == str(moved["UID"]) == str(called_off["UID"])
    assert int(first["SEQUENCE"]) < int(moved["SEQUENCE"]) < int(called_off["SEQUENCE"])
    assert first.decoded("DTSTART").isoformat() == "2018-01-04T19:00:00-05:00"
    assert moved.decoded("DTSTART").isoformat() == "2018-01-11T19:00:00-05:00"
    assert str(moved["STATUS"]) == "CONFIRMED" and str(called_off["STATUS"]) == "CANCELLED"


def read_with_ical_js(*paths) -> list[dict]:
    """What Mozilla's ical.js (Thunderbird's parser) reads from .ics files."""
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    require(shutil.which("node") is not None and (repo / "node_modules" / "ical.js").is_dir(),
            "Node.js and ical.js: `npm install --no-save ical.js` here")
    done = subprocess.run(["node", str(repo / "tests" / "read_ics.mjs"), *map(str, paths)], cwd=repo,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ical_js_sees_the_change_notices_as_updates_of_one_event(sample):
    path = sample / "events" / f"{STUDY}.md"
    original = path.read_text()
    versions = {}
    for name, text in (
        ("moved", original),
        ("postponed", original.replace("status: rescheduled", "status: postponed").replace("rescheduled_from: 2018-01-04 19:00\n", "")),
        ("called-off", original.replace("status: rescheduled", "status: cancelled").replace("rescheduled_from: 2018-01-04 19:00\n", "")),
    ):
        path.write_text(text)
        files = announce(STUDY, "--today", "2018-01-09")
        (sample / f"{name}.ics").write_bytes(files["event.ics"])
        versions[name] = json.loads(files["announcement.json"])["event"]["start"]
    moved, postponed, called_off = read_with_ical_js(*(sample / f"{n}.ics" for n in ("moved", "postponed", "called-off")))
    assert moved["uid"] == postponed["uid"] == called_off["uid"] == f"{STUDY}@example.org"
    assert postponed["sequence"] < moved["sequence"] < called_off["sequence"]
    assert (moved["status"], postponed["status"], called_off["status"]) == ("CONFIRMED", "TENTATIVE", "CANCELLED")
    from datetime import datetime

    # The same instant as announcement.json says: 7 pm in Boston is midnight UTC.
    assert moved["start"] == datetime.fromisoformat(versions["moved"]).timestamp() == 1515715200
    assert moved["end"] - moved["start"] == 2 * 3600


def test_fund_drive_puts_its_deadline_and_donate_button_first(sample):
    files = announce(DRIVE, "--today", "2018-01-15")
    soup = soup_of(files)
    assert soup.title.get_text() == "1/15–2/10 Fund drive: Center for Economic Research & Social Change"
    order = [t for t in soup.body.find_all(["h1", "p", "a"])]
    h1 = soup.find("h1")
    deadline = soup.find(class_="nl-deadline")
    donate = soup.find("a", href="https://example.org/donate/cersc")
    when = soup.find(class_="nl-details")
    assert deadline.get_text(strip=True) == "Through Saturday, February 10"
    assert order.index(h1) < order.index(deadline) < order.index(donate) < order.index(when)
    assert donate.get_text(strip=True) == "Donate to this fund drive"
    text = files["announcement.txt"].decode()
    assert text.index("Through Saturday, February 10\nDonate: https://example.org/donate/cersc\n") < text.index("When: ")


# Reminders -----------------------------------------------------------------------


@pytest.mark.parametrize("today, subject", [
    ("2018-01-26", "Tomorrow: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"),
    ("2018-01-27", "Today: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"),
    ("2018-01-22", "This Saturday: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"),
    ("2018-01-15", "Reminder: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"),
])
def test_reminder_subject_says_when_relative_to_today(sample, today, subject):
    result = run("announce", RALLY, "--reminder", "--today", today)
    assert result.exit_code == 0, result.output
    assert f"Subject: {subject}\n" in result.stdout
    assert f"dist/announce/{RALLY}/reminder/announcement.eml" in result.stdout


def test_reminder_for_a_drive_under_way_says_when_it_ends(sample):
    files = announce(DRIVE, "--reminder", "--today", "2018-02-09")
    assert json.loads(files["announcement.json"])["subject"].startswith("Ends tomorrow: 1/15–2/10 Fund drive: ")


def test_reminder_is_the_short_version(sample):
    files = announce(RALLY, "--reminder", "--today", "2018-01-26")
    soup = soup_of(files)
    assert soup.find(class_="nl-kicker").get_text(strip=True) == "Reminder: tomorrow"
    assert soup.find(class_="nl-description") is None  # the summary says it; the rest is a link away
    more = soup.find(class_="nl-more").find("a")
    assert more["href"] == f"https://example.org/iso-boston/events/{RALLY}/"
    assert more.get_text() == "Full details: #Justice4Siham & #Justice4Naseem Rally"
    assert soup.find("h2", string="Also coming up") is None
    text = files["announcement.txt"].decode()
    assert "Siham Byah, a single mother" not in text
    assert f"Full details: https://example.org/iso-boston/events/{RALLY}/" in text
    assert json.loads(files["announcement.json"])["type"] == "reminder"


def test_reminder_without_a_summary_keeps_the_first_paragraph_and_puts_links_first(project):
    project.event("vote.md", """
        ---
        title: Strike vote
        kind: meeting
        start: 2018-01-24 18:30
        online: https://example.org/zoom
        rsvp: https://example.org/rsvp
        location: Union Hall
        ---
        We vote on the rent strike.

        Second paragraph with the history.
    """)
    files = announce("vote", "--reminder", "--today", "2018-01-24")
    soup = soup_of(files)
    buttons = [a.get_text(strip=True) for a in soup.select("td.nl-button a, .nl-button a")]
    assert buttons[:2] == ["Join online", "RSVP for this meeting"]
    assert words(soup.find(class_="nl-description")) == "We vote on the rent strike."
    text = files["announcement.txt"].decode().split("\n")
    start = text.index("When: Wednesday, January 24 · 6:30 pm")
    assert text[start:start + 7] == [
        "When: Wednesday, January 24 · 6:30 pm",
        "Where: Union Hall",
        "Online: https://example.org/zoom",
        "Join online: https://example.org/zoom",
        "",
        "RSVP: https://example.org/rsvp",
        "",
    ]
    assert text[start + 7] == "We vote on the rent strike."
    assert "Second paragraph" not in "\n".join(text)


def test_reminder_for_an_event_that_is_over_is_an_error(sample):
    result = run("announce", RALLY, "--reminder", "--today", "2018-01-28", "--out", "out")
    assert result.exit_code == 1
    assert result.stderr == (f"events/{RALLY}.md: the event ended on Saturday, January 27: "
                             "a reminder is only for an event still to come\n")
    assert not (sample / "out").exists()


def test_reminder_for_a_cancelled_event_points_to_the_notice(project):
    project.event("canvass.md", CANCELLED)
    result = run("announce", "canvass", "--reminder", "--today", "2018-01-25")
    assert result.exit_code == 1
    assert result.stderr == ("events/canvass.md: the event is cancelled, so there is nothing to remind people of: "
                             "send the change notice instead (newsletter announce canvass)\n")


# The text part, the .eml, the JSON and the calendar ---------------------------------

VOTE = """
---
title: Rent strike assembly
kind: meeting
start: 2018-01-24 18:30
end: "20:00"
location:
  name: Union Hall
  address: 12 Example St, Boston
hosts: [Eastside Tenants Union]
rsvp: https://example.org/rsvp
summary: We decide together whether to strike.
---
We will **vote** on the strike. Read [the proposal](https://example.org/proposal) first.
"""

EXPECTED_TEXT = """\
Tenants Weekly

MEETING

Rent strike assembly
====================

We decide together whether to strike.

When: Wednesday, January 24 · 6:30–8:00 pm
Where: Union Hall, 12 Example St, Boston
Hosted by: Eastside Tenants Union

RSVP: https://example.org/rsvp

We will vote on the strike. Read the proposal
(https://example.org/proposal) first.


========================================================================
ALSO COMING UP
========================================================================

- Saturday, January 27: March


------------------------------------------------------------------------
You are getting this email because you signed up for Tenants Weekly,
from Eastside Tenants Union. Reply to it to reach the organizers.

12 Example St, Boston, MA 02118

Unsubscribe: *|UNSUB|*
"""


def test_text_part_line_by_line(project):
    project.event("vote.md", VOTE)
    project.event("march.md", "---\ntitle: March\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    files = announce("vote", "--today", "2018-01-20")
    text = files["announcement.txt"].decode()
    soup = soup_of(files)
    calendar = {a.get_text(): a["href"] for a in soup.find(class_="nl-calendar").find_all("a")}
    expected = EXPECTED_TEXT.format(google=calendar["Add to Google Calendar"], outlook=calendar["Add to Outlook.com"])
    assert text.split("\n") == expected.split("\n")


def test_eml_has_both_parts_and_the_same_headers_as_the_digest(project):
    project.settings(project.config.read_text().replace('unsubscribe = "*|UNSUB|*"',
                                                         'unsubscribe = "https://example.org/leave"'))
    project.event("vote.md", VOTE)
    files = announce("vote", "--today", "2018-01-20")
    message = message_from_bytes(files["announcement.eml"], policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "1/24 Meeting: Rent strike assembly"
    assert message["From"] == "Eastside Tenants <news@example.org>"
    assert message["To"] == "Eastside list <list@example.org>"
    assert message["Reply-To"] == "organizers@example.org"
    assert message["Date"] and re.fullmatch(r"<newsletter\.announce\.vote\.[0-9a-f]{16}@example\.org>", message["Message-ID"])
    assert message["List-Unsubscribe"] == "<https://example.org/leave>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == files["announcement.txt"].decode()
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == files["announcement.html"].decode()


def test_json_and_ics_describe_the_event_alone(project):
    project.event("vote.md", VOTE)
    project.event("march.md", "---\ntitle: March\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    files = announce("vote", "--today", "2018-01-20")
    data = json.loads(files["announcement.json"])
    assert data["type"] == "announcement"
    assert data["subject"] == "1/24 Meeting: Rent strike assembly"
    assert data["preheader"] == "We decide together whether to strike."
    assert data["event"]["id"] == "vote" and data["event"]["start"] == "2018-01-24T18:30:00-05:00"
    assert [e["title"] for e in data["also_coming_up"]] == ["March"]
    [entry] = Calendar.from_ical(files["event.ics"]).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Rent strike assembly" and int(entry["SEQUENCE"]) == 0
    assert entry.decoded("DTSTART").isoformat() == data["event"]["start"]


# Email qualities, as for the digest --------------------------------------------------


def test_a_1500_word_description_stays_under_gmails_clip(project):
    paragraph = " ".join(["Tenants organize for repairs, fair rent and a say in the building."] * 10)
    body = "\n\n".join([paragraph] * 14)
    assert len(body.split()) >= 1500
    project.event("long.md", f"---\ntitle: Long\nkind: rally\nstart: 2018-01-24 18:00\n---\n{body}\n")
    files = announce("long", "--today", "2018-01-20")
    assert len(files["announcement.html"]) < 102_000
    assert words(soup_of(files).find(class_="nl-description")).count("Tenants organize") == 140


@pytest.mark.parametrize("tag", ["*|UNSUB|*", "{{ UnsubscribeURL }}", "%unsubscribe_url%",
                                 "<%asm_group_unsubscribe_raw_url%>", "{{ unsubscribe_url }}"])
def test_merge_tags_come_out_exactly_as_written(project, tag):
    project.settings(f'name = "N"\nunsubscribe = \'{tag}\'\n')
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    files = announce("a", "--today", "2018-01-20")
    assert f'href="{tag}"' in files["announcement.html"].decode()
    assert f"Unsubscribe: {tag}" in files["announcement.txt"].decode()
    assert "newsletter-merge-tag" not in files["announcement.html"].decode()


def test_text_from_the_event_file_is_escaped(project):
    project.event("x.md", """
        ---
        title: "<script>alert('t')</script> & more"
        kind: rally
        start: 2018-01-24 18:00
        status: cancelled
        status_note: "<img src=x onerror=alert(1)>"
        summary: "</p><iframe src=https://evil.example>"
        ---
        <div onclick="x()">body</div>
    """)
    soup = soup_of(announce("x", "--today", "2018-01-20"))
    assert soup.find("script") is None and soup.find("iframe") is None and not soup.find_all("img")
    assert not soup.find_all(attrs={"onclick": True})
    assert soup.find("h1").get_text() == "<script>alert('t')</script> & more"
    assert soup.find(class_="nl-notice").find_all("p")[-1].get_text() == "<img src=x onerror=alert(1)>"


def test_text_is_16px_and_buttons_are_44px_tall(sample):
    soup = soup_of(announce(DRIVE, "--today", "2018-01-15"))
    button = soup.find("a", string=re.compile("Donate"))
    style = style_of(button)
    assert int(style["padding"].split()[0].rstrip("px")) * 2 + int(style["line-height"].rstrip("px")) >= 44
    preheader = soup.find("div", class_="nl-preheader")
    for string in soup.body.find_all(string=True):
        if not string.strip() or preheader in string.parents or string.__class__.__name__ == "Comment":
            continue
        size = next((style_of(p).get("font-size") for p in string.parents if "font-size" in style_of(p)), None)
        assert size is not None and float(size.rstrip("px")) >= 16, (string, size)


def test_the_subject_is_a_setting(project):
    project.settings(project.config.read_text() + 'announce_subject = "{{ name }}: {{ event.title }} ({{ event.label }})"\n')
    project.event("a.md", "---\ntitle: Rent & repairs\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    files = announce("a", "--today", "2018-01-20")
    assert json.loads(files["announcement.json"])["subject"] == "Tenants Weekly: Rent & repairs (Rally)"


# Bad input ---------------------------------------------------------------------------


def test_unknown_event_names_the_closest_ids(sample):
    result = run("announce", "justice-for-siham-rally")
    assert result.exit_code == 1
    assert result.stderr == f"no event 'justice-for-siham-rally': did you mean '{RALLY}'?\n"
    result = run("announce", "bake-sale")
    assert result.exit_code == 1
    assert result.stderr.startswith("no event 'bake-sale' (`newsletter list` shows the events;")


def test_invalid_event_file_stops_with_the_build_errors_and_writes_nothing(sample):
    (sample / "events" / "bad.md").write_text("---\ntitle: T\nkind: rally\nstart: 2018-02-30\n---\n")
    result = run("announce", RALLY)
    assert result.exit_code == 1
    assert result.stderr == "events/bad.md:4: start: 2018-02-30 is not a real date\n"
    assert not (sample / "dist").exists()


def test_status_note_goes_only_with_a_change(project):
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\nstatus_note: moved\n---\n")
    result = run("announce", "a")
    assert result.exit_code == 1
    assert result.stderr == ("events/a.md:5: status_note: only goes with status: rescheduled, postponed or "
                             "cancelled (it says why the plan changed)\n")


# Everywhere else --------------------------------------------------------------------


def test_list_marks_the_change_notices_to_send(sample):
    result = run("list", "--week", "2018-W02", "--today", "2018-01-08")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        "Change notices to send\n"
        "  Thu Jan 11  [rescheduled] Left Organizing Tactics in the Age of Trump: The United Front\n"
        f"              newsletter send --event {STUDY}\n"
    )
    later = run("list", "--week", "2018-W02", "--today", "2018-01-12")
    assert "Change notices to send" not in later.stdout  # the study group is over


def test_check_event_lints_the_announcement(sample):
    result = run("check", "--event", RALLY, "--today", "2018-01-20")
    assert result.exit_code == 0, result.output
    assert f"{RALLY}: announcement.html is " in result.stdout
    path = sample / "events" / f"{RALLY}.md"
    path.write_text(path.read_text().replace("summary:", "rsvp: http://example.org/rsvp\nsummary:"))
    result = run("check", "--event", RALLY, "--today", "2018-01-20", "--strict")
    assert result.exit_code == 1
    assert ("warning: link 'RSVP for this rally' is not secure: http://example.org/rsvp "
            "(fix: use the https:// address)") in result.stdout
    study = run("check", "--event", STUDY, "--today", "2018-01-09")
    assert ("warning: the subject is 92 characters; inboxes cut it off after about 70 "
            "(fix: shorten the event's title, or the announce_subject setting)") in study.stdout
    over = run("check", "--event", RALLY, "--today", "2018-02-01")
    assert "warning: the event ended on Saturday, January 27, so nobody can come to it any more" in over.stdout


def test_check_event_with_an_unknown_id(sample):
    result = run("check", "--event", "nothing-like-it")
    assert result.exit_code == 1 and result.stderr.startswith("no event 'nothing-like-it'")


def _spamassassin():
    require(shutil.which("spamassassin") is not None, "SpamAssassin: sudo apt-get install spamassassin")


@pytest.mark.parametrize("args", [
    [RALLY, "--today", "2018-01-20"],
    [STUDY, "--today", "2018-01-09"],
    [DRIVE, "--today", "2018-01-15"],
    [RALLY, "--reminder", "--today", "2018-01-26"],
], ids=["rally", "rescheduled", "fund-drive", "reminder"])
def test_spamassassin_scores_the_seed_announcements_under_1(sample, args):
    _spamassassin()
    from newsletter.checks.spam import spam_report

    files = announce(*args)
    verdict = spam_report(files["announcement.eml"])
    assert verdict.score < 1.0, verdict.rules
    assert "MPART_ALT_DIFF" not in verdict.names


def test_a_cancelled_date_of_a_series_says_when_it_meets_next(project):
    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\n')
    project.event("branch-meeting.md", "---\ntitle: Branch meeting\nkind: meeting\nstart: 2026-12-08 19:00\nend: 21:00\n"
                  "repeat:\n  every: week\nchanges:\n  2026-12-22:\n    status: cancelled\n"
                  "    status_note: No meeting over the holidays.\n  2026-12-29:\n    status: cancelled\n---\n")
    files = announce("branch-meeting/2026-12-22", "--today", "2026-12-15")
    notice = soup_of(files).find(class_="nl-notice")
    assert words(notice.find(class_="nl-notice-next")) == "Next date: Tuesday, January 5, 2027 · 7:00–9:00 pm"
    text = [" ".join(line.split()) for line in files["announcement.txt"].decode().split("\n")]
    assert "Next date: Tuesday, January 5, 2027 · 7:00–9:00 pm" in text
    ordinary = announce("branch-meeting/2026-12-15", "--today", "2026-12-10")  # not called off: nothing to add
    assert soup_of(ordinary).find(class_="nl-notice-next") is None
