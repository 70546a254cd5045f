"""newsletter import: calendars newsletter did not write, read into event files whose dates are the ones an
independent expander (recurring-ical-events) gives, kept in step on a second import, and forms' responses.

The real-world calendars come from recurring-ical-events' own test suite (LGPL-3.0-or-later, Nicco Kunzmann
and contributors), read where that test dependency installs them: Google Calendar, Thunderbird,
Nextcloud/SabreDAV and Outlook exports, with RECURRENCE-ID overrides, EXDATEs, X-WR-TIMEZONE and UTC UNTILs.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from conftest import REPO, copy_sample
from newsletter.cli import main

UTC = ZoneInfo("UTC")
GROUP = """\
name = "Tenants Weekly"
timezone = "America/New_York"
from = "Eastside Tenants <news@example.org>"
"""


def calendars() -> Path:
    import recurring_ical_events

    return Path(recurring_ical_events.__file__).parent / "test" / "calendars"


def run(*args: str, root: Path | None = None):
    result = CliRunner().invoke(main, [*args, *(["--config", str(root / "newsletter.toml")] if root else [])])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def group(tmp_path: Path, settings: str = GROUP, name: str = "group") -> Path:
    root = tmp_path / name
    (root / "events").mkdir(parents=True)
    (root / "newsletter.toml").write_text(settings, encoding="utf-8")
    return root


def digest_starts(root: Path, since: date, until: date) -> list[tuple[str, bool]]:
    """Every event the week digests of `since`–`until` show, as (its start as an instant or a day, cancelled):
    the digest that `build` writes to digest.json, week by week."""
    from newsletter.outputs.project import load_project
    from newsletter.schedule.dates import parse_week
    from newsletter.schedule.digest import digest_for_week

    project = load_project(root / "newsletter.toml", root / "events", cache=False)
    seen: dict[str, tuple[str, bool]] = {}
    day = since - timedelta(days=since.weekday())
    while day < until:
        week = parse_week(f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}", "monday", project.settings.timezone)
        for event in digest_for_week(project.events, week, project.settings, drafts=True).events:
            if since <= event.start.date() < until:
                seen[event.id] = (_instant(event.start, event.all_day), event.status == "cancelled")
        day += timedelta(weeks=1)
    return sorted(seen.values())


def _instant(value: datetime | date, all_day: bool = False) -> str:
    if all_day or not isinstance(value, datetime):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    return value.astimezone(UTC).isoformat()


def expanded(path: Path, since: date, until: date, floating: str) -> list[tuple[str, bool]]:
    """What recurring-ical-events gives for the source file: each occurrence starting in the window."""
    import icalendar
    import recurring_ical_events

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    found = []
    for event in recurring_ical_events.of(calendar).between(since, until):
        start = event.get("DTSTART").dt
        if isinstance(start, datetime) and start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(floating))
        if not since <= (start.date() if isinstance(start, datetime) else start) < until:
            continue
        found.append((_instant(start), str(event.get("STATUS") or "").upper() == "CANCELLED"))
    return sorted(found)


REAL_WORLD = [
    # (file, who wrote it, window, what it tests)
    ("issue_62_moved_event.ics", "Google Calendar", (date(2021, 11, 1), date(2023, 1, 1)),
     "a monthly 'last Friday' series with a RECURRENCE-ID that moves one date, HTML in DESCRIPTION"),
    ("machbar_16_feb_2019.ics", "Google Calendar", (date(2017, 1, 1), date(2019, 3, 1)),
     "a makerspace's public calendar: 64 events, weekly and monthly series, all-day events"),
    ("x_wr_timezone_simple_events_issue_59.ics", "Google Calendar", (date(2021, 12, 1), date(2022, 1, 1)),
     "X-WR-TIMEZONE with times in UTC"),
    ("issue_223_thunderbird.ics", "Thunderbird", (date(2025, 4, 1), date(2025, 5, 1)),
     "a daily series with a UTC UNTIL, one date moved by two hours and one with a new place"),
    ("issue_18_cancel_status.ics", "Thunderbird", (date(2020, 1, 1), date(2020, 6, 1)),
     "a date of a series cancelled with STATUS:CANCELLED"),
    ("each_week_but_two_deleted.ics", "Nextcloud (SabreDAV)", (date(2019, 3, 1), date(2019, 6, 1)),
     "a weekly series with COUNT and two EXDATEs"),
    ("duration_edited.ics", "Nextcloud (SabreDAV)", (date(2019, 1, 1), date(2020, 1, 1)),
     "a series whose dates were given other lengths"),
    ("issue_27_t1.ics", "Outlook", (date(2020, 4, 1), date(2020, 5, 1)),
     "a Windows time zone name and a floating UNTIL"),
    ("issue_28_rrule_with_UTC_endinginZ.ics", "Outlook", (date(2020, 1, 1), date(2021, 1, 1)),
     "all-day series every other week, RECURRENCE-IDs written as midnight in another zone"),
    ("issue_163_deleted_modification.ics", "a calendar server (no PRODID)", (date(2024, 7, 1), date(2025, 7, 1)),
     "two revisions of a series: the later one removes a date the earlier one had changed"),
    ("issue_253_additional_recurrence_id.ics", "a calendar server (no PRODID)", (date(2024, 7, 1), date(2024, 12, 1)),
     "a change of a date the series' later revision no longer reaches"),
    ("issue_128_only_first_event.ics", "Teamup (no PRODID)", (date(2023, 10, 1), date(2024, 6, 1)),
     "COUNT=-1 beside UNTIL, which calendar apps ignore"),
]


@pytest.mark.parametrize("name,writer,window,what", REAL_WORLD, ids=[row[0] for row in REAL_WORLD])
def test_a_real_calendar_imports_with_every_date_where_an_independent_expander_puts_it(tmp_path, name, writer,
                                                                                      window, what):
    root = group(tmp_path)
    since, until = window
    result = run("import", str(calendars() / name), "--from", since.isoformat(), "--until", until.isoformat(),
                 root=root)
    assert result.exit_code == 0, result.output
    files = sorted((root / "events").glob("*.md"))
    assert files, result.output
    assert run("check", "--week", f"{since.isocalendar()[0]}-W{since.isocalendar()[1]:02d}", root=root).exit_code \
        in (0, 1)  # a week may be empty: the files themselves must read
    from newsletter.outputs.project import load_project

    load_project(root / "newsletter.toml", root / "events", cache=False)  # raises on any problem in any file
    ours = digest_starts(root, since, until)
    theirs = expanded(calendars() / name, since, until, "America/New_York")
    assert ours == theirs, f"{writer}: {what}"
    # Imported again unchanged: not a byte of any file of the project changes, the record included.
    before = {path: path.read_bytes() for path in [*files, root / "imported.json"]}
    again = run("import", str(calendars() / name), "--from", since.isoformat(), "--until", until.isoformat(),
                root=root)
    assert "0 added, 0 updated, 0 cancelled" in again.output
    assert {path: path.read_bytes() for path in [*sorted((root / "events").glob("*.md")), root / "imported.json"]} \
        == before


def test_a_series_is_written_as_a_person_would_write_it(tmp_path):
    """Google's monthly series with a moved date: one file, repeat and changes, the description in Markdown."""
    root = group(tmp_path)
    run("import", str(calendars() / "issue_62_moved_event.ics"), "--from", "2021-11-01", "--until", "2022-06-01",
        root=root)
    (path,) = (root / "events").glob("*.md")
    assert path.name == "2021-11-26-karaoke.md"
    assert path.read_text() == """\
---
title: Karaoke
kind: other
start: 2021-11-26 21:30
timezone: Europe/Berlin
repeat:
  every: month
  on: last friday
changes:
  2021-12-31:
    status: rescheduled
    start: 2021-12-17 21:30
source:
  calendar: issue_62_moved_event.ics
  uid: 38m812jicsrer5gorh3mlp7qhc@google.com
---

Jeden letzten Freitag im Monat <https://www.instagram.com/p/CWwxmqbKXsC/>
"""


