"""Which events go in which week and section."""

from __future__ import annotations

from msgspec.structs import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from newsletter.schedule.dates import parse_week
from newsletter.schedule.digest import digest_for_week, weeks_with_events
from newsletter.models import Event

NY = ZoneInfo("America/New_York")


def ev(title, kind, start, end=None, **kw):
    return Event(id=title, path=f"{title}.md", title=title, kind=kind, start=start, tz=start.tzinfo, end=end, **kw)


def at(day, hour=12, minute=0, tz=NY):
    return datetime(2018, 1, day, hour, minute, tzinfo=tz)


def titles(section):
    return [e.title for e in section.events]


def test_sections_follow_kind_order_and_sort_by_start_then_title(settings):
    events = [
        ev("Rally B", "rally", at(27)), ev("Rally A", "rally", at(27)), ev("Early rally", "rally", at(23)),
        ev("Panel", "panel", at(24)), ev("Meeting", "meeting", at(25)),
    ]
    digest = digest_for_week(events, parse_week("2018-W04", "monday", NY), settings)
    assert [s.id for s in digest.sections] == ["rally", "meeting", "panel"]
    assert titles(digest.sections[0]) == ["Early rally", "Rally A", "Rally B"]


def test_week_boundaries_are_midnight_in_the_newsletter_zone(settings):
    events = [
        ev("Sunday before", "rally", at(21, 23, 59)),
        ev("Monday start", "rally", at(22, 0, 0)),
        ev("Sunday last minute", "rally", at(28, 23, 59)),
        ev("Next Monday", "rally", at(29, 0, 0)),
        # 04:30 UTC on Monday the 22nd is still Sunday evening in Boston.
        ev("Late Sunday in UTC terms", "rally", datetime(2018, 1, 22, 4, 30, tzinfo=ZoneInfo("UTC"))),
    ]
    digest = digest_for_week(events, parse_week("2018-W04", "monday", NY), settings)
    assert titles(digest.sections[0]) == ["Monday start", "Sunday last minute"]


def test_sunday_weeks(settings):
    sunday = replace(settings, week_start="sunday")
    events = [ev("Sunday", "rally", at(21)), ev("Saturday", "rally", at(27)), ev("Next Sunday", "rally", at(28))]
    digest = digest_for_week(events, parse_week("2018-W04", "sunday", NY), sunday)
    assert titles(digest.sections[0]) == ["Sunday", "Saturday"]


def test_fund_drive_spanning_weeks_is_ongoing(settings):
    drive = ev("Drive", "fund-drive", datetime(2018, 1, 15, tzinfo=NY), datetime(2018, 2, 10, tzinfo=NY),
               all_day=True, end_is_date=True)
    w03 = digest_for_week([drive], parse_week("2018-W03", "monday", NY), settings)
    w04 = digest_for_week([drive], parse_week("2018-W04", "monday", NY), settings)
    w07 = digest_for_week([drive], parse_week("2018-W07", "monday", NY), settings)
    assert titles(w03.sections[0]) == ["Drive"] and w03.ongoing == ()
    assert w04.sections == () and [e.title for e in w04.ongoing] == ["Drive"]
    assert [s.id for s in w04.all_sections] == ["ongoing"]
    assert w07.events == ()  # ended Saturday, February 10


def test_event_ending_exactly_at_week_start_is_not_ongoing(settings):
    late = ev("Late", "rally", at(21, 20), at(22, 0))
    digest = digest_for_week([late], parse_week("2018-W04", "monday", NY), settings)
    assert digest.events == ()


def test_cancelled_and_postponed_events_still_appear(settings):
    events = [ev("Off", "rally", at(24), status="cancelled"), ev("Later", "rally", at(25), status="postponed")]
    digest = digest_for_week(events, parse_week("2018-W04", "monday", NY), settings)
    assert titles(digest.sections[0]) == ["Off", "Later"]


def test_drafts_only_with_drafts(settings):
    events = [ev("Draft", "rally", at(24), draft=True), ev("Real", "rally", at(25))]
    week = parse_week("2018-W04", "monday", NY)
    assert titles(digest_for_week(events, week, settings).sections[0]) == ["Real"]
    assert titles(digest_for_week(events, week, settings, drafts=True).sections[0]) == ["Draft", "Real"]


def test_coming_up_lists_the_following_weeks(settings):
    events = [
        ev("This week", "rally", at(24)),
        ev("Next week", "meeting", at(30)),
        ev("In two weeks", "panel", datetime(2018, 2, 11, 23, tzinfo=NY)),
        ev("In three weeks", "panel", datetime(2018, 2, 12, 9, tzinfo=NY)),
    ]
    digest = digest_for_week(events, parse_week("2018-W04", "monday", NY), settings)
    assert [e.title for e in digest.coming_up] == ["Next week", "In two weeks"]


def test_daylight_saving_change_keeps_local_week_boundaries(settings):
    # Clocks go forward in New York on Sunday, March 11, 2018.
    week = parse_week("2018-W10", "monday", NY)
    utc = ZoneInfo("UTC")
    assert week.ends_at.astimezone(utc) - week.starts_at.astimezone(utc) == timedelta(days=7, hours=-1)
    events = [
        ev("Sunday night after the change", "rally", datetime(2018, 3, 11, 23, 30, tzinfo=NY)),
        ev("Monday just after midnight", "rally", datetime(2018, 3, 12, 0, 30, tzinfo=NY)),
    ]
    digest = digest_for_week(events, week, settings)
    assert titles(digest.sections[0]) == ["Sunday night after the change"]
    assert [e.title for e in digest.coming_up] == ["Monday just after midnight"]


def test_weeks_with_events(settings):
    events = [ev("A", "rally", at(24)), ev("B", "rally", at(11)), ev("C", "rally", at(25))]
    assert [w.id for w in weeks_with_events(events, settings)] == ["2018-W02", "2018-W04"]
