"""Digests and announcements as JSON, for scripts and mailing-service APIs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from newsletter.models import Digest, Event, RenderedEmail, Settings
from newsletter.schedule.recurrence import in_words


def event_summary(event: Event) -> dict[str, Any]:
    place = event.location
    return {
        "id": event.id,
        "title": event.title,
        "kind": event.kind,
        "status": event.status,
        "start": event.start.isoformat(),
        "end": event.ends_at.isoformat() if event.end is not None else None,
        "all_day": event.all_day,
        "last_day": event.last_day.isoformat(),
        "rescheduled_from": event.rescheduled_from.isoformat() if event.rescheduled_from else None,
        "status_note": event.status_note,
        "location": None if place is None else {
            "name": place.name, "address": place.address, "url": place.url, "notes": place.notes,
        },
        "online": event.online,
        "hosts": list(event.hosts),
        "speakers": [{"name": s.name, "bio": s.bio} for s in event.speakers],
        "summary": event.summary,
        "rsvp": event.rsvp,
        "donate": event.donate,
        "links": [{"label": link.label, "url": link.url} for link in event.links],
        "draft": event.draft,
        "source": event.path,
        "series": event.series,
        "occurrence": event.occurrence.isoformat() if event.occurrence else None,
        "repeat": in_words(event),
    }



def digest_summary(digest: Digest, email: RenderedEmail, settings: Settings,
                   shortened: Sequence[Event] = ()) -> dict[str, Any]:
    week = digest.week
    compact = {e.id for e in shortened}
    return {
        "newsletter": settings.name,
        "subject": email.subject,
        "preheader": email.preheader,
        "week": {
            "id": week.id,
            "first_day": week.first_day.isoformat(),
            "last_day": week.last_day.isoformat(),
            "timezone": settings.timezone_name,
        },
        "sections": [
            {"id": s.id, "heading": s.heading,
             "events": [event_summary(e) | {"shortened": e.id in compact} for e in s.events]}
            for s in digest.all_sections
        ],
        "coming_up": [event_summary(e) for e in digest.coming_up],
        "html_bytes": len(email.html.encode()),
        "layout": settings.digest.layout,
    }


def announcement_summary(kind: str, event: Event, upcoming: list[Event], email: RenderedEmail,
                         settings: Settings) -> dict[str, Any]:
    """announcement.json: what was written about one event, and the events listed after it."""
    return {
        "newsletter": settings.name,
        "type": kind,
        "subject": email.subject,
        "preheader": email.preheader,
        "event": event_summary(event),
        "also_coming_up": [event_summary(e) for e in upcoming],
        "html_bytes": len(email.html.encode()),
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