def test_a_rule_repeat_cannot_say_becomes_one_file_per_date_and_says_so(tmp_path):
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "second-to-last@example.org")
    event.add("summary", "Steering committee")
    event.add("dtstart", datetime(2026, 1, 1, 18, 0, tzinfo=ZoneInfo("America/New_York")))
    event.add("dtend", datetime(2026, 1, 1, 19, 0, tzinfo=ZoneInfo("America/New_York")))
    event.add("rrule", {"freq": "monthly", "byday": ["TU", "WE"], "bysetpos": [-1], "count": 4})
    calendar.add_component(event)
    source = tmp_path / "committee.ics"
    source.write_bytes(calendar.to_ical())
    root = group(tmp_path)
    result = run("import", str(source), "--from", "2026-01-01", "--until", "2026-07-01", root=root)
    assert "its rule cannot be written as repeat (BYSETPOS): written as 5 separate files" in result.output
    names = sorted(p.name for p in (root / "events").glob("*.md"))
    assert names == ["2026-01-01-steering-committee.md", "2026-01-28-steering-committee.md", "2026-02-25-steering-committee.md",
                     "2026-03-31-steering-committee.md", "2026-04-29-steering-committee.md"]
    assert digest_starts(root, date(2026, 1, 1), date(2026, 7, 1)) == \
        expanded(source, date(2026, 1, 1), date(2026, 7, 1), "America/New_York")


