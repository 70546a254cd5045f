"""Turns a Digest, or one event, into the words and values the templates show, once for every output."""

from __future__ import annotations

import re
from msgspec import Struct, field
from msgspec.structs import asdict
from datetime import date
from typing import Any

from newsletter.sources import body
from newsletter.rendering import calendar_links
from newsletter.colors import DARK_BACKGROUND, DARK_TEXT, NON_TEXT, legible_on, readable_on
from newsletter.schedule.dates import (format_day, format_glance, format_moment, format_numeric_day, format_through,
                              format_through_short, format_weekday, format_when, relative_day, week_label)
from newsletter.models import Digest, Event, Settings, direction_of
from newsletter.i18n import N_, _, join_names, language
from newsletter.schedule.recurrence import in_words, short
from markupsafe import Markup

RULE_GREY = "#8c959f"  # the lines between entries: quiet, yet 3:1 on white
COLUMN_WIDTH = 552  # the 600 px body less 24 px each side: an image is shown this wide
LOGO_WIDTH = 120
BUTTON_NAME_LIMIT = 40  # longer titles make a button of three lines on a phone: "RSVP for this rally"
STATUS_LABELS = {"cancelled": N_("Cancelled"), "postponed": N_("Postponed"), "rescheduled": N_("Rescheduled")}


def status_label(status: str) -> str:
    """'Cancelled', in the language being written."""
    return _(STATUS_LABELS[status])
PREHEADER_LIMIT = 140


class EventView(Struct, eq=False, dict=True):
    """One event as the templates show it: its words worked out for the email, and its own fields read through
    (or set on the view, which then hides the event's: a brief entry's `summary` is None)."""

    event: Event
    when: str
    status_label: str | None
    change_note: str | None  # "Moved from Thursday, January 4, 7:00 pm"
    status_note: str | None  # the organizers' reason: "called off for the storm"
    ongoing: bool
    hosts: str | None
    speakers: list[dict[str, str | None]]
    body_html: str
    location: dict[str, Any] | None
    calendar: dict[str, str | None] | None = None
    label: str = "Event"  # the kind's singular name: "Rally"
    headline: str = ""  # "Rally: #Justice4Siham…", or the title alone when it already starts with the label
    short_date: str = ""  # "1/27", or "1/15–2/10" for a run of days
    glance: str = ""  # the line above the title: "Sat 1/27 · 12:00 pm"
    anchor: str = ""  # the entry's id, for the digest's agenda to link to
    number: int | None = None  # its number in the agenda, which the text part shows
    buttons: list[dict[str, str | None]] = field(default_factory=list)  # RSVP, donate, join online
    compact: bool = False  # shortened to fit a busy week: facts, summary or teaser, "Read more"
    brief: bool = False  # shortened further: title, time, place and "Read more" alone
    teaser: str | None = None  # when compact without a summary: the opening sentences
    read_more: str | None = None  # when compact: the event's page in the archive
    repeats: str | None = None  # a date of a series: "Every Thursday until June 28"
    versions: list[dict[str, Any]] = field(default_factory=list)  # bilingual together: its words in the others
    text_version: str | None = None  # body_text once worked out, or as set

    @property
    def body_text(self) -> str:
        """The description as wrapped text, converted the first time it is asked for: the text part asks,
        the HTML and the archive's pages never do."""
        if self.text_version is None:
            self.text_version = body.to_text(self.event.body) if self.event.body.strip() else ""
        return self.text_version

    @body_text.setter
    def body_text(self, value: str) -> None:
        self.text_version = value

    def lang(self, name: str) -> Markup:
        """' lang="es"' for a field shown untranslated in another language's email, so it is read out right;
        with ' dir="ltr"' too when that language runs the other way, so its full stops stay at the end."""
        if name in self.event.untranslated and self.event.text_language:
            own = direction_of(self.event.text_language)
            if own != direction_of(language()):
                return Markup(' lang="{}" dir="{}"').format(self.event.text_language, own)
            return Markup(' lang="{}"').format(self.event.text_language)
        return Markup("")

    @property
    def image_size(self) -> tuple[int, int | None]:
        return self.event.image.shown(COLUMN_WIDTH) if self.event.image else (0, None)

    def __getattr__(self, name: str) -> Any:
        # Templates read the event's own fields (title, rsvp, links...) straight through.
        return getattr(self.event, name)


