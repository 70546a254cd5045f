"""Which events belong in which week, and in which section: pure functions of their inputs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from newsletter.models import Digest, Event, Section, Settings, Week


def _order(event: Event) -> tuple:
    return (event.start, event.title.casefold(), event.id)


def digest_for_week(events: Iterable[Event], week: Week, settings: Settings, drafts: bool = False) -> Digest:
    """The week's events by section, what is still running from before, and what comes next."""
    shown = [e for e in events if drafts or not e.draft]
    starts, ends = week.starts_at, week.ends_at
    own = [e for e in shown if starts <= e.start < ends]
    ongoing = sorted((e for e in shown if e.start < starts < e.ends_at), key=_order)
    sections = []
    for kind in settings.kinds:
        members = sorted((e for e in own if e.kind == kind.id), key=_order)
        if members:
            sections.append(Section(kind.id, kind.heading, kind.color, tuple(members)))
    horizon = ends + timedelta(days=7 * settings.coming_up_weeks)
    coming_up = sorted((e for e in shown if ends <= e.start < horizon), key=_order)
    return Digest(week, tuple(sections), tuple(ongoing), tuple(coming_up))


def next_events(events: Iterable[Event], since: datetime, limit: int, leave_out: str | None = None) -> list[Event]:
    """The first `limit` events that start at or after `since`, drafts left out."""
    found = (e for e in events if not e.draft and e.id != leave_out and e.start >= since)
    return sorted(found, key=_order)[:limit]


def weeks_with_events(events: Iterable[Event], settings: Settings, drafts: bool = False) -> list[Week]:
    """Every week in which some event starts, in date order."""
    from newsletter.dates import week_containing

    weeks = {}
    for event in events:
        if drafts or not event.draft:
            local = event.start.astimezone(settings.timezone).date()
            week = week_containing(local, settings.week_start, settings.timezone)
            weeks[week.id] = week
    return [weeks[key] for key in sorted(weeks)]
