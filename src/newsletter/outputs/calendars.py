"""Getting events into people's calendars: iCalendar (.ics) files (the links are rendering/calendar_links.py)."""

from __future__ import annotations

from msgspec.structs import replace
from datetime import date, datetime, UTC
from functools import lru_cache

from newsletter.models import Event, Settings
from newsletter.rendering.calendar_links import (UNTIMED_LENGTH, description, event_page, location_text, recurrence_rule,
                                                 span, uid)
from newsletter.schedule.dates import clock_change

def to_ics(events: list[Event], settings: Settings, stamp: datetime, name: str | None = None) -> bytes:
    """An RFC 5545 calendar of `events`, with VTIMEZONE definitions for every zone used."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//newsletter//Weekly digest//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # PUBLISH (RFC 5546): a calendar to copy events from, which a client merges by UID and RECURRENCE-ID.
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or settings.name)
    for event in events:
        if event.is_series:
            for entry in _series_entries(event, settings, stamp):
                calendar.add_component(entry)
        elif event.series is not None:
            calendar.add_component(_instance(event, settings, stamp))
        else:
            calendar.add_component(_entry(event, settings, stamp))
    first, last = _time_span(events, stamp)
    for position, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        if (zone := _zone(tzid, first, last)) is not None:
            calendar.subcomponents.insert(position, zone)
    return calendar.to_ical()


@lru_cache(maxsize=64)
def _zone(tzid: str, first: date, last: date):
    """The VTIMEZONE of `tzid` from `first` to `last`, made once per run for the archive's thousands of files;
    None for a zone icalendar does not know. Calendars only read it."""
    from icalendar import Timezone

    try:
        zone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None
    _one_rdate_per_line(zone)
    return zone


OPEN_SERIES_YEARS = 10  # how far past the build a series without an end has its zone's clock changes written


def _time_span(events: list[Event], stamp: datetime) -> tuple[date, date]:
    """The days the calendar's time zones must cover: every event's date, the way calendars will expand them.

    A zone's clock changes are written as a list of dates (one per line, see
    below), so the list reaches from the year before the first event to the
    year after the last; a series with no end is followed ten years past the build.
    """
    from newsletter.schedule import recurrence

    days = []
    for event in events:
        days += [event.start.date(), event.last_day]
        days += [changed.start.date() for _, changed in event.changes]
        if event.rescheduled_from is not None:
            days.append(event.rescheduled_from.date())
        if event.is_series:
            days.append(recurrence.last(event) if (event.rule.until or event.rule.count)
                        else date(stamp.year + OPEN_SERIES_YEARS, 12, 31))
    if not days:
        days = [stamp.date()]
    return date(min(days).year - 1, 1, 1), date(max(days).year + 2, 1, 1)


def _one_rdate_per_line(zone) -> None:
    """Write each daylight-saving change of a VTIMEZONE as its own RDATE line.

    icalendar lists them all in one comma-separated RDATE, which RFC 5545
    allows; Mozilla's ical.js (Thunderbird) reads only the first value, and
    then puts every event after the first clock change of a year an hour out.
    """
    for part in zone.subcomponents:
        if "RDATE" not in part:
            continue
        found = part.pop("RDATE")
        moments = [when.dt for values in (found if isinstance(found, list) else [found]) for when in values.dts]
        for moment in moments:
            part.add("rdate", moment)


def _entry(event: Event, settings: Settings, stamp: datetime, uid_of: str | None = None, master: bool = False):
    """One VEVENT: a single event, a date of a series on its own, or a series' master or changed date.

    A time the clocks pass twice (1:30 am on a fall-back night) is written in
    UTC, which every calendar reads as the same instant; as local time, some
    (ical.js) take the second 1:30 where RFC 5545 means the first. A series'
    master keeps its local time, which its rule repeats.
    """
    from icalendar import Event as CalendarEvent

    entry = CalendarEvent()
    entry.add("uid", uid(replace(event, id=uid_of) if uid_of else event, settings))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", stamp.astimezone(UTC))
    start, end = span(event)
    if isinstance(start, datetime):
        end = event.end if event.end is not None else event.start + UNTIMED_LENGTH
        entry.add("dtstart", event.start if master else _unambiguous(event.start))
        entry.add("dtend", end if master else _unambiguous(end))
    else:
        entry.add("dtstart", start)
        entry.add("dtend", end)
    entry.add("summary", event.title)
    if where := location_text(event):
        entry.add("location", where)
    page = event_page(event, settings)
    if url := page or event.rsvp or event.online:
        entry.add("url", url)
    entry.add("description", description(event, page))
    entry.add("status", {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}.get(event.status, "CONFIRMED"))
    # What iCalendar has no word for, for `newsletter import` to read back (other calendars leave X- alone):
    # the kind, a postponed event (TENTATIVE above) and a moved one, with where it moved from.
    entry.add("x-newsletter-kind", event.kind)
    if event.status in ("rescheduled", "postponed"):
        entry.add("x-newsletter-status", event.status)
    if event.status == "rescheduled" and event.rescheduled_from is not None:
        moved = event.rescheduled_from
        entry.add("x-newsletter-rescheduled-from", moved.date().isoformat() if event.rescheduled_from_is_date
                  else moved.isoformat())
    return entry


def _unambiguous(moment: datetime) -> datetime:
    """`moment` as it is, or in UTC when its local time happens twice."""
    return moment.astimezone(UTC) if clock_change(moment) == "repeated" else moment


def _series_entries(series: Event, settings: Settings, stamp: datetime) -> list:
    """A series as calendars keep one: a VEVENT with RRULE and EXDATE, and a VEVENT per changed date.

    Each changed date has the series' UID and a RECURRENCE-ID naming the date it
    replaces; a cancelled date is such a VEVENT with STATUS:CANCELLED, so a
    calendar shows why it is gone.
    """
    from newsletter.schedule import recurrence

    # DTSTART is the rule's first date even when it is skipped: COUNT counts from it, and EXDATE removes it.
    first = recurrence.occurrence(replace(series, changes=()), recurrence.rule(series)[0].date())
    master = _entry(replace(first, series=None, occurrence=None, id=series.id), settings, stamp, master=True)
    master.add("rrule", recurrence_rule(series))
    for day in series.rule.exceptions:
        skipped = recurrence.occurrence(replace(series, changes=()), day)
        master.add("exdate", skipped.start.date() if series.all_day else skipped.start)
    return [master, *(_instance(changed, settings, stamp) for _, changed in series.changes)]


def _instance(occurrence: Event, settings: Settings, stamp: datetime):
    """One date of a series, known everywhere as the series' UID and the RECURRENCE-ID of its place in the rule.

    The week's calendar, a change notice and the archive's series all name a
    date this way, so a client that has any of them updates that date
    instead of adding a second copy (RFC 5545 section 3.8.4.4).
    """
    entry = _entry(occurrence, settings, stamp, uid_of=occurrence.series)
    slot = occurrence.slot or occurrence.start
    entry.add("recurrence-id", slot.date() if occurrence.all_day else slot)
    return entry
