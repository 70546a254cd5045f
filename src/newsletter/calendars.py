"""Getting events into people's calendars: add-to-calendar links and iCalendar (.ics) files.

Times in links are UTC instants, so they stay right across a daylight-saving
change and in any reader's zone; whole-day events use dates, with the end
date exclusive as both calendars expect.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email.utils import parseaddr
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
    start = event.start.astimezone(timezone.utc)
    end = event.end.astimezone(timezone.utc) if event.end is not None else start + UNTIMED_LENGTH
    return start, end


def location_text(event: Event) -> str:
    place = event.location
    if place is None or place.tbd:
        return event.online or ""
    return ", ".join(part for part in (place.name, place.address) if part)


def description(event: Event, page: str | None = None) -> str:
    """A short plain-text description: the summary, else the start of the body, then a link."""
    from newsletter.body import to_text

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


def google_link(event: Event, page: str | None = None) -> str:
    start, end = span(event)
    if isinstance(start, datetime):
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    else:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    query = {"action": "TEMPLATE", "text": event.title, "dates": dates, "details": description(event, page)}
    if where := location_text(event):
        query["location"] = where
    return f"{GOOGLE}?{urlencode(query, safe='/:')}"


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
    """The event's own page on the archive, when there is one."""
    return f"{settings.archive_url}events/{event.id}/" if settings.archive_url else None


def event_ics_url(event: Event, settings: Settings) -> str | None:
    return f"{settings.archive_url}events/{event.id}.ics" if settings.archive_url else None


def to_ics(events: list[Event], settings: Settings, stamp: datetime, name: str | None = None) -> bytes:
    """An RFC 5545 calendar of `events`, with VTIMEZONE definitions for every zone used."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//newsletter//Weekly digest//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name or settings.name)
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", uid(event, settings))
        entry.add("sequence", event.sequence)
        entry.add("dtstamp", stamp.astimezone(timezone.utc))
        start, end = span(event)
        if isinstance(start, datetime):
            entry.add("dtstart", event.start)
            entry.add("dtend", event.end if event.end is not None else event.start + UNTIMED_LENGTH)
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
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()
