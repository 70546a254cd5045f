"""Recurring events: which dates a `repeat` rule gives, in local time across clock changes, with skips and changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from newsletter.schedule import recurrence
from newsletter.errors import InvalidInput

NEW_YORK = ZoneInfo("America/New_York")


def series(project, repeat: str, start: str = "2018-01-04 19:00", extra: str = "", zone: str = ""):
    """The one series of a project whose only event file repeats by `repeat` (YAML lines under repeat:)."""
    lines = "".join(f"  {line}\n" for line in repeat.strip().split("\n"))
    project.event("series.md", f"---\ntitle: Branch meeting\nkind: meeting\nstart: {start}\nend: \"21:00\"\n"
                               f"{zone}repeat:\n{lines}{extra}---\n")
    event = project.load().events[0]
    assert event.is_series
    return event


def starts(event, since="2018-01-01", until="2018-12-31") -> list[str]:
    tz = event.start.tzinfo
    window = (datetime.fromisoformat(since).replace(tzinfo=tz), datetime.fromisoformat(until).replace(tzinfo=tz))
    return [o.start.strftime("%Y-%m-%d %H:%M %z") for o in recurrence.occurrences(event, *window)]


def days(event, since="2018-01-01", until="2018-12-31") -> list[str]:
    return [s[:10] for s in starts(event, since, until)]


def test_weekly_on_its_start_day_until_a_date(project):
    event = series(project, "every: week\non: thursday\nuntil: 2018-02-01")
    assert days(event) == ["2018-01-04", "2018-01-11", "2018-01-18", "2018-01-25", "2018-02-01"]


def test_every_other_week_and_a_count(project):
    event = series(project, "every: week\ninterval: 2\ncount: 3", start="2018-01-09 18:00")
    assert days(event) == ["2018-01-09", "2018-01-23", "2018-02-06"]
    assert recurrence.describe(event.repeat) == "every other Tuesday"


def test_several_weekdays(project):
    event = series(project, "every: week\non: [tuesday, thursday]\ncount: 4", start="2018-01-02 18:00")
    assert days(event) == ["2018-01-02", "2018-01-04", "2018-01-09", "2018-01-11"]
    assert recurrence.describe(event.repeat) == "every Tuesday and Thursday"
    assert recurrence.short(event.repeat) == "Tuesdays and Thursdays"


def test_last_friday_in_months_with_four_and_five_fridays(project):
    event = series(project, "every: month\non: last friday\ncount: 3", start="2018-03-30 18:00")
    # March 2018 has five Fridays (the 30th is the last), April four (the 27th), June five (the 29th).
    assert days(event) == ["2018-03-30", "2018-04-27", "2018-05-25"]
    june = series(project, "every: month\non: last friday\nuntil: 2018-06-30", start="2018-06-01 18:00")
    assert days(june) == ["2018-06-29"]
    assert recurrence.describe(event.repeat) == "on the last Friday of the month"


def test_first_saturday_and_the_third(project):
    event = series(project, "every: month\non: first saturday\ncount: 3", start="2018-01-06 10:00")
    assert days(event) == ["2018-01-06", "2018-02-03", "2018-03-03"]
    third = series(project, "every: month\non: 3rd saturday\ncount: 2", start="2018-01-01 10:00")
    assert days(third) == ["2018-01-20", "2018-02-17"]


def test_the_31st_is_skipped_in_months_without_one(project):
    # As RFC 5545 and calendar apps do: a month without that day has no occurrence, rather than a moved one.
    event = series(project, "every: month\non: 31\nuntil: 2018-08-31", start="2018-01-31 19:00")
    assert days(event) == ["2018-01-31", "2018-03-31", "2018-05-31", "2018-07-31", "2018-08-31"]
    assert recurrence.describe(event.repeat) == "on the 31st of the month"


def test_except_dates_are_left_out_but_count_as_the_rule_made_them(project):
    event = series(project, "every: week\ncount: 4\nexcept: [2018-01-11]")
    assert days(event) == ["2018-01-04", "2018-01-18", "2018-01-25"]


def test_daily_every_three_days(project):
    event = series(project, "every: day\ninterval: 3\ncount: 3")
    assert days(event) == ["2018-01-04", "2018-01-07", "2018-01-10"]
    assert recurrence.describe(event.repeat) == "every three days"


def test_the_local_time_holds_across_the_us_clock_change(project):
    event = series(project, "every: week\nuntil: 2018-03-15", start="2018-03-01 19:00")
    assert starts(event) == ["2018-03-01 19:00 -0500", "2018-03-08 19:00 -0500", "2018-03-15 19:00 -0400"]
    instants = [o.start.astimezone(ZoneInfo("UTC")).hour for o in recurrence.occurrences(
        event, datetime(2018, 3, 1, tzinfo=NEW_YORK), datetime(2018, 3, 16, tzinfo=NEW_YORK))]
    assert instants == [0, 0, 23]  # the UTC instant moves an hour


def test_the_local_time_holds_across_the_eu_clock_change(project):
    event = series(project, "every: week\nuntil: 2018-04-05", start="2018-03-22 19:00",
                   zone="timezone: Europe/Berlin\n")
    assert starts(event) == ["2018-03-22 19:00 +0100", "2018-03-29 19:00 +0200", "2018-04-05 19:00 +0200"]


def test_an_open_ended_series_goes_on(project):
    event = series(project, "every: week")
    assert len(days(event, "2018-01-01", "2021-01-01")) == 157  # 52 Thursdays in 2018 and 2019, 53 in 2020
    assert days(event, "2026-11-23", "2026-11-30") == ["2026-11-26"]


def test_changes_apply_to_their_date_and_may_move_it(project):
    event = series(project, "every: week\nuntil: 2018-02-22", extra=(
        "changes:\n"
        "  2018-01-11: {status: rescheduled, start: 2018-01-12 19:00, status_note: moved for the storm}\n"
        "  2018-02-15: {location: {name: Cambridge Public Library}, speakers: [Sharon Smith]}\n"
        "  2018-02-22: {status: cancelled}\n"))
    found = {o.occurrence: o for o in recurrence.occurrences(
        event, datetime(2018, 1, 1, tzinfo=NEW_YORK), datetime(2018, 3, 1, tzinfo=NEW_YORK))}
    moved = found[date(2018, 1, 11)]
    assert (moved.start.isoformat(), moved.end.isoformat()) == ("2018-01-12T19:00:00-05:00", "2018-01-12T21:00:00-05:00")
    assert (moved.status, moved.status_note, moved.rescheduled_from.isoformat()) == (
        "rescheduled", "moved for the storm", "2018-01-11T19:00:00-05:00")
    assert moved.id == "series/2018-01-11" and moved.series == "series"
    library = found[date(2018, 2, 15)]
    assert library.location.name == "Cambridge Public Library" and [s.name for s in library.speakers] == ["Sharon Smith"]
    assert library.title == "Branch meeting" and library.end.hour == 21
    assert found[date(2018, 2, 22)].status == "cancelled"
    assert found[date(2018, 1, 18)].status == "scheduled" and found[date(2018, 1, 18)].location is None


def test_a_moved_occurrence_shows_in_the_window_it_moved_into(project):
    event = series(project, "every: week", extra="changes:\n  2018-01-11: {status: rescheduled, start: 2018-01-15 19:00}\n")
    monday = datetime(2018, 1, 15, tzinfo=NEW_YORK)
    assert [o.id for o in recurrence.occurrences(event, monday, datetime(2018, 1, 18, tzinfo=NEW_YORK))] == [
        "series/2018-01-11"]


def problems(project, text: str) -> list[str]:
    project.event("series.md", text)
    with pytest.raises(InvalidInput) as caught:
        project.load()
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("repeat, expected", [
    ("  every: fortnight\n", "events/series.md:6: repeat.every: 'fortnight' is not day, week or month (day, week or month)"),
    ("  every: weeks\n", "events/series.md:6: repeat.every: 'weeks' is not day, week or month: write week"),
    ("  every: week\n  on: first thursday\n",
     "events/series.md:7: repeat.on: 'first thursday' is not a day of the week; a weekly series takes weekdays such as "
     "thursday, and 'first thursday' goes with every: month"),
    ("  every: week\n  on: thurday\n", "events/series.md:7: repeat.on: 'thurday' is not a day of the week: did you mean 'thursday'?"),
    ("  every: month\n  on: thursday\n",
     "events/series.md:7: repeat.on: 'thursday' is not a day of the month: write 'first thursday', 'last thursday' or "
     "'3rd thursday'"),
    ("  every: day\n  on: monday\n",
     "events/series.md:7: repeat.on: goes with every: week or every: month; a daily series happens every day"),
    ("  every: week\n  until: 2018-06-28\n  count: 20\n", "events/series.md:8: repeat.count: give until or count, not both"),
    ("  every: week\n  until: 2017-12-31\n", "events/series.md:7: repeat.until: 2017-12-31 is before the start, 2018-01-04"),
    ("  every: week\n  interval: 0\n", "events/series.md:7: repeat.interval: '0' must be a whole number from 1 to 1000"),
    ("  every: week\n  except: [2018-01-05]\n",
     "events/series.md:7: repeat.except[0]: 2018-01-05 is not a date of the series: the nearest is Thursday, January 4 "
     "(2018-01-04)"),
    ("  every: week\n  count: 1\n  except: [2018-01-04]\n",
     "events/series.md:5: repeat: the series has no date at all: check start, until, count and except"),
])
def test_rule_mistakes_are_one_line_each(project, repeat, expected):
    text = f"---\ntitle: T\nkind: meeting\nstart: 2018-01-04 19:00\nrepeat:\n{repeat}---\n"
    assert problems(project, text) == [expected]


def test_change_mistakes_name_the_date_and_field(project):
    text = ("---\ntitle: T\nkind: meeting\nstart: 2018-01-04 19:00\nrepeat:\n  every: week\n  except: [2018-01-18]\n"
            "changes:\n"
            "  2018-01-12: {status: cancelled}\n"
            "  2018-01-18: {status: cancelled}\n"
            "  2018-01-25: {kind: rally, locaton: Hall}\n"
            "  2018-02-01: {start: 2018-02-01 25:00}\n"
            "  soon: {status: cancelled}\n"
            "---\n")
    assert problems(project, text) == [
        "events/series.md:9: changes.2018-01-12: 2018-01-12 is not a date of the series: the nearest is Thursday, "
        "January 11 (2018-01-11)",
        "events/series.md:10: changes.2018-01-18: 2018-01-18 is also in repeat.except: a date is either skipped or changed",
        "events/series.md:11: changes.2018-01-25.kind: kind cannot change for one date; start a new event file for a "
        "different series",
        "events/series.md:11: changes.2018-01-25.locaton: unknown field 'locaton': did you mean 'location'?",
        "events/series.md:12: changes.2018-02-01.start: '25:00' is not a time of day (write 19:00 or 7:00 pm)",
        "events/series.md:13: changes.soon: 'soon' is not a date (write the date of the meeting that changes, such as "
        "2018-01-11)",
    ]


def test_changes_without_repeat_is_a_mistake(project):
    text = "---\ntitle: T\nkind: meeting\nstart: 2018-01-04 19:00\nchanges:\n  2018-01-11: {status: cancelled}\n---\n"
    assert problems(project, text) == [
        "events/series.md:5: changes: goes with repeat: it lists the dates of a recurring event that differ"]


def test_dates_found_from_a_start_moved_near_the_window_are_the_rules_own():
    """dates() starts the rule about a year before the window; every kind of rule gives the same dates as from
    its first start, in windows from its first week to fifteen years on."""
    import random
    from datetime import timedelta

    from newsletter.models import Recurrence

    chance = random.Random(11)
    rules = []
    for _ in range(300):
        every = chance.choice(["day", "week", "month", "month"])
        options = {"interval": chance.choice([1, 1, 2, 3, 4])}
        if every == "week":
            options["weekdays"] = tuple(sorted(chance.sample(range(7), chance.randint(1, 3))))
        elif every == "month" and chance.random() < 0.5:
            options["weekdays"], options["position"] = (chance.randrange(7),), chance.choice([1, 2, 3, 4, 5, -1])
        elif every == "month":
            options["month_day"] = chance.choice([1, 15, 28, 29, 30, 31])
        if chance.random() < 0.3:
            options["until"] = date(2018, 1, 1) + timedelta(days=chance.randrange(4000))
        elif chance.random() < 0.2:
            options["count"] = chance.randrange(1, 300)
        rules.append(Recurrence(every, **options))
    compared = 0
    for repeat in rules:
        start = datetime(2014, 1, 1, 19, 30) + timedelta(days=chance.randrange(1500))
        whole = recurrence._rule(repeat, start)
        for _ in range(6):
            since = start.date() + timedelta(days=chance.randrange(-30, 15 * 366))
            until = since + timedelta(days=chance.choice([0, 6, 13, 40, 400]))
            event = type("Series", (), {"repeat": repeat, "rule": repeat, "start": start})
            expected = [m.date() for m in whole.between(datetime.combine(since, datetime.min.time()),
                                                        datetime.combine(until, datetime.max.time()), inc=True)]
            assert recurrence.dates(event, since, until) == expected, (repeat, start, since, until)
            compared += bool(expected)
    assert compared > 500  # most windows hold dates
