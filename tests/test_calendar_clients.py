"""Every .ics newsletter writes, read by the parsers calendar clients use: the same instants as digest.json.

Mozilla's ical.js (Thunderbird) and icalendar with recurring-ical-events read
the week's events.ics, the archive's calendar.ics, each event's own file and
an announcement's event.ics, for events on both sides of the 2026 clock
changes in Chicago (March 8) and Berlin (March 29), and one past 2038.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, UTC
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, require
from newsletter.cli import main

EVENTS = {
    "chicago-before.md": "title: Before the change\nkind: meeting\nstart: 2026-03-05 19:00\n",
    "chicago-after.md": "title: After the change\nkind: meeting\nstart: 2026-03-12 19:00\n",
    "berlin-before.md": "title: Solidarität vorher\nkind: rally\nstart: 2026-03-26 18:00\ntimezone: Europe/Berlin\n",
    "berlin-after.md": "title: Solidarität nachher\nkind: rally\nstart: 2026-04-02 18:00\ntimezone: Europe/Berlin\n",
    "far-future.md": "title: Past 2038\nkind: meeting\nstart: 2040-07-05 19:00\n",
    "weekly.md": "title: Weekly branch meeting\nkind: meeting\nstart: 2026-03-03 19:00\n"
                 "repeat:\n  every: week\n  count: 3\n",
    # 1:30 am happens twice that night in Chicago: RFC 5545 means the first (CDT), which ical.js reads as the second.
    "chicago-twice.md": "title: Night vigil\nkind: rally\nstart: 2026-11-01 01:30\nend: 02:30\n",
}
WEEKS = ("2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14", "2026-W44", "2040-W27")


@pytest.fixture
def group(project):
    project.settings('name = "Riverside"\ntimezone = "America/Chicago"\narchive_url = "https://example.org/r/"\n'
                     'from = "Riverside <news@riverside.example.net>"\n')
    for name, fields in EVENTS.items():
        project.event(name, f"---\n{fields}---\n")
    return project


def expected(group) -> dict[str, set[str]]:
    """Each event's (or each series date's) UTC start, as digest.json gives it, by the event file's id."""
    found: dict[str, set[str]] = {}
    for week in WEEKS:
        result = CliRunner().invoke(main, ["build", "--week", week, "--out", f"dist/{week}"])
        assert result.exit_code == 0, result.output
        summary = json.loads((group.root / f"dist/{week}/digest.json").read_text())
        for section in summary["sections"]:
            for event in section["events"]:
                start = datetime.fromisoformat(event["start"]).astimezone(UTC)
                found.setdefault(event.get("series") or event["id"], set()).add(start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return found


def expanded_by_ical_js(path: Path, before: str) -> list[dict]:
    """Every occurrence before `before` as Mozilla's ical.js expands the file: uid, UTC start and status."""
    node = shutil.which("node")
    require(node is not None and (REPO / "node_modules" / "ical.js").is_dir(),
            "Node.js and ical.js (`npm install --no-save ical.js` in the repository)")
    done = subprocess.run([node, str(REPO / "tests" / "expand_ics.mjs"), str(path), before],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["occurrences"]


def ical_js(path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for occurrence in expanded_by_ical_js(path, "2041-01-01"):
        found.setdefault(_event_id(occurrence["uid"]), set()).add(occurrence["start"])
    return found


def icalendar_expanded(path: Path) -> dict[str, set[str]]:
    import recurring_ical_events
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    found: dict[str, set[str]] = {}
    for event in recurring_ical_events.of(calendar).between(date(2025, 1, 1), date(2041, 1, 1)):
        start = event["DTSTART"].dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        found.setdefault(_event_id(str(event["UID"])), set()).add(start)
    return found


def _event_id(uid: str) -> str:
    # A week's events.ics names a series date on its own: weekly.2026-03-03@...
    return uid.split("@")[0].split(".")[0]


def readers():
    return [ical_js, icalendar_expanded]


@pytest.mark.parametrize("read", readers(), ids=["ical.js", "icalendar"])
def test_the_weeks_calendars_give_the_digests_instants(group, read):
    want = expected(group)
    assert want["chicago-before"] == {"2026-03-06T01:00:00Z"} and want["chicago-after"] == {"2026-03-13T00:00:00Z"}
    assert want["berlin-before"] == {"2026-03-26T17:00:00Z"} and want["berlin-after"] == {"2026-04-02T16:00:00Z"}
    assert want["far-future"] == {"2040-07-06T00:00:00Z"}
    assert want["chicago-twice"] == {"2026-11-01T06:30:00Z"}
    seen: dict[str, set[str]] = {}
    for week in WEEKS:
        for key, values in read(group.root / f"dist/{week}/events.ics").items():
            seen.setdefault(key, set()).update(values)
    assert seen == want


@pytest.mark.parametrize("read", readers(), ids=["ical.js", "icalendar"])
def test_the_archives_calendars_give_the_digests_instants(group, read):
    want = expected(group)
    result = CliRunner().invoke(main, ["archive", "--out", "site", "--today", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert read(group.root / "site/calendar.ics") == want
    for name in EVENTS:
        event_id = name.removesuffix(".md")
        assert read(group.root / f"site/events/{event_id}.ics") == {event_id: want[event_id]}


@pytest.mark.parametrize("read", readers(), ids=["ical.js", "icalendar"])
def test_an_announcements_calendar_gives_the_digests_instants(group, read):
    want = expected(group)
    for name in EVENTS:
        event_id = name.removesuffix(".md")
        result = CliRunner().invoke(main, ["announce", event_id, "--today", "2026-03-01", "--out", f"a/{event_id}"])
        assert result.exit_code == 0, result.output
        assert read(group.root / f"a/{event_id}/event.ics") == {event_id: want[event_id]}


def test_time_zones_cover_the_events_years_one_change_per_line(group):
    from icalendar import Calendar

    result = CliRunner().invoke(main, ["announce", "far-future", "--today", "2026-03-01", "--out", "a"])
    assert result.exit_code == 0, result.output
    raw = (group.root / "a/event.ics").read_bytes().decode()
    assert "RDATE:20400311T030000" in raw.split("\r\n")  # the second Sunday of March 2040, on its own line
    zone = Calendar.from_ical(raw).walk("VTIMEZONE")[0]
    changes = [line for line in raw.split("\r\n") if line.startswith("RDATE")]
    assert all("," not in line for line in changes) and len(changes) <= 8  # 2039 to 2041, not 1970 to 2037
    assert str(zone["TZID"]) == "America/Chicago"


# A client's calendar after importing one file, then another ----------------------------

def merged(paths: list[Path], out: Path) -> Path:
    """The calendar a client keeps after importing `paths` in turn: one event per UID and RECURRENCE-ID,
    the one with the highest SEQUENCE (then the latest DTSTAMP) winning, as RFC 5546 says."""
    from icalendar import Calendar

    kept, zones = {}, {}
    for path in paths:
        calendar = Calendar.from_ical(path.read_bytes())
        for zone in calendar.walk("VTIMEZONE"):
            zones[str(zone["TZID"])] = zone
        for event in calendar.walk("VEVENT"):
            found = event.get("RECURRENCE-ID")
            moment = found.dt if found is not None else None
            slot = moment.astimezone(UTC).isoformat() if isinstance(moment, datetime) else moment
            key = (str(event["UID"]), slot)
            rank = (int(event.get("SEQUENCE", 0)), event["DTSTAMP"].dt)
            if key not in kept or rank >= kept[key][0]:
                kept[key] = (rank, event)
    calendar = Calendar()
    calendar.add("prodid", "-//a calendar client//EN")
    calendar.add("version", "2.0")
    for zone in zones.values():
        calendar.add_component(zone)
    for _, event in kept.values():
        calendar.add_component(event)
    out.write_bytes(calendar.to_ical())
    return out


def dates_seen(path: Path, reader: str) -> list[tuple[str, str]]:
    """(event id, UTC start, status) of every date in the calendar, copies included, as `reader` expands it."""
    if reader == "ical.js":
        return sorted((_event_id(o["uid"]), o["start"], o["status"] or "CONFIRMED")
                      for o in expanded_by_ical_js(path, "2027-01-01"))
    import recurring_ical_events
    from icalendar import Calendar

    found = recurring_ical_events.of(Calendar.from_ical(path.read_bytes())).between(date(2025, 1, 1), date(2027, 1, 1))
    return sorted((_event_id(str(e["UID"])), e["DTSTART"].dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   str(e.get("STATUS"))) for e in found)


WEEKLY = "weekly.md"
CANCELLED = "changes:\n  2026-03-10:\n    status: cancelled\n    status_note: The hall is flooded.\n"


@pytest.mark.parametrize("reader", ["ical.js", "icalendar"])
def test_a_notice_updates_the_date_a_subscriber_imported_and_adds_nothing_else(group, reader, tmp_path):
    def cli(*args):
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output

    cli("build", "--week", "2026-W11", "--out", "week")  # imported while the meeting was on
    cli("archive", "--out", "site", "--today", "2026-03-01")
    path = group.root / "events" / WEEKLY
    path.write_text(path.read_text().replace("count: 3\n", f"count: 3\n{CANCELLED}"))
    cli("announce", "weekly", "--today", "2026-03-08", "--out", "notice")
    notice = group.root / "notice" / "event.ics"
    week_then_notice = dates_seen(merged([group.root / "week" / "events.ics", notice], tmp_path / "a.ics"), reader)
    # One copy of the date, now cancelled, and no other date of the series.
    assert [d for d in week_then_notice if d[0] == "weekly"] == [("weekly", "2026-03-11T00:00:00Z", "CANCELLED")]
    series_then_notice = dates_seen(merged([group.root / "site" / "events" / "weekly.ics", notice], tmp_path / "b.ics"),
                                    reader)
    assert series_then_notice == [("weekly", "2026-03-04T01:00:00Z", "CONFIRMED"),
                                  ("weekly", "2026-03-11T00:00:00Z", "CANCELLED"),
                                  ("weekly", "2026-03-18T00:00:00Z", "CONFIRMED")]