def test_the_archives_own_calendar_imported_into_an_empty_group_gives_the_same_digests(tmp_path, monkeypatch):
    """Round trip: the sample group's archive calendar.ics, imported into a new group, makes the same weeks: the
    same events, kinds, times, statuses (a moved one still says where from) and places."""
    from newsletter.outputs.summary import event_summary

    sample = tmp_path / "sample"
    sample.mkdir()
    copy_sample(sample)
    monkeypatch.chdir(sample)
    assert run("archive", "--out", "site", "--today", "2018-01-08").exit_code == 0
    root = group(tmp_path, (REPO / "newsletter.toml").read_text(encoding="utf-8"), "copy")
    result = run("import", str(sample / "site" / "calendar.ics"), "--from", "2018-01-01", "--until", "2018-03-01",
                 root=root)
    assert result.exit_code == 0, result.output
    compared = ("title", "kind", "status", "start", "end", "all_day", "last_day", "rescheduled_from", "online")

    def weeks(folder: Path) -> list[list[dict]]:
        from newsletter.outputs.project import load_project
        from newsletter.schedule.dates import parse_week
        from newsletter.schedule.digest import digest_for_week

        project = load_project(folder / "newsletter.toml", folder / "events", cache=False)
        found = []
        for number in range(2, 7):
            week = parse_week(f"2018-W{number:02d}", project.settings.week_start, project.settings.timezone)
            digest = digest_for_week(project.events, week, project.settings)
            found.append(sorted(({k: event_summary(e)[k] for k in compared} | {"location": _place(e)}
                                 for e in digest.events), key=lambda e: (e["start"], e["title"])))
        return found

    assert weeks(root) == weeks(sample)
    assert sum(len(week) for week in weeks(sample)) >= 5


def _place(event) -> tuple[str | None, str | None] | None:
    """What a calendar's LOCATION carries of a place: its name and address. A place's notes (directions) are not
    written there, nor a place still TBD (a map search for "TBD" finds nowhere)."""
    place = event.location
    return None if place is None or place.tbd else (place.name, place.address)


def _calendar(events: list[dict]) -> bytes:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Example//Organizing calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", "America/New_York")
    for spec in events:
        event = icalendar.Event()
        for key, value in spec.items():
            event.add(key, value)
        calendar.add_component(event)
    return calendar.to_ical()


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=ZoneInfo("America/New_York"))


def _one_rally_imported(tmp_path: Path) -> tuple[Path, dict, Path, tuple[str, ...]]:
    """A calendar of one rally, imported into a new group: (the calendar, its event, the group, the window)."""
    source = tmp_path / "c.ics"
    event = {"uid": "rally@x", "summary": "Rent strike rally", "dtstart": _at(6, 12), "dtend": _at(6, 14)}
    source.write_bytes(_calendar([event]))
    root = group(tmp_path)
    window = ("--from", "2027-03-01", "--until", "2027-04-01")
    run("import", str(source), *window, root=root)
    return source, event, root, window


def test_a_second_import_follows_the_calendar_and_keeps_what_people_wrote(tmp_path):
    """Move one event by an hour, cancel one, add one, delete one, and import again: the moved one is
    rescheduled (list offers its change notice), the cancelled and the deleted ones cancelled, the new one
    added, a hand-added rsvp kept, and nothing else changes."""
    source = tmp_path / "organizing.ics"
    first = [
        {"uid": "rally@x", "summary": "Rent strike rally", "dtstart": _at(6, 12), "dtend": _at(6, 14),
         "location": "City Hall Plaza, 1 City Hall Sq, Boston"},
        {"uid": "meeting@x", "summary": "Building meeting", "dtstart": _at(9, 19), "duration": timedelta(hours=1)},
        {"uid": "panel@x", "summary": "Housing panel", "dtstart": _at(11, 18, 30),
         "description": "<p>Speakers from <b>three</b> unions.</p>"},
        {"uid": "drive@x", "summary": "Fund drive", "dtstart": date(2027, 3, 1), "dtend": date(2027, 3, 15)},
    ]
    source.write_bytes(_calendar(first))
    root = group(tmp_path)
    window = ("--from", "2027-03-01", "--until", "2027-04-01")
    out = run("import", str(source), *window, root=root).output
    assert "4 added" in out
    files = {p.name: p for p in (root / "events").glob("*.md")}
    assert sorted(files) == ["2027-03-01-fund-drive.md", "2027-03-06-rent-strike-rally.md",
                             "2027-03-09-building-meeting.md", "2027-03-11-housing-panel.md"]
    assert "end: 2027-03-14\n" in files["2027-03-01-fund-drive.md"].read_text()  # DTEND of a whole day is the next
    assert "location:\n  name: City Hall Plaza\n  address: 1 City Hall Sq, Boston\n" in \
        files["2027-03-06-rent-strike-rally.md"].read_text()
    assert "Speakers from **three** unions." in files["2027-03-11-housing-panel.md"].read_text()
    panel = files["2027-03-11-housing-panel.md"]
    panel.write_text(panel.read_text().replace("kind: other\n", "kind: panel\nrsvp: https://example.org/rsvp\n"))
    kept_panel = panel.read_bytes()

    second = [dict(first[0], dtstart=_at(6, 13), dtend=_at(6, 15)),
              dict(first[1], status="CANCELLED"),
              first[2],
              {"uid": "canvass@x", "summary": "Door knocking", "dtstart": _at(20, 10), "dtend": _at(20, 13)}]
    source.write_bytes(_calendar(second))
    dry = run("import", str(source), *window, "--dry-run", root=root).output
    assert "Would import" in dry and not (root / "events" / "2027-03-20-door-knocking.md").exists()
    out = run("import", str(source), *window, root=root).output
    assert "1 added, 1 updated, 2 cancelled, 0 conflicts" in out, out
    rally = files["2027-03-06-rent-strike-rally.md"].read_text()
    assert "start: 2027-03-06 13:00\nend: 15:00\n" in rally
    assert "status: rescheduled\nrescheduled_from: 2027-03-06 12:00\n" in rally
    assert "status: cancelled\n" in files["2027-03-09-building-meeting.md"].read_text()
    assert "status: cancelled\n" in files["2027-03-01-fund-drive.md"].read_text()  # gone from the calendar
    assert panel.read_bytes() == kept_panel  # unchanged in the calendar, and the hand edits kept
    assert (root / "events" / "2027-03-20-door-knocking.md").exists()
    listing = run("list", "--week", "2027-W10", "--today", "2027-03-01", root=root).output
    assert "[rescheduled] Rent strike rally" in listing and "Change notices to send" in listing
    assert "from organizing.ics, last imported" in listing
    # And once more, unchanged: no event file changes, byte for byte.
    before = {p: p.read_bytes() for p in (root / "events").glob("*.md")}
    assert "0 added, 0 updated, 0 cancelled" in run("import", str(source), *window, root=root).output
    assert {p: p.read_bytes() for p in (root / "events").glob("*.md")} == before


