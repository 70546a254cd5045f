"""`newsletter import mobilize:ORG_ID`: an organization's public events on Mobilize, through its public API
(GET /v1/organizations/:id/events, no key needed), each timeslot an event file with `rsvp` at its Mobilize
page."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.importing.fetch import ImportProblem, download
from newsletter.importing.ical import Incoming, KindOf, Reading
from newsletter.importing.markdown import description
from newsletter.importing.writing import end_text, when_text
from newsletter.models import Settings

API = "https://api.mobilize.us/v1"  # NEWSLETTER_MOBILIZE_API points elsewhere (a test server)
PAGES = 50  # at 100 events a page: an organization's next six months, many times over
# Mobilize's event types and the default kinds they are closest to.
TYPES = {"MEETING": "meeting", "COMMUNITY": "meeting", "TRAINING": "meeting", "FUNDRAISER": "fund-drive",
         "RALLY": "rally", "MARCH": "rally", "PROTEST": "rally", "VISIBILITY_EVENT": "rally",
         "PANEL": "panel", "TOWN_HALL": "panel", "DEBATE_WATCH_PARTY": "panel"}


def is_mobilize(source: str) -> bool:
    return source.lower().startswith("mobilize:")


def read_mobilize(source: str, settings: Settings, since: datetime, until: datetime, kind_of: KindOf) -> Reading:
    organization = source.split(":", 1)[1].strip()
    if not re.fullmatch(r"\d+", organization):
        raise ImportProblem(f"{source}: write the organization's number, such as mobilize:1234 (it is in the "
                            "address of its Mobilize dashboard, or ask Mobilize)")
    query = urlencode({"timeslot_start": f"gte_{int(since.timestamp())}", "per_page": 100})
    url: str | None = f"{os.environ.get('NEWSLETTER_MOBILIZE_API', API).rstrip('/')}/organizations/{organization}" \
                      f"/events?{query}"
    events: list[Incoming] = []
    notes: list[str] = []
    known = {k.id for k in settings.kinds}
    for _ in range(PAGES):
        if url is None:
            break
        try:
            page = json.loads(download(url, source, "check the organization's number"))
        except ValueError:
            raise ImportProblem(f"{source}: Mobilize's answer is not JSON: try again later") from None
        if not isinstance(page, dict) or page.get("error") or not isinstance(page.get("data"), list):
            detail = page.get("error") if isinstance(page, dict) else None
            raise ImportProblem(f"{source}: Mobilize answered with an error ({detail or 'no events in its answer'})")
        for event in page["data"]:
            events += _timeslots(event, settings, since, until, kind_of, known, notes)
        url = page.get("next") or None
    else:
        notes.append(f"{source}: more than {PAGES} pages of events: the rest were left out (narrow --until)")
    return Reading(events, notes)


def _timeslots(event: dict[str, Any], settings: Settings, since: datetime, until: datetime, kind_of: KindOf,
               known: set[str], notes: list[str]) -> list[Incoming]:
    title = " ".join(str(event.get("title") or "").split())
    try:
        zone = str(event.get("timezone") or settings.timezone_name)
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        notes.append(f"{title} (Mobilize event {event.get('id')}): unknown time zone '{event.get('timezone')}': "
                     "left out")
        return []
    own = TYPES.get(str(event.get("event_type") or ""))
    kind = own if own in known else kind_of(title, [str(event.get("event_type") or "").replace("_", " ").lower()])
    front: dict[str, Any] = {"title": title or "Untitled event", "kind": kind}
    place = event.get("location") or {}
    if event.get("is_virtual") and str(event.get("virtual_action_url") or "").startswith("https://"):
        front["online"] = event["virtual_action_url"]
    elif place:
        lines = [line for line in place.get("address_lines") or [] if line]
        city = " ".join(part for part in (place.get("region"), place.get("postal_code")) if part)
        address = ", ".join(part for part in (*lines, place.get("locality"), city) if part)
        venue = " ".join(str(place.get("venue") or "").split())
        if venue or address:
            front["location"] = {key: value for key, value in (("name", venue), ("address", address)) if value}
    if str(event.get("browser_url") or "").startswith("https://"):
        front["rsvp"] = event["browser_url"]
    if summary := " ".join(str(event.get("summary") or "").split()):
        front["summary"] = summary
    body = description(str(event.get("description") or ""))
    found = []
    for slot in event.get("timeslots") or []:
        start = datetime.fromtimestamp(int(slot["start_date"]), tz)
        if not since <= start < until:
            continue
        one = {**front, "start": when_text(start)}
        if slot.get("end_date"):
            end = datetime.fromtimestamp(int(slot["end_date"]), tz)
            if end > start:
                one["end"] = end_text(start, end)
        if zone != settings.timezone_name:
            one["timezone"] = zone
        one = {key: one[key] for key in ("title", "kind", "start", "end", "timezone") if key in one} | one
        found.append(Incoming(f"{event.get('id')}/{slot.get('id')}", one, body, start))
    return found