class EmailView(Struct, kw_only=True, eq=False, weakref=True, dict=True):
    """What every email of the group carries around its content: names, theme, footer and links."""

    name: str
    organization: str | None
    address: str | None
    reply_to: str | None
    archive_url: str | None
    unsubscribe: str | None
    language: str
    direction: str
    start: str  # the side a line starts on: "left", or "right" in a right-to-left language
    together: bool = False  # bilingual together: each entry in the primary language, then the others
    theme: dict[str, Any]
    view_online: str | None = None
    list_address: bool = False
    service_footer: bool = False
    preheader: str = ""
    subject: str = ""
    events: list[EventView] = field(default_factory=list)  # every event shown in full

    def context(self) -> dict[str, Any]:
        return {**asdict(self), **self.__dict__}  # its fields, and any set on it beside them


class DigestView(EmailView, kw_only=True, eq=False):
    week: dict[str, Any]
    agenda: list[EventView]  # the week at a glance: its own events by start, then ongoing ones
    sections: list[dict[str, Any]]
    coming_up: list[dict[str, Any]]
    shortened: list[EventView] = field(default_factory=list)  # the entries shown compact
    squeeze: str | None = None  # past compact: "brief" entries, or the "agenda" alone linking to each page
    intro_html: str = ""  # the group's own words under the header: `intro`, or intro.md
    intro_text: str = ""


class AnnouncementView(EmailView, kw_only=True, eq=False):
    """One event alone: a call to action, a change notice or a reminder."""

    event: EventView
    reminder: bool
    kicker: str  # the line above the title: "Rally", "Reminder: tomorrow"
    subject_prefix: str  # "RESCHEDULED: ", "Tomorrow: " or ""
    notice: dict[str, Any] | None  # the change, for a rescheduled, postponed or cancelled event
    appeal: dict[str, Any] | None  # a fund drive's deadline, shown first with its donate button
    event_page: str | None
    also_coming_up: list[dict[str, Any]]


def email_frame(settings: Settings, view_online: str | None) -> dict[str, Any]:
    """The values every email of the group shares, digest or announcement."""
    return dict(
        name=settings.name,
        organization=settings.organization,
        address=settings.address,
        reply_to=settings.reply_to or settings.sender,
        archive_url=settings.archive_url,
        unsubscribe=settings.unsubscribe,
        view_online=view_online,
        list_address=settings.provider.is_list,
        service_footer=settings.provider.adds_footer,
        language=settings.language,
        direction=settings.direction,
        start="right" if settings.direction == "rtl" else "left",
        together=bool(settings.together),
        theme=theme_view(settings),
    )


SQUEEZES = ("brief", "agenda")  # how far a week too big with every entry compact is shortened, in order


def digest_view(digest: Digest, settings: Settings, compact: frozenset[str] = frozenset(),
                squeeze: str | None = None) -> DigestView:
    """The week's digest; the events whose ids are in `compact` are shortened to link to their page.

    `squeeze` shortens every entry further: "brief" to its title, time, place and link; "agenda" to the
    agenda alone, each line linking to the event's page.
    """
    year = digest.week.first_day.year
    sections: list[dict[str, Any]] = []
    for section in digest.all_sections:
        ongoing = section.id == "ongoing"
        views = [event_view(e, settings, year, ongoing) for e in section.events]
        sections.append({"id": section.id, "heading": section_heading(section.id, section.heading, settings),
                         "color": section.color, "dark_color": legible_on(section.color, DARK_BACKGROUND, NON_TEXT),
                         "ongoing": ongoing, "events": views})
    shown = [v for s in sections for v in s["events"]]
    agenda = sorted((v for v in shown if not v.ongoing), key=lambda v: (v.start, v.title))
    agenda += [v for v in shown if v.ongoing]
    for number, entry in enumerate(agenda, start=1):
        entry.number = number
        if entry.id in compact or squeeze:
            shorten(entry, settings, brief=squeeze is not None)
    archived = f"{settings.archive_url}{digest.week.id}/" if settings.archive_url else None
    view = DigestView(
        **email_frame(settings, settings.view_online or archived),
        week={"id": digest.week.id, "label": week_label(digest.week),
              "first_day": digest.week.first_day, "last_day": digest.week.last_day},
        agenda=agenda,
        sections=sections,
        coming_up=[_listed(e, settings, year) for e in digest.coming_up],
        events=shown,
        shortened=[v for v in agenda if v.compact],
        squeeze=squeeze if any(v.compact for v in agenda) else None,
    )
    view.preheader = preheader(view, settings)
    if settings.intro:
        view.intro_html = body.to_html(settings.intro, heading="h3")
        view.intro_text = body.to_text(settings.intro)
    return view