def test_a_field_edited_in_the_file_and_in_the_calendar_is_a_conflict_the_file_wins_unless_theirs(tmp_path):
    source, event, root, window = _one_rally_imported(tmp_path)
    (path,) = (root / "events").glob("*.md")
    path.write_text(path.read_text().replace("title: Rent strike rally", "title: Rent Strike Rally!"))
    source.write_bytes(_calendar([dict(event, summary="Rent strike march")]))
    out = run("import", str(source), *window, root=root).output
    assert ("conflict in events/2027-03-06-rent-strike-rally.md: title: the calendar now says 'Rent strike march', "
            "the file says 'Rent Strike Rally!': kept the file's (--theirs takes the calendar's)") in out
    assert "title: Rent Strike Rally!" in path.read_text()
    source.write_bytes(_calendar([dict(event, summary="Rent strike march!")]))
    run("import", str(source), *window, "--theirs", root=root)
    assert "title: Rent strike march!" in path.read_text()


def test_kinds_come_from_the_rules_in_the_settings_on_titles_and_categories(tmp_path):
    source = tmp_path / "c.ics"
    source.write_bytes(_calendar([
        {"uid": "a@x", "summary": "March for housing", "dtstart": _at(6, 12)},
        {"uid": "b@x", "summary": "Monthly gathering", "dtstart": _at(7, 12), "categories": ["Meeting"]},
        {"uid": "c@x", "summary": "Potluck", "dtstart": _at(8, 12)},
    ]))
    root = group(tmp_path, GROUP + '\n[[import.kinds]]\nmatch = "rally|march|protest"\nkind = "rally"\n'
                 '\n[[import.kinds]]\nmatch = "^meeting$"\nkind = "meeting"\n')
    run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", "--kind", "fund-drive", root=root)
    kinds = {p.name: next(line for line in p.read_text().splitlines() if line.startswith("kind:"))
             for p in (root / "events").glob("*.md")}
    assert kinds == {"2027-03-06-march-for-housing.md": "kind: rally", "2027-03-07-monthly-gathering.md":
                     "kind: meeting", "2027-03-08-potluck.md": "kind: fund-drive"}


def test_the_window_keeps_a_long_calendar_to_what_is_coming(tmp_path):
    source = tmp_path / "c.ics"
    source.write_bytes(_calendar([{"uid": f"e{n}@x", "summary": f"Meeting {n}", "dtstart": _at(1, 19) +
                                   timedelta(weeks=n * 10)} for n in range(60)]))
    root = group(tmp_path)
    out = run("import", str(source), "--from", "2027-03-01", "--until", "2027-09-01", root=root).output
    assert len(list((root / "events").glob("*.md"))) == 3
    assert "57 events outside 2027-03-01 – 2027-09-01 left out" in out


FORM = """\
[import.form]
title = "Event name"
start = "Date and time"
end = "Ends"
location = "Where"
description = "Tell us about it"
kind = "Type"
"""


