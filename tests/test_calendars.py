"""Add-to-calendar links and .ics files: decoded and parsed back, instants checked."""

from __future__ import annotations

from datetime import date, datetime, UTC
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

from newsletter.outputs.build import build
from newsletter.rendering.calendar_links import google_link, outlook_link
from newsletter.sources.events import read_event

UTC = UTC


def event(settings, front: str, body: str = ""):
    parsed, problems = read_event(f"---\n{front}\n---\n{body}".encode(), "events/e.md", "2018/e", settings)
    assert problems == []
    return parsed


def params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_google_link_for_a_timed_event_uses_utc_instants(settings):
    rally = event(settings, "title: Rally & march\nkind: rally\nstart: 2018-01-27 12:00\nend: 14:00\n"
                            "location:\n  name: JFK Federal Building\n  address: Boston, MA\nsummary: Bring signs.")
    url = google_link(rally, "https://example.org/archive/events/rally/")
    assert url.startswith("https://calendar.google.com/calendar/render?")
    assert params(url) == {
        "action": "TEMPLATE",
        "text": "Rally & march",
        "dates": "20180127T170000Z/20180127T190000Z",
        "details": "Bring signs.\n\nhttps://example.org/archive/events/rally/",
        "location": "JFK Federal Building, Boston, MA",
    }


def test_all_day_and_multi_day_events_use_dates_with_exclusive_end(settings):
    drive = event(settings, "title: Fund drive\nkind: fund-drive\nstart: 2018-01-15\nend: 2018-02-10")
    assert params(google_link(drive))["dates"] == "20180115/20180211"
    outlook = params(outlook_link(drive))
    assert (outlook["startdt"], outlook["enddt"], outlook["allday"]) == ("2018-01-15", "2018-02-11", "true")
    single = event(settings, "title: Day of action\nkind: rally\nstart: 2018-01-20")
    assert params(google_link(single))["dates"] == "20180120/20180121"


def test_outlook_link_parameters(settings):
    panel = event(settings, "title: Panel\nkind: panel\nstart: 2018-01-24 18:30\nend: 20:30\nlocation: Kenmore Classroom Building",
                  "Two speakers on Syria.")
    url = outlook_link(panel)
    assert url.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert params(url) == {
        "path": "/calendar/action/compose", "rru": "addevent", "subject": "Panel",
        "startdt": "2018-01-24T23:30:00Z", "enddt": "2018-01-25T01:30:00Z", "allday": "false",
        "body": "Two speakers on Syria.", "location": "Kenmore Classroom Building",
    }


def test_instants_stay_right_on_the_day_the_clocks_change(settings):
    # Europe/Berlin moves from UTC+1 to UTC+2 at 02:00 on Sunday, March 25, 2018.
    before = event(settings, "title: Early\nkind: rally\nstart: 2018-03-25 01:00\nend: 04:00\ntimezone: Europe/Berlin")
    after = event(settings, "title: Late\nkind: rally\nstart: 2018-03-25 10:00\nend: 11:00\ntimezone: Europe/Berlin")
    assert params(google_link(before))["dates"] == "20180325T000000Z/20180325T020000Z"
    assert params(google_link(after))["dates"] == "20180325T080000Z/20180325T090000Z"


def test_event_without_end_gets_an_hour(settings):
    talk = event(settings, "title: Talk\nkind: panel\nstart: 2018-01-24 18:00")
    assert params(google_link(talk))["dates"] == "20180124T230000Z/20180125T000000Z"