def shorten(view: EventView, settings: Settings, brief: bool = False) -> None:
    """Show `view` compact: its facts and summary (or opening sentences), then a link to its page;
    `brief`: its title, time and place alone, then the link.

    Without an archive there is no page to link to, so the entry keeps its full text.
    """
    page = calendar_links.event_page(view.event, settings)
    if page is None:
        return
    view.compact, view.read_more = True, page
    view.teaser = None if view.summary or not view.event.body.strip() else body.teaser(view.event.body)
    view.body_html = view.body_text = ""
    for version in view.versions:
        version["body_html"] = version["body_text"] = ""
    if brief:
        view.brief, view.teaser, view.hosts, view.buttons, view.speakers = True, None, None, [], []
        for name in ("summary", "rsvp", "donate", "accessibility", "online"):  # read through to the event otherwise
            setattr(view, name, None)
        view.versions = []


def _listed(event: Event, settings: Settings, year: int) -> dict[str, Any]:
    """An event as one line of a list: its day and title, and its page in the archive."""
    return {"title": event.title, "when": format_day(event.start.date(), year),
            "status_label": status_label(event.status) if event.is_off else None,
            "url": calendar_links.event_page(event, settings), "event": event,
            "repeats": short(event.repeat) if event.repeat else None}


def event_view(event: Event, settings: Settings, year: int, ongoing: bool = False,
               heading: str = "h4", alone: bool = False) -> EventView:
    """An event as the templates show it; `alone` when it is the whole email, not one of a digest's."""
    when = format_when(event, settings.timezone, year)
    if ongoing:
        through = format_through(event, year)
        when = through[0].upper() + through[1:]
    note = None
    if event.status == "rescheduled" and event.rescheduled_from is not None:
        note = _("Moved from %(moment)s") % {"moment": format_moment(event.rescheduled_from,
                                                                  event.rescheduled_from_is_date, year)}
    elif event.status == "cancelled":
        note = _("This event will not take place.")
    elif event.status == "postponed":
        note = _("This event is postponed; a new date will follow.")
    location = None
    if event.location is not None:
        place = event.location
        location = {"name": place.name, "address": place.address, "url": place.url,
                    "notes": place.notes, "tbd": place.tbd}
    labels = [label for label in (_("Draft") if event.draft else None,
                                  status_label(event.status) if event.changed else None) if label]
    calendar = None
    if not event.is_off:  # a cancelled or postponed event has no time to put in a calendar
        page = calendar_links.event_page(event, settings)
        calendar = {"google": calendar_links.google_link(event, page), "outlook": calendar_links.outlook_link(event, page),
                    "ics": calendar_links.event_ics_url(event, settings)}
    kind = settings.kind(event.kind)
    label = kind_label(kind, settings)
    return EventView(
        event=event,
        when=when,
        status_label=" · ".join(labels) or None,
        change_note=note,
        status_note=event.status_note,
        ongoing=ongoing,
        hosts=join_names(event.hosts) or None,
        speakers=[{"name": s.name, "bio": s.bio} for s in event.speakers],
        body_html=body.to_html(event.body, heading=heading) if event.body.strip() else "",
        location=location,
        calendar=calendar,
        label=label,
        headline=_headline(label, event.title),
        short_date=_short_date(event),
        glance=format_through_short(event) if ongoing else format_glance(event, settings.timezone),
        repeats=_capitalized(in_words(event)),
        anchor="event-" + re.sub(r"[^A-Za-z0-9_-]+", "-", event.id),
        buttons=[] if event.is_off else _buttons(event, label, alone),
        versions=[version for language in settings.together
                  if (version := _version(event, language, settings, heading)) is not None],
    )


def _version(event: Event, language: str, settings: Settings, heading: str) -> dict[str, Any] | None:
    """An event's words in another of the group's languages, for an email that carries both; None untranslated."""
    from newsletter.models import direction_of
    from newsletter.i18n import language_name, speaking

    translation = event.translation(language)
    if translation is None:
        return None
    with speaking(language, settings.clock):
        labels = {"accessibility": _("Accessibility:"), "where": _("Where:")}
    speakers = [{"name": speaker.name, "bio": bio} for speaker, bio in zip(event.speakers, translation.bios, strict=False) if bio]
    links = [{"label": label, "url": link.url}
             for link, label in zip(event.links, translation.link_labels, strict=False) if label]
    text = translation.body.strip()
    return {
        "language": language, "direction": direction_of(language), "name": language_name(language),
        "title": translation.title or event.title, "summary": translation.summary,
        "status_note": translation.status_note if event.changed else None,
        "location_notes": translation.location_notes if event.location else None,
        "accessibility": translation.accessibility, "speakers": speakers, "links": links,
        "body_html": Markup(body.to_html(text, heading=heading)) if text else "",
        "body_text": body.to_text(text) if text else "",
        "labels": labels,
    }


