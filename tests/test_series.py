"""A recurring event in every output: the digest, list, announcements, preview, archive and calendars."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime, UTC
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from icalendar import Calendar

from conftest import SETTINGS, require
from newsletter.outputs.announce import announcement_for
from newsletter.outputs.archive import site_files
from newsletter.outputs.build import build
from newsletter.cli import main

NEW_YORK = ZoneInfo("America/New_York")
REPO = Path(__file__).resolve().parents[1]

BRANCH_MEETING = """\
---
title: Branch meeting
kind: meeting
start: 2018-01-04 19:00
end: "21:00"
location: {name: Community Church, address: "565 Boylston St, Boston"}
repeat:
  every: week
  on: [tuesday, thursday]
  until: 2018-03-29
  except: [2018-01-30]
changes:
  2018-01-11: {status: rescheduled, start: 2018-01-12 19:00, status_note: moved for the storm}
  2018-01-18: {status: cancelled, status_note: the church is closed for repairs}
  2018-02-15: {location: {name: Cambridge Public Library}, speakers: [Sharon Smith]}
rsvp: https://example.org/rsvp
---
We plan the month's actions. Everyone is welcome.
"""


@pytest.fixture
def meeting(project):
    project.settings(SETTINGS + 'archive_url = "https://example.org/news/"\n')
    project.event("branch-meeting.md", BRANCH_MEETING)
    return project


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def digest_of(project, week: str):
    return build(project.config, project.events, week=week)


def entries(result) -> list[tuple[str, str]]:
    return [(e.start.strftime("%a %m-%d %H:%M"), e.status) for e in result.digest.events]


# The digest --------------------------------------------------------------------------

def test_a_week_with_two_dates_of_a_twice_weekly_series(meeting):
    result = digest_of(meeting, "2018-W06")  # February 5–11: Tuesday the 6th and Thursday the 8th
    assert entries(result) == [("Tue 02-06 19:00", "scheduled"), ("Thu 02-08 19:00", "scheduled")]
    text = result.outputs["digest.txt"].decode()
    assert "When: Tuesday, February 6 · 7:00–9:00 pm\n      Every Tuesday and Thursday, until Thursday, March 29\n" in text
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    assert [a.get_text() for a in soup.find("h2", string="This week").find_next("ul").find_all("a")] == [
        "Branch meeting", "Branch meeting"]
    assert len({h["id"] for h in soup.find_all("h3")}) == 2  # each date its own entry


def test_a_week_where_the_date_is_cancelled_shows_it_marked_with_its_note(meeting):
    result = digest_of(meeting, "2018-W03")  # the 16th as usual, the 18th cancelled
    assert entries(result) == [("Tue 01-16 19:00", "scheduled"), ("Thu 01-18 19:00", "cancelled")]
    text = result.outputs["digest.txt"].decode()
    assert "[2] [CANCELLED] Branch meeting\n" in text
    assert "      This event will not take place.\n      the church is closed for repairs\n" in text


def test_a_week_where_the_date_moved_to_another_day(meeting):
    result = digest_of(meeting, "2018-W02")
    assert entries(result) == [("Tue 01-09 19:00", "scheduled"), ("Fri 01-12 19:00", "rescheduled")]
    text = result.outputs["digest.txt"].decode()
    assert "Moved from Thursday, January 11, 7:00 pm\n      moved for the storm\n" in text


def test_a_skipped_date_is_not_in_its_week(meeting):
    assert entries(digest_of(meeting, "2018-W05")) == [("Thu 02-01 19:00", "scheduled")]  # not Tuesday the 30th


def test_coming_up_shows_a_series_once_with_its_rule(meeting):
    meeting.event("rally.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-02-17 12:00\n---\n")
    text = digest_of(meeting, "2018-W06").outputs["digest.txt"].decode()
    coming = text[text.index("COMING UP"):].split("\n")[3:6]
    assert coming == ["- Tuesday, February 13: Branch meeting · Tuesdays and Thursdays",
                      "- Saturday, February 17: Rally", ""]


def test_json_says_which_series_and_date(meeting):
    summary = json.loads(digest_of(meeting, "2018-W07").outputs["digest.json"])
    library = [e for s in summary["sections"] for e in s["events"] if e["start"].startswith("2018-02-15")][0]
    assert (library["id"], library["series"], library["occurrence"]) == (
        "branch-meeting/2018-02-15", "branch-meeting", "2018-02-15")
    assert library["repeat"] == "every Tuesday and Thursday, until Thursday, March 29"
    assert library["location"]["name"] == "Cambridge Public Library"


# list, check, announce, preview ----------------------------------------------------------

def test_list_shows_dates_and_the_change_notices_to_send(meeting):
    result = run("list", "--week", "2018-W03", "--today", "2018-01-15")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert "  Tue Jan 16  7:00–9:00 pm       Branch meeting · Community Church" in lines
    assert "  Thu Jan 18  7:00–9:00 pm       [cancelled] Branch meeting · Community Church" in lines
    at = lines.index("Change notices to send")
    assert lines[at + 1:at + 3] == ["  Thu Jan 18  [cancelled] Branch meeting",
                                    "              newsletter send --event branch-meeting/2018-01-18"]


def test_check_validates_the_whole_series(meeting):
    meeting.event("branch-meeting.md", BRANCH_MEETING.replace("2018-02-15:", "2018-02-16:"))
    result = run("check", "--week", "2018-W03")
    assert result.exit_code == 1
    assert ("events/branch-meeting.md:15: changes.2018-02-16: 2018-02-16 is not a date of the series: the nearest is "
            "Thursday, February 15 (2018-02-15)") in result.stderr


def test_announce_a_date_by_its_id_and_the_series_by_its_next_date(meeting):
    notice = announcement_for(meeting.load(), meeting.events, "branch-meeting/2018-01-18", today=date(2018, 1, 15))
    assert notice.kind == "change notice" and notice.email.subject.startswith("CANCELLED: 1/18 Meeting: Branch meeting")
    nxt = announcement_for(meeting.load(), meeting.events, "branch-meeting", today=date(2018, 1, 19))
    assert nxt.event.id == "branch-meeting/2018-01-23"
    by_file = run("announce", "events/branch-meeting.md", "--today", "2018-02-14", "--out", "out")
    assert by_file.exit_code == 0 and "(branch-meeting/2018-02-15)" in by_file.stdout
    missing = run("announce", "branch-meeting/2018-01-30", "--today", "2018-01-15")
    assert missing.exit_code == 1 and "no event 'branch-meeting/2018-01-30'" in missing.stderr


def test_an_announcements_calendar_file_is_the_whole_series(meeting):
    result = announcement_for(meeting.load(), meeting.events, "branch-meeting/2018-02-15", today=date(2018, 2, 8))
    calendar = Calendar.from_ical(result.outputs["event.ics"])
    events = calendar.walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {"branch-meeting@example.org"}
    assert sum(1 for e in events if "RRULE" in e) == 1 and sum(1 for e in events if "RECURRENCE-ID" in e) == 3


def test_the_preview_shows_a_dates_announcement(meeting):
    from test_preview import Running

    running = Running(meeting.root)
    try:
        status, body = running.get("/announce/branch-meeting/2018-01-18/")
        assert status == 200 and "CANCELLED: 1/18 Meeting: Branch meeting" in body
        status, _ = running.get("/week/2018-W03/")
        assert status == 200
    finally:
        running.close()


# Calendars --------------------------------------------------------------------------

def series_calendar(meeting) -> bytes:
    files = dict(site_files(meeting.load(), date(2018, 1, 1)))
    return files["events/branch-meeting.ics"]()


def test_the_series_calendar_is_one_rule_with_exceptions_and_overrides(meeting):
    calendar = Calendar.from_ical(series_calendar(meeting))
    master, *overrides = calendar.walk("VEVENT")
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20180330T035959Z;BYDAY=TU,TH"
    assert master.decoded("DTSTART") == datetime(2018, 1, 4, 19, tzinfo=NEW_YORK)
    assert str(master["DTSTART"].params["TZID"]) == "America/New_York"
    assert [d.dt for d in master["EXDATE"].dts] == [datetime(2018, 1, 30, 19, tzinfo=NEW_YORK)]
    by_date = {o.decoded("RECURRENCE-ID").date(): o for o in overrides}
    assert set(by_date) == {date(2018, 1, 11), date(2018, 1, 18), date(2018, 2, 15)}
    assert by_date[date(2018, 1, 11)].decoded("DTSTART") == datetime(2018, 1, 12, 19, tzinfo=NEW_YORK)
    assert str(by_date[date(2018, 1, 18)]["STATUS"]) == "CANCELLED"
    assert all(str(o["UID"]) == str(master["UID"]) for o in overrides)


def test_an_independent_expander_finds_the_digests_instants(meeting):
    import recurring_ical_events

    calendar = Calendar.from_ical(series_calendar(meeting))
    expanded = recurring_ical_events.of(calendar).between(datetime(2018, 1, 1), datetime(2018, 4, 1))
    from_calendar = sorted((e.decoded("DTSTART").astimezone(UTC), str(e.get("STATUS"))) for e in expanded)
    digests = []
    for week in range(1, 14):
        result = digest_of(meeting, f"2018-W{week:02d}")
        digests += [(e.start.astimezone(UTC), {"cancelled": "CANCELLED"}.get(e.status, "CONFIRMED"))
                    for e in result.digest.events]
    assert from_calendar == sorted(digests)
    assert len(digests) == 24  # 25 Tuesdays and Thursdays from January 4 to March 29, less the 30th
    # The clocks change on March 11: 7 pm is 00:00 UTC before, 23:00 UTC after.
    assert {i.hour for i, _ in digests if i < datetime(2018, 3, 11, tzinfo=UTC)} == {0}
    assert {i.hour for i, _ in digests if i > datetime(2018, 3, 12, tzinfo=UTC)} == {23}


def test_ical_js_reads_the_series_the_same_way(meeting, tmp_path):
    import shutil

    node = shutil.which("node")
    require(node is not None and (REPO / "node_modules" / "ical.js").is_dir(),
            "Node.js and ical.js (`npm install --no-save ical.js` in the repository)")
    path = tmp_path / "series.ics"
    path.write_bytes(series_calendar(meeting))
    done = subprocess.run([node, str(REPO / "tests" / "expand_ics.mjs"), str(path), "2018-04-01"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    instants = sorted(o["start"] for o in seen["occurrences"])
    assert len(instants) == 24 and instants[0] == "2018-01-05T00:00:00Z" and instants[-1] == "2018-03-29T23:00:00Z"
    assert "2018-01-13T00:00:00Z" in instants and "2018-01-31T00:00:00Z" not in instants


def test_the_weeks_calendar_carries_that_weeks_dates_as_dates_of_the_series(meeting):
    calendar = Calendar.from_ical(digest_of(meeting, "2018-W06").outputs["events.ics"])
    # The series' UID and each date's place in the rule: the identity the archive and a notice give the date too.
    assert [(str(e["UID"]), e["RECURRENCE-ID"].dt.isoformat(), "RRULE" in e) for e in calendar.walk("VEVENT")] == [
        ("branch-meeting@example.org", "2018-02-06T19:00:00-05:00", False),
        ("branch-meeting@example.org", "2018-02-08T19:00:00-05:00", False)]


def test_google_link_adds_the_series_from_that_date_in_its_zone(meeting):
    result = digest_of(meeting, "2018-W06")
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    link = soup.find("a", href=re.compile(r"^https://calendar\.google\.com"))["href"]
    query = parse_qs(urlsplit(link).query)
    assert query["dates"] == ["20180206T190000/20180206T210000"]
    assert query["ctz"] == ["America/New_York"]
    assert query["recur"] == ["RRULE:FREQ=WEEKLY;UNTIL=20180330T035959Z;BYDAY=TU,TH"]
    moved = BeautifulSoup(digest_of(meeting, "2018-W02").outputs["digest.html"], "html.parser")
    links = [a["href"] for a in moved.find_all("a", href=re.compile(r"^https://calendar\.google\.com"))]
    assert "recur" in parse_qs(urlsplit(links[0]).query) and "recur" not in parse_qs(urlsplit(links[1]).query)


# The archive ------------------------------------------------------------------------

def test_the_archive_gives_a_series_one_page_with_its_dates_and_changes(meeting):
    files = dict(site_files(meeting.load(), date(2018, 1, 17)))
    assert "events/branch-meeting/index.html" in files
    assert not any(name.startswith("events/branch-meeting/2018") for name in files)
    page = BeautifulSoup(files["events/branch-meeting/index.html"](), "html.parser")
    assert page.h1.get_text() == "Branch meeting"
    assert "Every Tuesday and Thursday, until Thursday, March 29" in page.get_text()
    coming = page.find("h2", string="Next dates").find_next("ul").find_all("li")
    assert [li["id"] for li in coming][:5] == ["2018-01-18", "2018-01-23", "2018-01-25", "2018-02-01", "2018-02-06"]
    assert len(coming) == 12
    assert "Cancelled" in coming[0].get_text() and "the church is closed for repairs" in coming[0].get_text()
    library = page.find(id="2018-02-15").get_text(" ", strip=True)
    assert "Where: Cambridge Public Library" in library and "With Sharon Smith" in library
    earlier = page.find("h2", string="Other changed dates").find_next("ul").find_all("li")
    assert [li["id"] for li in earlier] == ["2018-01-11"]
    assert "Friday, January 12" in earlier[0].get_text() and "Moved from Thursday, January 11" in earlier[0].get_text()
    week = BeautifulSoup(files["2018-W03/index.html"](), "html.parser")
    assert {a["href"] for a in week.select("h3 a")} == {"https://example.org/news/events/branch-meeting/#2018-01-16",
                                                        "https://example.org/news/events/branch-meeting/#2018-01-18"}


def test_the_series_page_and_its_weeks_pass_the_nu_html_checker(meeting):
    from test_archive import vnu_jar

    jar = vnu_jar()
    result = run("archive", "--today", "2018-01-17", "--out", "site")
    assert result.exit_code == 0, result.output
    pages = [str(meeting.root / "site" / page) for page in ("events/branch-meeting/index.html", "2018-W03/index.html")]
    done = subprocess.run(["java", "-jar", jar, "--format", "json", *pages], capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m["type"] == "error"] == []