@pytest.fixture
def archived(project):
    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\n'
                     'archive_url = "https://example.org/news"\nfrom = "news@example.org"\n')
    project.event("2018-01-24-assembly.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 18:30\nend: 20:00\n"
                  "location: Union Hall\n---\nWe vote on the strike.\n")
    project.event("2018-01-27-canvass.md", "---\ntitle: Canvass\nkind: other\nstart: 2018-01-27 10:00\nstatus: cancelled\n---\n")
    project.event("berlin/2018-01-25-call.md", "---\ntitle: Call with Berlin\nkind: meeting\nstart: 2018-01-25 19:00\n"
                  "timezone: Europe/Berlin\n---\n")
    project.event("2018-01-15-drive.md", "---\ntitle: Drive\nkind: fund-drive\nstart: 2018-01-15\nend: 2018-02-10\n---\n")
    return project


def calendar_of(result) -> Calendar:
    return Calendar.from_ical(result.outputs["events.ics"])


def test_week_calendar_parses_back_with_every_event(archived):
    result = build(archived.config, archived.events, week="2018-W04")
    parsed = calendar_of(result)
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {"Assembly", "Canvass", "Call with Berlin", "Drive"}
    assembly = events["Assembly"]
    assert assembly.decoded("DTSTART").astimezone(UTC) == datetime(2018, 1, 24, 23, 30, tzinfo=UTC)
    assert assembly.decoded("DTEND").astimezone(UTC) == datetime(2018, 1, 25, 1, 0, tzinfo=UTC)
    assert assembly["DTSTART"].params["TZID"] == "America/New_York"
    assert str(assembly["LOCATION"]) == "Union Hall"
    assert str(assembly["URL"]) == "https://example.org/news/events/2018-01-24-assembly/"
    assert str(assembly["DESCRIPTION"]).startswith("We vote on the strike.")
    assert str(assembly["UID"]) == "2018-01-24-assembly@example.org"
    assert isinstance(assembly.decoded("DTSTAMP"), datetime)
    berlin = events["Call with Berlin"]
    assert berlin["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert berlin.decoded("DTSTART").astimezone(UTC) == datetime(2018, 1, 25, 18, 0, tzinfo=UTC)
    assert str(berlin["UID"]) == "berlin.2018-01-25-call@example.org"
    assert str(events["Canvass"]["STATUS"]) == "CANCELLED"
    assert str(events["Assembly"]["STATUS"]) == "CONFIRMED"
    assert events["Drive"].decoded("DTSTART") == date(2018, 1, 15)
    assert events["Drive"].decoded("DTEND") == date(2018, 2, 11)
    zones = {str(z["TZID"]) for z in parsed.walk("VTIMEZONE")}
    assert zones == {"America/New_York", "Europe/Berlin"}


def test_uids_are_stable_across_rebuilds(archived):
    first = {str(e["UID"]) for e in calendar_of(build(archived.config, archived.events, week="2018-W04")).walk("VEVENT")}
    path = archived.events / "2018-01-24-assembly.md"
    path.write_text(path.read_text().replace("title: Assembly", "title: Strike assembly"))
    second = {str(e["UID"]) for e in calendar_of(build(archived.config, archived.events, week="2018-W04")).walk("VEVENT")}
    assert first == second


def test_email_links_to_calendars_and_the_archive(archived):
    result = build(archived.config, archived.events, week="2018-W04")
    soup = BeautifulSoup(result.outputs["digest.html"].decode(), "html.parser")
    view = soup.find("a", string="View this email in your browser")
    assert view["href"] == "https://example.org/news/2018-W04/"
    ics = [a["href"] for a in soup.find_all("a") if a["href"].endswith(".ics")]
    assert "https://example.org/news/events/2018-01-24-assembly.ics" in ics
    assert not any("canvass" in href for href in ics)  # nothing to add for a cancelled event
    google = [a for a in soup.find_all("a") if a["href"].startswith("https://calendar.google.com/")]
    # The visible words make sense alone (Yahoo drops aria-label); where it stays, the name starts with them.
    # ... and ends with the date, so two dates of a series are two different links to a screen reader.
    assert [a["aria-label"].split(",")[0] for a in google] == [
        "Add to Google Calendar: Assembly", "Add to Google Calendar: Call with Berlin", "Add to Google Calendar: Drive"]
    assert google[0]["aria-label"] == "Add to Google Calendar: Assembly, Wednesday, January 24 · 6:30–8:00 pm"
    line = soup.find("p", class_="nl-calendar")
    assert line.get_text() == "Add to Google Calendar · Add to Outlook.com · Download for Apple and others (.ics)"
    assert all(a["aria-label"].startswith(a.get_text() + ": ") for a in line.find_all("a"))
    text = result.outputs["digest.txt"].decode()
    # The text part has one short link per event: the calendar file, which every calendar app opens.
    assert "Add to your calendar: https://example.org/news/events/2018-01-24-assembly.ics" in text
    assert text.count("Add to your calendar: ") == 3 and "calendar.google.com" not in text


def test_ics_instants_on_the_days_the_clocks_change(project):
    # New York springs forward on March 11, 2018; Berlin on March 25.
    project.event("ny.md", "---\ntitle: NY\nkind: rally\nstart: 2018-03-11 10:00\nend: 12:00\n---\n")
    project.event("berlin.md", "---\ntitle: Berlin\nkind: rally\nstart: 2018-03-25 10:00\nend: 11:00\n"
                  "timezone: Europe/Berlin\n---\n")
    project.event("early.md", "---\ntitle: Before the change\nkind: rally\nstart: 2018-03-25 01:30\nend: 03:30\n"
                  "timezone: Europe/Berlin\n---\n")
    ny = calendar_of(build(project.config, project.events, week="2018-W10"))
    [entry] = ny.walk("VEVENT")
    assert entry.decoded("DTSTART").astimezone(UTC) == datetime(2018, 3, 11, 14, 0, tzinfo=UTC)
    assert entry.decoded("DTEND").astimezone(UTC) == datetime(2018, 3, 11, 16, 0, tzinfo=UTC)
    berlin = {str(e["SUMMARY"]): e for e in calendar_of(build(project.config, project.events, week="2018-W12")).walk("VEVENT")}
    assert berlin["Berlin"].decoded("DTSTART").astimezone(UTC) == datetime(2018, 3, 25, 8, 0, tzinfo=UTC)
    # 01:30 is still winter time (UTC+1); 03:30 is summer time (UTC+2): one hour apart, not two.
    early = berlin["Before the change"]
    assert early.decoded("DTSTART").astimezone(UTC) == datetime(2018, 3, 25, 0, 30, tzinfo=UTC)
    assert early.decoded("DTEND").astimezone(UTC) == datetime(2018, 3, 25, 1, 30, tzinfo=UTC)


def test_a_calendar_with_two_zones_is_written_alike_in_every_process(project):
    """Each zone's VTIMEZONE, made once per run and shared by the archive's files, comes in the order of its
    name: not in the order of a set of strings, which changes from process to process."""
    import os
    import subprocess
    import sys

    project.event("ny.md", "---\ntitle: NY\nkind: rally\nstart: 2018-01-23 10:00\nend: 12:00\n---\n")
    project.event("berlin.md", "---\ntitle: Berlin\nkind: rally\nstart: 2018-01-24 10:00\nend: 11:00\n"
                  "timezone: Europe/Berlin\n---\n")
    made = []
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", f"out{seed}"],
                              cwd=project.root, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        assert done.returncode == 0, done.stderr
        ics = (project.root / f"out{seed}" / "events.ics").read_bytes()
        made.append(b"\n".join(line for line in ics.split(b"\n") if not line.startswith(b"DTSTAMP")))
    assert made[0] == made[1] == made[2]
    zones = [str(zone["TZID"]) for zone in Calendar.from_ical(made[0]).walk("VTIMEZONE")]
    assert zones == ["America/New_York", "Europe/Berlin"]
    assert not [line for line in made[0].split(b"\r\n") if line.startswith(b"RDATE") and b"," in line]