def _buttons(event: Event, label: str, alone: bool) -> list[dict[str, str | None]]:
    """RSVP, donate and join-online buttons, each labelled in full; the screen-reader name adds the title."""
    if alone:
        name = None
    else:
        name = _without_label(label, event.title)
        if len(name) > BUTTON_NAME_LIMIT:
            name = None
        name = event.short_title or name  # the organizers' own words, however long: the label wraps
    buttons = []
    this = {"label": label.lower()}
    rsvp = _("RSVP for %(name)s") % {"name": name} if name else _("RSVP for this %(label)s") % this
    donate = _("Donate to %(name)s") % {"name": name} if name else _("Donate to this %(label)s") % this
    for href, words in ((event.rsvp, rsvp), (event.donate, donate), (event.online, _("Join online"))):
        if href:
            named = words if event.title in words or alone else f"{words}: {event.title}"
            buttons.append({"href": href, "label": words, "name": None if named == words else named})
    return buttons


def _without_label(label: str, title: str) -> str:
    """'Center for Economic…' from 'Fund drive: Center for Economic…', so a button says what to give to."""
    if title.casefold().startswith(label.casefold() + ":"):
        return title[len(label) + 1:].strip()
    return title


def kind_label(kind, settings: Settings) -> str:
    """A kind's singular name: the group's own as written, a built-in one in the language being written."""
    from newsletter.models import DEFAULT_KINDS

    if kind is None:
        return _("Event")
    own = kind.words(language())[1]
    if own:
        return own
    builtin = next((k for k in DEFAULT_KINDS if k.id == kind.id), None)
    return _(kind.label) if builtin is not None and builtin.label == kind.label else kind.label


def section_heading(section_id: str, heading: str, settings: Settings) -> str:
    """A section's heading: the group's own as written, a built-in one (and Ongoing) in the language being written."""
    from newsletter.models import DEFAULT_KINDS

    if section_id == "ongoing":
        return _("Ongoing")
    kind = next((k for k in settings.kinds if k.id == section_id), None)
    if kind is not None and (own := kind.words(language())[0]):
        return own
    builtin = next((k for k in DEFAULT_KINDS if k.id == section_id), None)
    return _(heading) if builtin is not None and builtin.heading == heading else heading


def _capitalized(text: str | None) -> str | None:
    return text[0].upper() + text[1:] if text else text


def _headline(label: str, title: str) -> str:
    """'Rally: Reunite Siham', but 'Fund drive: CERSC' stays as written rather than doubling the label."""
    if title.casefold().startswith(label.casefold() + ":"):
        return title
    return f"{label}: {title}"


def _short_date(event: Event) -> str:
    first = format_numeric_day(event.start.date())
    return f"{first}–{format_numeric_day(event.last_day)}" if event.multi_day else first


