"""Add-to-calendar links and the addresses the views show for an event: Google's and Outlook's "add" pages,
the event's archive page and calendar file, and the recurrence rule both links and iCalendar files give.

Times in links are UTC instants, so they stay right across a daylight-saving
change and in any reader's zone; whole-day events use dates, with the end
date exclusive as both calendars expect.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, UTC
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from newsletter.models import Event, Settings

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
DESCRIPTION_LIMIT = 400
UNTIMED_LENGTH = timedelta(hours=1)  # an event with no end gets an hour in calendars


def span(event: Event) -> tuple[date, date] | tuple[datetime, datetime]:
    """(start, end) for calendars: dates with an exclusive end, or UTC instants."""
    if event.all_day or event.end_is_date:
        return event.start.date(), event.last_day + timedelta(days=1)
    start = event.start.astimezone(UTC)
    end = event.end.astimezone(UTC) if event.end is not None else start + UNTIMED_LENGTH
    return start, end


def location_text(event: Event) -> str:
    place = event.location
    if place is None or place.tbd:
        return event.online or ""
    return ", ".join(part for part in (place.name, place.address) if part)


def description(event: Event, page: str | None = None) -> str:
    """A short plain-text description: the summary, else the start of the body, then a link."""
    from newsletter.sources.body import to_text

    if event.summary:
        text = event.summary
    elif event.body.strip():
        text = " ".join(to_text(event.body, width=10_000).split())
    else:
        text = ""
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    more = page or event.rsvp or event.online
    return f"{text}\n\n{more}".strip() if more else text


@lru_cache(maxsize=4096)  # a busy week's fit shows each entry several times
def google_link(event: Event, page: str | None = None) -> str:
    """Google Calendar's "add" page for the event; for an unchanged date of a series, the series from that date on.

    A series is given in its own zone (`ctz`, times without Z) with its rule
    (`recur`), so that Google keeps the local time across clock changes. Its
    skipped and changed dates cannot be said in the link.
    """
    start, end = span(event)
    rule = _google_rule(event)
    if rule is not None and isinstance(start, datetime):
        local_end = event.end if event.end is not None else event.start + UNTIMED_LENGTH
        dates = f"{event.start:%Y%m%dT%H%M%S}/{local_end:%Y%m%dT%H%M%S}"
    elif isinstance(start, datetime):
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    else:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    query = {"action": "TEMPLATE", "text": event.title, "dates": dates, "details": description(event, page)}
    if rule is not None:
        query["recur"] = f"RRULE:{rule}"
        if isinstance(start, datetime):
            query["ctz"] = getattr(event.tz, "key", "UTC")  # a named zone: _google_rule checked it
    if where := location_text(event):
        query["location"] = where
    return f"{GOOGLE}?{urlencode(query, safe='/:')}"


def _google_rule(event: Event) -> str | None:
    """The RRULE text for an unchanged occurrence of a series in a named zone, else None."""
    if event.series is None or event.repeat is None or event.changed or not hasattr(event.tz, "key"):
        return None
    if event.start.date() != event.occurrence:
        return None
    from icalendar import vRecur

    return vRecur(recurrence_rule(event)).to_ical().decode()


@lru_cache(maxsize=4096)
def outlook_link(event: Event, page: str | None = None) -> str:
    start, end = span(event)
    all_day = not isinstance(start, datetime)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": start.isoformat() if all_day else f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": end.isoformat() if all_day else f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "allday": "true" if all_day else "false",
        "body": description(event, page),
    }
    if where := location_text(event):
        query["location"] = where
    return f"{OUTLOOK}?{urlencode(query, safe='/:')}"


def uid(event: Event, settings: Settings) -> str:
    """Stable across rebuilds: the event's file, at the group's domain."""
    domain = urlsplit(settings.archive_url).hostname if settings.archive_url else None
    domain = domain or parseaddr(settings.sender)[1].rpartition("@")[2] or "newsletter.invalid"
    return f"{event.id.replace('/', '.')}@{domain}"


def event_page(event: Event, settings: Settings) -> str | None:
    """The event's own page on the archive, when there is one; a date of a series is a part of the series' page."""
    if not settings.archive_url:
        return None
    if event.series is not None and event.occurrence is not None:
        return f"{settings.archive_url}events/{event.series}/#{event.occurrence.isoformat()}"
    return f"{settings.archive_url}events/{event.id}/"


def event_ics_url(event: Event, settings: Settings) -> str | None:
    """The event's calendar file on the archive; for a date of a series, the whole series."""
    return f"{settings.archive_url}events/{event.series or event.id}.ics" if settings.archive_url else None


def recurrence_rule(event: Event) -> dict:
    """The series' RRULE as icalendar takes it; UNTIL is a UTC instant (RFC 5545 asks so with a TZID start)."""
    repeat = event.rule
    rule: dict = {"freq": {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY"}[repeat.every]}
    if repeat.interval != 1:
        rule["interval"] = repeat.interval
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if repeat.every == "week":
        rule["byday"] = [days[d] for d in repeat.weekdays]
    elif repeat.position is not None:
        rule["byday"] = [f"{repeat.position}{days[repeat.weekdays[0]]}"]
    elif repeat.month_day is not None:
        rule["bymonthday"] = [repeat.month_day]
    if repeat.until is not None:
        if event.all_day:
            rule["until"] = repeat.until
        else:
            last = datetime.combine(repeat.until, time(23, 59, 59), tzinfo=event.start.tzinfo)
            rule["until"] = last.astimezone(UTC)
    elif repeat.count is not None:
        rule["count"] = repeat.count
    return rule