def test_a_forms_responses_become_drafts_once_each_and_a_bad_row_is_one_line(tmp_path):
    root = group(tmp_path, GROUP + "\n" + FORM)
    responses = tmp_path / "responses.csv"
    responses.write_text(
        "Timestamp,Event name,Date and time,Ends,Where,Tell us about it,Type\n"
        "3/1/2027 10:02:11,Tenant know-your-rights workshop,3/9/2027 18:30:00,20:00,Library,Bring your lease.,panel\n"
        "3/2/2027 09:00:00,,3/10/2027 18:00:00,,Library,,meeting\n"
        "3/2/2027 11:30:00,Phone bank,next Tuesday,,Office,,\n", encoding="utf-8")
    result = run("import", str(responses), root=root)
    assert result.exit_code == 1
    assert "responses.csv: row 3: column 'Event name' (title): is empty: every event needs a name" in result.output
    assert ("responses.csv: row 4: column 'Date and time' (start): 'next Tuesday' is not a date and time "
            "newsletter can read: write 2026-03-05 19:00") in result.output
    (path,) = (root / "events").glob("*.md")
    assert path.name == "2027-03-09-tenant-know-your-rights-workshop.md"
    text = path.read_text()
    assert "kind: panel\nstart: 2027-03-09 18:30\nend: 20:00\nlocation: Library\ndraft: true\n" in text
    assert text.endswith("---\n\nBring your lease.\n")
    # The organizer publishes it; the same responses imported again add nothing and leave it published.
    path.write_text(text.replace("draft: true\n", ""))
    published = path.read_bytes()
    run("import", str(responses), root=root)
    assert list((root / "events").glob("*.md")) == [path] and path.read_bytes() == published


def test_a_form_without_a_mapped_column_is_one_line(tmp_path):
    root = group(tmp_path, GROUP + "\n" + FORM)
    responses = tmp_path / "responses.csv"
    responses.write_text("Timestamp,Name,When\n1,Rally,2027-03-06 12:00\n", encoding="utf-8")
    result = run("import", str(responses), root=root)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].endswith(
        "responses.csv: no column 'Event name' ([import.form] title names it); the file's columns are: "
        "'Timestamp', 'Name', 'When'")
    assert not list((root / "events").glob("*.md"))


class _Calendars(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - the standard library's name
        if self.path == "/missing.ics":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Calendars)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_a_calendar_address_is_imported_and_bad_sources_are_one_line_each(tmp_path, server):
    root = group(tmp_path)
    _Calendars.body = _calendar([{"uid": "a@x", "summary": "Rally", "dtstart": _at(6, 12)}])
    result = run("import", f"{server}/basic.ics", "--from", "2027-03-01", "--until", "2027-04-01", root=root)
    assert result.exit_code == 0 and "1 added" in result.output
    (path,) = (root / "events").glob("*.md")
    assert f"  calendar: {server}/basic.ics\n" in path.read_text()

    def one_line(*args: str) -> str:
        failed = run("import", *args, root=root)
        assert failed.exit_code != 0
        lines = failed.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in failed.output, failed.output
        return lines[0]

    assert "the server answered 404" in one_line(f"{server}/missing.ics")
    with socket_closed() as port:
        assert "the address does not answer" in one_line(f"http://127.0.0.1:{port}/basic.ics")
    (tmp_path / "notes.ics").write_text("Just some notes\n")
    assert "notes.ics: not an iCalendar file" in one_line(str(tmp_path / "notes.ics"))
    (tmp_path / "odd.ics").write_bytes(_calendar([]).replace(b"America/New_York", b"Mars/Olympus_Mons"))
    assert "X-WR-TIMEZONE names an unknown time zone, 'Mars/Olympus_Mons'" in one_line(str(tmp_path / "odd.ics"))
    assert "no such file" in one_line(str(tmp_path / "absent.ics"))
    assert "--kind: " in one_line(str(path), "--kind", "parade")
    assert json.loads((root / "imported.json").read_text())["sources"]  # the earlier import's record is intact