def announcement_view(event: Event, settings: Settings, today: date, reminder: bool = False,
                      upcoming: tuple[Event, ...] = (), resumes: Event | None = None) -> AnnouncementView:
    """One event as a whole email, as of `today`; `upcoming` fills "Also coming up".

    `resumes`: the next date of a series whose date this notice calls off.
    """
    year = event.start.year
    view = event_view(event, settings, year, heading="h2", alone=True)
    page = calendar_links.event_page(event, settings)
    notice = None
    if event.changed and not reminder:
        notice = {"status": event.status, "label": status_label(event.status),
                  "when": view.when if event.status == "rescheduled" else None,
                  "change": view.change_note, "reason": event.status_note,
                  "next": _("Next date: %(when)s") % {"when": format_when(resumes, settings.timezone, year)}
                  if resumes is not None else None}
        # The notice at the top says it all; the event below it does not repeat it.
        view.change_note = view.status_note = None
        view.status_label = _("Draft") if event.draft else None
    appeal = None
    if event.donate and not event.is_off and (event.kind == "fund-drive" or event.multi_day):
        started = event.start.astimezone(settings.timezone).date() <= today
        deadline = format_through(event, year) if started else view.when
        appeal = {"deadline": deadline[0].upper() + deadline[1:]}
    if reminder:
        # On the day, the way in comes first.
        view.buttons.sort(key=lambda button: button["href"] != event.online)
        relative = _reminder_day(event, settings, today)
        kicker = _("Reminder: %(when)s") % {"when": relative[0].lower() + relative[1:]} if relative else _("Reminder")
        prefix = f"{relative or _('Reminder')}: "
        for version in view.versions:  # the reminder is short in every language
            version["body_html"] = version["body_text"] = ""
        if event.summary:
            view.body_html = view.body_text = ""
        elif event.body.strip():
            opening = body.first_paragraph(event.body)
            view.body_html, view.body_text = body.to_html(opening, heading="h2"), body.to_text(opening)
    else:
        kicker = view.label
        prefix = f"{status_label(event.status).upper()}: " if event.changed else ""
    result = AnnouncementView(
        **email_frame(settings, page or settings.view_online),
        event=view,
        events=[view],
        reminder=reminder,
        kicker=kicker,
        subject_prefix=prefix,
        notice=notice,
        appeal=appeal,
        event_page=page,
        also_coming_up=[] if reminder else [_listed(e, settings, year) for e in upcoming],
    )
    result.preheader = _announcement_preheader(result)
    return result


def _reminder_day(event: Event, settings: Settings, today: date) -> str | None:
    """'Tomorrow', 'This Saturday'; for a drive already under way, when it ends: 'Ends tomorrow'."""
    start = event.start.astimezone(settings.timezone).date()
    if start >= today:
        return relative_day(start, today)
    ends = relative_day(event.last_day, today)
    return _("Ends %(when)s") % {"when": ends[0].lower() + ends[1:]} if ends else None


def _announcement_preheader(view: AnnouncementView) -> str:
    event = view.event
    place = None
    if event.location and not event.location["tbd"]:
        place = event.location["name"] or event.location["address"]
    when_where = " · ".join(part for part in (event.when, place) if part)
    if view.notice:
        notice = view.notice
        lead = _("Now %(when)s.") % {"when": notice["when"]} if notice["when"] else notice["change"]
        text = " ".join(part for part in (lead, notice["reason"]) if part)
    elif view.reminder or not event.summary:
        text = when_where
    else:
        text = event.summary
    return _clip(text)


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
        "logo_size": theme.logo.shown(LOGO_WIDTH) if theme.logo else None,
        "dark_background": DARK_BACKGROUND,
        "dark_text": DARK_TEXT,
        "dark_accent": dark_accent,
        # Rules and section bars are not text, but must still be seen: 3:1 (WCAG 1.4.11) in both schemes.
        "rule": legible_on(RULE_GREY, theme.background, NON_TEXT),
        "dark_rule": legible_on(RULE_GREY, DARK_BACKGROUND, NON_TEXT),
        "dark_bar": legible_on(theme.text, DARK_BACKGROUND, NON_TEXT),
        "dark_accent_bar": legible_on(theme.accent, DARK_BACKGROUND, NON_TEXT),
        "alert": legible_on("#b42318", theme.background),
        "dark_alert": legible_on("#ff8a80", DARK_BACKGROUND),
    }


def preheader(view: DigestView, settings: Settings) -> str:
    """The inbox teaser: the week's most important events first, in one line.

    A change comes first and says what it is ("Cancelled: Canvass"), then the
    events by the order of their kinds (rallies before routine meetings by
    default), each with its day.
    """
    own = [v for s in view.sections if not s["ongoing"] for v in s["events"]]
    if not own:
        return _clip(_("Still running: %(titles)s") % {"titles": "; ".join(v.title for v in view.events)})
    rank = {kind.id: number for number, kind in enumerate(settings.kinds)}
    own.sort(key=lambda v: (not v.changed, rank.get(v.kind, len(rank)), v.start))
    parts = [f"{status_label(v.status)}: {v.title}" if v.changed else f"{format_weekday(v.start.date())}: {v.title}"
             for v in own]
    return _clip(_("This week: %(events)s") % {"events": "; ".join(parts)})


def _clip(text: str) -> str:
    if len(text) <= PREHEADER_LIMIT:
        return text
    return text[: PREHEADER_LIMIT - 1].rsplit(" ", 1)[0].rstrip(";,: ") + "…"
