"""Weeks and the way dates are written for people."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from newsletter.schedule.dates import (BadDate, coming_week, format_time_range, format_when, parse_week,
                              week_containing, week_label)
from newsletter.models import Event

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("value", ["2018-W04", "2018W04", "2018-w4", "2018-01-22", "2018-01-24", "2018-01-28"])
def test_week_by_iso_name_or_any_date_inside(value):
    week = parse_week(value, "monday", NY)
    assert (week.id, week.first_day, week.last_day) == ("2018-W04", date(2018, 1, 22), date(2018, 1, 28))


def test_sunday_week_runs_from_the_sunday_before_the_iso_monday():
    week = parse_week("2018-W04", "sunday", NY)
    assert (week.first_day, week.last_day) == (date(2018, 1, 21), date(2018, 1, 27))
    assert parse_week("2018-01-21", "sunday", NY).id == "2018-W04"
    assert parse_week("2018-01-28", "sunday", NY).id == "2018-W05"


def test_week_names_across_the_new_year():
    assert week_containing(date(2018, 12, 31), "monday", NY).id == "2019-W01"
    assert week_containing(date(2021, 1, 1), "monday", NY).id == "2020-W53"


@pytest.mark.parametrize("today, expected", [
    ("2018-01-18", "2018-W04"),  # Thursday: next Monday's week
    ("2018-01-22", "2018-W04"),  # a Monday: this week
    ("2018-01-28", "2018-W05"),  # Sunday: tomorrow's week
])
def test_coming_week(today, expected):
    assert coming_week(date.fromisoformat(today), "monday", NY).id == expected


def test_coming_week_with_sunday_start():
    week = coming_week(date(2018, 1, 18), "sunday", NY)
    assert week.first_day == date(2018, 1, 21) and week.id == "2018-W04"


@pytest.mark.parametrize("value", ["2018-W54", "last week", "2018-02-30"])
def test_bad_week(value):
    with pytest.raises(BadDate):
        parse_week(value, "monday", NY)


def test_week_labels():
    assert week_label(parse_week("2018-W04", "monday", NY)) == "January 22–28, 2018"
    assert week_label(parse_week("2018-W05", "monday", NY)) == "January 29 – February 4, 2018"
    assert week_label(parse_week("2019-W01", "monday", NY)) == "December 31, 2018 – January 6, 2019"


def _event(start, end=None, **kw):
    return Event(id="e", path="e.md", title="T", kind="rally", start=start, tz=start.tzinfo, end=end, **kw)


@pytest.mark.parametrize("start, end, extra, expected", [
    (datetime(2018, 1, 27, 12, tzinfo=NY), datetime(2018, 1, 27, 14, tzinfo=NY), {},
     "Saturday, January 27 · 12:00–2:00 pm"),
    (datetime(2018, 1, 27, 11, tzinfo=NY), datetime(2018, 1, 27, 13, tzinfo=NY), {},
     "Saturday, January 27 · 11:00 am–1:00 pm"),
    (datetime(2018, 1, 24, 18, 30, tzinfo=NY), None, {}, "Wednesday, January 24 · 6:30 pm"),
    (datetime(2018, 1, 15, tzinfo=NY), None, {"all_day": True}, "Monday, January 15 · all day"),
    (datetime(2018, 1, 15, tzinfo=NY), datetime(2018, 2, 10, tzinfo=NY), {"all_day": True, "end_is_date": True},
     "Monday, January 15 – Saturday, February 10"),
    (datetime(2018, 1, 27, 22, tzinfo=NY), datetime(2018, 1, 28, 2, tzinfo=NY), {},
     "Saturday, January 27, 10:00 pm – Sunday, January 28, 2:00 am"),
    (datetime(2019, 1, 2, 19, tzinfo=NY), None, {}, "Wednesday, January 2, 2019 · 7:00 pm"),
    (datetime(2018, 1, 27, 12, tzinfo=ZoneInfo("America/Los_Angeles")), None, {},
     "Saturday, January 27 · 12:00 pm PST"),
])
def test_when_is_written_for_people(start, end, extra, expected):
    assert format_when(_event(start, end, **extra), NY, ref_year=2018) == expected


def test_noon_and_midnight():
    from datetime import time

    assert format_time_range(time(0), time(12)) == "12:00 am–12:00 pm"


def test_a_24_hour_time_reads_as_dateutil_reads_it_and_a_time_past_the_day_is_refused():
    from dateutil import parser

    from newsletter.schedule.dates import parse_clock

    for hour in range(24):
        for minute in (0, 5, 30, 59):
            for text in (f"{hour}:{minute:02}", f"{hour:02}:{minute:02}"):
                assert parse_clock(text) == parser.parse(text, default=datetime(2000, 1, 1)).time(), text
    for text in ("24:00", "7:60", "19:5", "123:00"):
        with pytest.raises(BadDate, match="not a time of day"):
            parse_clock(text)
    assert parse_clock("7:30 pm").hour == 19 and parse_clock("noon").hour == 12
