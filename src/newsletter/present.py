"""Turns a Digest into the words and values the templates show, once for every output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsletter import body, calendars
from newsletter.colors import DARK_BACKGROUND, DARK_TEXT, legible_on, readable_on
from newsletter.dates import format_day, format_moment, format_through, format_when, week_label
from newsletter.models import Digest, Event, Settings

STATUS_LABELS = {"cancelled": "Cancelled", "postponed": "Postponed", "rescheduled": "Rescheduled"}
PREHEADER_LIMIT = 140


@dataclass
class EventView:
    event: Event
    when: str
    status_label: str | None
    status_note: str | None
    ongoing: bool
    hosts: str | None
    speakers: list[dict[str, str | None]]
    body_html: str
    body_text: str
    location: dict[str, Any] | None
    calendar: dict[str, str | None] | None = None

    def __getattr__(self, name: str) -> Any:
        # Templates read the event's own fields (title, rsvp, links...) straight through.
        return getattr(self.event, name)


@dataclass
class DigestView:
    name: str
    organization: str | None
    address: str | None
    reply_to: str | None
    archive_url: str | None
    unsubscribe: str | None
    language: str
    direction: str
    week: dict[str, Any]
    sections: list[dict[str, Any]]
    coming_up: list[dict[str, Any]]
    theme: dict[str, Any]
    view_online: str | None = None
    list_address: bool = False
    service_footer: bool = False
    preheader: str = ""
    subject: str = ""
    events: list[EventView] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return dict(self.__dict__)


def digest_view(digest: Digest, settings: Settings) -> DigestView:
    year = digest.week.first_day.year
    sections = []
    for section in digest.all_sections:
        ongoing = section.id == "ongoing"
        views = [event_view(e, settings, year, ongoing) for e in section.events]
        sections.append({"id": section.id, "heading": section.heading,
                         "color": section.color, "ongoing": ongoing, "events": views})
    coming_up = [
        {"title": e.title, "when": format_day(e.start.date(), year),
         "status_label": STATUS_LABELS.get(e.status) if e.is_off else None, "event": e}
        for e in digest.coming_up
    ]
    view = DigestView(
        name=settings.name,
        organization=settings.organization,
        address=settings.address,
        reply_to=settings.reply_to or settings.sender,
        archive_url=settings.archive_url,
        unsubscribe=settings.unsubscribe,
        view_online=settings.view_online or (f"{settings.archive_url}{digest.week.id}/" if settings.archive_url else None),
        list_address=settings.provider.is_list,
        service_footer=settings.provider.adds_footer,
        language=settings.language,
        direction=settings.direction,
        week={"id": digest.week.id, "label": week_label(digest.week),
              "first_day": digest.week.first_day, "last_day": digest.week.last_day},
        sections=sections,
        coming_up=coming_up,
        theme=theme_view(settings),
        events=[v for s in sections for v in s["events"]],
    )
    view.preheader = preheader(view)
    return view


def event_view(event: Event, settings: Settings, year: int, ongoing: bool = False) -> EventView:
    when = format_when(event, settings.timezone, year)
    if ongoing:
        through = format_through(event, year)
        when = through[0].upper() + through[1:]
    note = None
    if event.status == "rescheduled" and event.rescheduled_from is not None:
        note = f"Moved from {format_moment(event.rescheduled_from, event.rescheduled_from_is_date, year)}"
    elif event.status == "cancelled":
        note = "This event will not take place."
    elif event.status == "postponed":
        note = "This event is postponed; a new date will follow."
    location = None
    if event.location is not None:
        place = event.location
        location = {"name": place.name, "address": place.address, "url": place.url,
                    "notes": place.notes, "tbd": place.tbd}
    labels = [label for label in ("Draft" if event.draft else None, STATUS_LABELS.get(event.status)) if label]
    calendar = None
    if event.status != "cancelled":
        page = calendars.event_page(event, settings)
        calendar = {"google": calendars.google_link(event, page), "outlook": calendars.outlook_link(event, page),
                    "ics": calendars.event_ics_url(event, settings)}
    return EventView(
        event=event,
        when=when,
        status_label=" · ".join(labels) or None,
        status_note=note,
        ongoing=ongoing,
        hosts=", ".join(event.hosts) or None,
        speakers=[{"name": s.name, "bio": s.bio} for s in event.speakers],
        body_html=body.to_html(event.body) if event.body.strip() else "",
        body_text=body.to_text(event.body) if event.body.strip() else "",
        location=location,
        calendar=calendar,
    )


def theme_view(settings: Settings) -> dict[str, Any]:
    theme = settings.theme
    dark_accent = legible_on(theme.accent, DARK_BACKGROUND)
    return {
        "accent": theme.accent,
        "background": theme.background,
        "text": theme.text,
        "muted": theme.text,
        "button_text": readable_on(theme.accent),
        "logo": theme.logo,
        "dark_background": DARK_BACKGROUND,
        "dark_text": DARK_TEXT,
        "dark_accent": dark_accent,
        "alert": legible_on("#b42318", theme.background),
        "dark_alert": legible_on("#ff8a80", DARK_BACKGROUND),
    }


def preheader(view: DigestView) -> str:
    """The inbox teaser: what happens this week, in one line."""
    own = [v for s in view.sections if not s["ongoing"] for v in s["events"]]
    if not own:
        titles = [v.title for v in view.events]
        text = "Still running: " + "; ".join(titles)
    else:
        own.sort(key=lambda v: v.start)
        parts = [f"{v.start:%a}: {v.title}" for v in own]
        text = "This week: " + "; ".join(parts)
    if len(text) <= PREHEADER_LIMIT:
        return text
    return text[: PREHEADER_LIMIT - 1].rsplit(" ", 1)[0].rstrip(";,: ") + "…"