class socket_closed:
    """A loopback port that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.sock.close()


def test_a_tentative_event_is_a_draft_and_a_cancelled_one_says_so(tmp_path):
    source = tmp_path / "c.ics"
    source.write_bytes(_calendar([
        {"uid": "a@x", "summary": "Maybe a picnic", "dtstart": _at(6, 12), "status": "TENTATIVE"},
        {"uid": "b@x", "summary": "Called-off march", "dtstart": _at(7, 12), "status": "CANCELLED"},
        {"uid": "c@x", "summary": "Solidarity meeting", "dtstart": _at(8, 12),
         "location": "https://meet.jit.si/eastside-tenants"},
        {"uid": "d@x", "summary": "Berlin call", "dtstart": datetime(2027, 3, 9, 18, 0, tzinfo=ZoneInfo("Europe/Berlin")),
         "description": "Join: https://us02web.zoom.us/j/123456?pwd=abc\nAgenda below."},
    ]))
    root = group(tmp_path)
    run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", root=root)
    texts = {p.name: p.read_text() for p in (root / "events").glob("*.md")}
    assert "draft: true\n" in texts["2027-03-06-maybe-a-picnic.md"]
    assert "status: cancelled\n" in texts["2027-03-07-called-off-march.md"]
    assert "online: https://meet.jit.si/eastside-tenants\n" in texts["2027-03-08-solidarity-meeting.md"]
    berlin = texts["2027-03-09-berlin-call.md"]
    assert "start: 2027-03-09 18:00\ntimezone: Europe/Berlin\nonline: https://us02web.zoom.us/j/123456?pwd=abc\n" \
        in berlin


def test_the_preview_says_which_events_came_from_which_source_and_when(tmp_path):
    from bs4 import BeautifulSoup

    from newsletter.serving.preview import PreviewSite

    source = tmp_path / "organizing.ics"
    source.write_bytes(_calendar([{"uid": "a@x", "summary": "Rent strike rally", "dtstart": _at(6, 12)}]))
    root = group(tmp_path)
    (root / "events" / "2027-03-07-own.md").write_text(
        "---\ntitle: Our own potluck\nkind: other\nstart: 2027-03-07 18:00\n---\n", encoding="utf-8")
    run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", root=root)
    site = PreviewSite(root / "newsletter.toml", root / "events", today=date(2027, 3, 1))
    try:
        page = site.respond("/week/2027-W09/", 1)
        assert page is not None
        items = {li["data-event"]: li for li in BeautifulSoup(page.body, "html.parser").select("li[data-event]")}
    finally:
        site.close()
    when = json.loads((root / "imported.json").read_text())["sources"]["organizing.ics"]["imported"]
    shown = datetime.fromisoformat(when).astimezone(ZoneInfo("America/New_York"))
    assert items["2027-03-06-rent-strike-rally"].select_one(".imported").get_text(strip=True) == \
        f"· from organizing.ics, last imported {shown:%Y-%m-%d %H:%M}"
    assert items["2027-03-07-own"].select_one(".imported") is None


class _Mobilize(BaseHTTPRequestHandler):
    """Answers GET /v1/organizations/:id/events as Mobilize's public API documents it: pages of Event objects
    with their Timeslots (Unix times), Location and browser_url, linked by `next`."""

    pages: dict[str, dict] = {}
    asked: list[str] = []

    def do_GET(self):  # noqa: N802
        self.asked.append(self.path)
        page = self.pages.get(self.path.split("?")[0] + ("#2" if "page=2" in self.path else ""))
        body = json.dumps(page if page is not None else {"error": {"detail": "Not found."}, "data": None}).encode()
        self.send_response(200 if page is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_mobilize_organizations_events_become_one_file_per_timeslot(tmp_path, monkeypatch):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Mobilize)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    unix = lambda moment: int(moment.timestamp())  # noqa: E731
    canvass = {"id": 501, "title": "Weekend canvass for rent control", "summary": "Knock doors with us",
               "description": "<p>Meet at the office. <a href='https://example.org/map'>Map</a></p>",
               "timezone": "America/New_York", "event_type": "CANVASS", "visibility": "PUBLIC",
               "browser_url": "https://www.mobilize.us/eastside/event/501/",
               "location": {"venue": "Eastside office", "address_lines": ["12 Example St", ""],
                            "locality": "Boston", "region": "MA", "postal_code": "02118",
                            "location": {"latitude": 42.33, "longitude": -71.07}},
               "timeslots": [{"id": 9001, "start_date": unix(_at(6, 10)), "end_date": unix(_at(6, 13))},
                             {"id": 9002, "start_date": unix(_at(13, 10)), "end_date": unix(_at(13, 13))},
                             {"id": 9003, "start_date": unix(_at(1, 10) - timedelta(days=60)),
                              "end_date": unix(_at(1, 13) - timedelta(days=60))}]}
    call = {"id": 502, "title": "Statewide organizing call", "description": "", "timezone": "America/Chicago",
            "event_type": "MEETING", "is_virtual": True, "virtual_action_url": "https://zoom.us/j/555",
            "browser_url": "https://www.mobilize.us/eastside/event/502/", "location": None,
            "timeslots": [{"id": 9101, "start_date": unix(_at(10, 20)), "end_date": unix(_at(10, 21))}]}
    _Mobilize.pages = {
        "/v1/organizations/1234/events": {"count": 2, "next": f"{base}/organizations/1234/events?page=2",
                                          "previous": None, "data": [canvass]},
        "/v1/organizations/1234/events#2": {"count": 2, "next": None, "previous": None, "data": [call]},
    }
    monkeypatch.setenv("NEWSLETTER_MOBILIZE_API", base)
    root = group(tmp_path)
    try:
        result = run("import", "mobilize:1234", "--from", "2027-03-01", "--until", "2027-04-01", root=root)
        bad = run("import", "mobilize:999", "--from", "2027-03-01", root=root)
        word = run("import", "mobilize:eastside", root=root)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert result.exit_code == 0, result.output
    assert "timeslot_start=gte_" in _Mobilize.asked[0]
    texts = {p.name: p.read_text() for p in (root / "events").glob("*.md")}
    assert sorted(texts) == ["2027-03-06-weekend-canvass-for-rent-control.md",
                             "2027-03-10-statewide-organizing-call.md",
                             "2027-03-13-weekend-canvass-for-rent-control.md"]
    assert texts["2027-03-06-weekend-canvass-for-rent-control.md"] == """\
---
title: Weekend canvass for rent control
kind: other
start: 2027-03-06 10:00
end: 13:00
location:
  name: Eastside office
  address: 12 Example St, Boston, MA 02118
rsvp: https://www.mobilize.us/eastside/event/501/
summary: Knock doors with us
source:
  calendar: mobilize:1234
  uid: 501/9001
---

Meet at the office. [Map](https://example.org/map)
"""
    call_text = texts["2027-03-10-statewide-organizing-call.md"]
    assert "kind: meeting\nstart: 2027-03-10 19:00\nend: 20:00\ntimezone: America/Chicago\n" in call_text
    assert "online: https://zoom.us/j/555\n" in call_text
    assert bad.exit_code != 0 and "mobilize:999: the server answered 404" in bad.output
    assert word.exit_code != 0 and "write the organization's number, such as mobilize:1234" in word.output


def test_builds_digest_json_gives_a_moved_date_where_the_independent_expander_does(tmp_path, monkeypatch):
    """The same comparison through `build` itself: digest.json of the week Google's calendar moved a date into."""
    import icalendar
    import recurring_ical_events

    root = group(tmp_path)
    source = calendars() / "issue_62_moved_event.ics"
    run("import", str(source), "--from", "2021-11-01", "--until", "2022-06-01", root=root)
    monkeypatch.chdir(root)
    assert run("build", "--week", "2021-W50", "--out", "out").exit_code == 0
    digest = json.loads((root / "out" / "digest.json").read_text())
    starts = [event["start"] for section in digest["sections"] for event in section["events"]]
    calendar = icalendar.Calendar.from_ical(source.read_bytes())
    theirs = [e.get("DTSTART").dt for e in recurring_ical_events.of(calendar).between(date(2021, 12, 13),
                                                                                       date(2021, 12, 20))]
    assert [datetime.fromisoformat(s) for s in starts] == theirs == [
        datetime(2021, 12, 17, 21, 30, tzinfo=ZoneInfo("Europe/Berlin"))]
    assert [event["status"] for section in digest["sections"] for event in section["events"]] == ["rescheduled"]


def test_a_time_zone_nobody_defines_is_one_line_and_the_event_is_left_out(tmp_path):
    source = tmp_path / "c.ics"
    source.write_bytes(_calendar([{"uid": "ok@x", "summary": "Rally", "dtstart": _at(6, 12)}])
                       .replace(b"END:VCALENDAR", b"BEGIN:VEVENT\r\nUID:odd@x\r\nSUMMARY:Odd zone\r\n"
                                b"DTSTART;TZID=Mars/Olympus:20270306T120000\r\nEND:VEVENT\r\nEND:VCALENDAR"))
    root = group(tmp_path)
    out = run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", root=root).output
    assert ("Odd zone (odd@x): its time zone 'Mars/Olympus' is unknown, and the calendar does not define it "
            "(no VTIMEZONE): left out, as its time cannot be known") in out
    assert [p.name for p in (root / "events").glob("*.md")] == ["2027-03-06-rally.md"]


def test_a_file_renamed_or_moved_into_a_folder_is_still_the_events_file(tmp_path):
    source, event, root, window = _one_rally_imported(tmp_path)
    (root / "events" / "march").mkdir()
    moved = root / "events" / "march" / "rally.md"
    (root / "events" / "2027-03-06-rent-strike-rally.md").rename(moved)
    source.write_bytes(_calendar([dict(event, location="City Hall Plaza")]))
    out = run("import", str(source), *window, root=root).output
    assert "updated events/march/rally.md: location" in out and "0 added" in out
    assert "location: City Hall Plaza\n" in moved.read_text()
    assert [p.relative_to(root).as_posix() for p in (root / "events").rglob("*.md")] == ["events/march/rally.md"]
    record = json.loads((root / "imported.json").read_text())["sources"]["c.ics"]["events"]["rally@x"]
    assert record["file"] == "events/march/rally.md"


def test_a_webcal_address_is_the_https_address_and_an_hourly_rule_is_written_date_by_date(tmp_path):
    from newsletter.importing.fetch import calendar_name

    assert calendar_name("webcal://calendar.example.org/public/basic.ics") == \
        "https://calendar.example.org/public/basic.ics"
    assert calendar_name(str(tmp_path / "exports" / "basic.ics")) == "basic.ics"
    source = tmp_path / "phonebank.ics"
    source.write_bytes(_calendar([{"uid": "shifts@x", "summary": "Phone bank shift", "dtstart": _at(6, 10),
                                   "dtend": _at(6, 11), "rrule": {"freq": "hourly", "count": 3}}]))
    root = group(tmp_path)
    out = run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", root=root).output
    assert "its rule cannot be written as repeat (FREQ=HOURLY): written as 3 separate files" in out
    assert sorted(p.name for p in (root / "events").glob("*.md")) == [
        "2027-03-06-phone-bank-shift-2.md", "2027-03-06-phone-bank-shift-3.md", "2027-03-06-phone-bank-shift.md"]
    assert digest_starts(root, date(2027, 3, 1), date(2027, 4, 1)) == \
        expanded(source, date(2027, 3, 1), date(2027, 4, 1), "America/New_York")


RALLY_WINDOW = ("--from", "2027-03-01", "--until", "2027-04-01")


def _imported_rally(tmp_path: Path, **fields: Any) -> tuple[Path, dict[str, Any], Path, Path]:
    """A calendar of one rally (with `fields`) imported into a new group: the calendar, its event, the group's
    folder and the event's file."""
    source = tmp_path / "c.ics"
    event = {"uid": "rally@x", "summary": "Rent strike rally", "dtstart": _at(6, 12), "dtend": _at(6, 14), **fields}
    source.write_bytes(_calendar([event]))
    root = group(tmp_path)
    run("import", str(source), *RALLY_WINDOW, root=root)
    (path,) = (root / "events").glob("*.md")
    return source, event, root, path


def test_an_update_rewrites_only_the_lines_that_changed_and_keeps_comments(tmp_path):
    source, event, root, path = _imported_rally(tmp_path, description="Bring signs.")
    window = RALLY_WINDOW
    path.write_text(path.read_text().replace("kind: other\n", "kind: rally  # Maria checks the permit\n"
                                             "summary: 'Rent strike: all out'\n"))
    source.write_bytes(_calendar([dict(event, dtend=_at(6, 15), description="Bring signs and water.")]))
    out = run("import", str(source), *window, root=root).output
    assert "updated events/2027-03-06-rent-strike-rally.md: end, description" in out
    assert path.read_text() == """\
---
title: Rent strike rally
kind: rally  # Maria checks the permit
summary: 'Rent strike: all out'
start: 2027-03-06 12:00
end: 15:00
source:
  calendar: c.ics
  uid: rally@x
---

Bring signs and water.
"""


def test_a_changed_dates_own_description_is_said_not_dropped_unseen(tmp_path):
    import icalendar

    calendar = icalendar.Calendar.from_ical(_calendar([
        {"uid": "study@x", "summary": "Study group", "dtstart": _at(4, 19), "dtend": _at(4, 21),
         "rrule": {"freq": "weekly", "count": 4}, "description": "Chapter by chapter."},
        {"uid": "study@x", "summary": "Study group", "recurrence-id": _at(11, 19), "dtstart": _at(11, 20),
         "dtend": _at(11, 22), "description": "This week: a guest speaker."}]))
    source = tmp_path / "c.ics"
    source.write_bytes(calendar.to_ical())
    root = group(tmp_path)
    out = run("import", str(source), "--from", "2027-03-01", "--until", "2027-04-01", root=root).output
    assert ("Study group: the calendar gives 2027-03-11 a description of its own, which a date of a series cannot "
            "have in newsletter: the series' description is kept") in out
    (path,) = (root / "events").glob("*.md")
    assert "changes:\n  2027-03-11:\n    status: rescheduled\n    start: 2027-03-11 20:00\n    end: 22:00\n" in \
        path.read_text()


def test_a_field_written_over_several_lines_is_rewritten_alone_and_the_comments_stay(tmp_path):
    """A calendar that moves the event to another place changes its `location:` block: the lines under it are
    written again, and what the group wrote around it (comments, its own summary) stays as it was."""
    source, event, root, path = _imported_rally(tmp_path, location="Union Hall, 12 Main St")
    window = RALLY_WINDOW
    before = path.read_text()
    assert "location:\n" in before  # written over several lines
    path.write_text(before.replace("location:\n", "# the hall is booked by Maria\nlocation:\n")
                    .replace("kind: other\n", "kind: rally  # permit pending\n"))
    source.write_bytes(_calendar([dict(event, location="Public Library, 700 Boylston St")]))
    out = run("import", str(source), *window, root=root).output
    assert "updated events/2027-03-06-rent-strike-rally.md: location" in out
    after = path.read_text()
    assert "# the hall is booked by Maria\nlocation:\n" in after and "kind: rally  # permit pending\n" in after
    assert "Public Library" in after and "Union Hall" not in after
    assert after.index("kind: rally") < after.index("location:") < after.index("source:")  # the order kept
