"""`newsletter announce`: one event, one email — a call to action, a change notice or a reminder.

Made from the same pieces as the digest: the group's events and settings, the
presenter, the templates (layout.mjml and parts/), the .eml and the calendars.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, UTC
from pathlib import Path

from newsletter import aside
from newsletter.outputs import warmup
from newsletter.outputs.project import Project, load_project, message_ident, today_in
from newsletter.outputs.rendered import Outputs, Rendered, remembered_bodies, shared_findings, write_editions
from newsletter.schedule.dates import format_day
from newsletter.sources.config import load_settings
from newsletter.schedule.digest import LOOK_AHEAD, next_events
from newsletter.errors import NewsletterError
from newsletter.models import Event, Finding

ALSO_COMING_UP = 5  # how many of the group's next events an announcement lists
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


class Announcement(Rendered, kw_only=True):
    """One event's own email: an announcement, a change notice or a reminder."""

    stem = "announcement"
    event: Event
    reminder: bool

    @property
    def kind(self) -> str:
        if self.reminder:
            return "reminder"
        return "change notice" if self.event.changed else "announcement"


def find_event(project: Project, ref: str, events_dir: Path, today: date | None = None) -> Event:
    """The event a user named by its file's path or its id (the file name without .md).

    A recurring event's id, or its file, means its next date as of `today`;
    one date of it is named by the id and the date: branch-meeting/2018-01-11.
    """
    from newsletter.schedule.recurrence import find, next_occurrence

    wanted = event_id(ref, events_dir)
    event = find(project.events, wanted)
    if event is None:
        raise NewsletterError(f"no event '{ref}'{_did_you_mean(wanted, [e.id for e in project.events])}")
    if not event.is_series:
        return event
    since = datetime.combine(today or today_in(project.settings), time(0), tzinfo=project.settings.timezone)
    found = next_occurrence(event, since)
    if found is None:
        raise NewsletterError(f"{event.path}: the series has no date after {since.date()}; "
                              f"name one of its dates, such as {event.id}/{event.start.date()}")
    return found


def event_id(ref: str, events_dir: Path) -> str:
    """The id a user means by `ref`: an event file's path, or an id (with a date of a series after a slash)."""
    wanted = ref.strip()
    candidate = Path(wanted)
    if candidate.suffix == ".md" and candidate.exists():
        try:
            wanted = candidate.resolve().relative_to(events_dir.resolve()).with_suffix("").as_posix()
        except ValueError:
            raise NewsletterError(f"{wanted}: not in the events folder {events_dir}") from None
    return wanted.removesuffix(".md")


def _did_you_mean(wanted: str, ids: list[str]) -> str:
    """": did you mean 'x'?", from near misses of the whole id or of its name after the date."""
    bare = {_DATE_PREFIX.sub("", i.rsplit("/", 1)[-1]): i for i in ids}
    key = _DATE_PREFIX.sub("", wanted.rsplit("/", 1)[-1]).lower()
    close = [i for i in ids if key and key in i.lower()]
    close += difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6)
    close += [bare[b] for b in difflib.get_close_matches(key, list(bare), n=3, cutoff=0.6)]
    unique = list(dict.fromkeys(close))[:3]
    if not unique:
        return " (`newsletter list` shows the events; an event's id is its file name without .md)"
    return ": did you mean " + " or ".join(f"'{i}'" for i in unique) + "?"


def render_announcement_files(project: Project, event: Event, today: date, reminder: bool = False,
                              now: datetime | None = None, exact_time: bool = False) -> Announcement:
    """Every file of one event's email, in memory; raises NewsletterError for a reminder that makes no sense.

    `exact_time` says `now` is the real time, not just the start of `today`.
    """
    from newsletter.outputs.calendars import to_ics
    from newsletter.outputs.mime import build_message, to_bytes
    from newsletter.rendering.render import render_announcement
    from newsletter.rendering.share import Share
    from newsletter.outputs.summary import announcement_summary, to_json

    settings = project.settings
    now = now or datetime.now(UTC)
    as_of = now if exact_time else datetime.combine(today, time(0), tzinfo=settings.timezone)
    warnings = []
    if reminder and (problem := reminder_problem(event, as_of)):
        raise NewsletterError(f"{event.path}: {problem}")
    if event.ends_at <= as_of:
        warnings.append(Finding("warning", f"the event ended on {format_day(event.last_day, today.year)}, so nobody "
                                "can come to it any more", "check its date, or pass --today to write it as of an earlier day"))
    if event.draft:
        warnings.append(Finding("warning", f"{event.path} is a draft (draft: true)",
                                "remove that line once the event is final"))
    since = datetime.combine(today, time(0), tzinfo=settings.timezone)
    upcoming = () if reminder else tuple(next_events(project.events, since, ALSO_COMING_UP, leave_out=event.id))
    resumes = _next_date(project, event) if event.is_off and not reminder else None
    # An announcement or a reminder of a date of a series brings the whole series, with its changes, into the
    # calendar; a change notice changes only the date it is about. Made in a helper process while the email is
    # rendered, if the command started one for it.
    calendar = aside.submit(to_ics, [event if event.changed else _series_of(project, event)], settings, now,
                            event.title)
    with remembered_bodies(project.compiled):
        view, email = render_announcement(event, settings, today, reminder, upcoming, project.compiled, resumes)
    ident = f"{'reminder' if reminder else 'announce'}.{event.id.replace('/', '.')}"
    share = Share(view, settings, project.compiled)
    result = Announcement(settings=settings, event=event, reminder=reminder, email=email, warnings=warnings,
                          share=share)
    result.outputs = Outputs({
        "announcement.html": email.html.encode("utf-8"),
        "announcement.txt": email.text.encode("utf-8"),
        "announcement.eml": lambda: to_bytes(build_message(email, settings, message_ident(ident, settings), now)),
        "announcement.json": lambda: to_json(announcement_summary(
            result.kind, event, list(upcoming), email, settings)).encode("utf-8"),
        "event.ics": calendar.result,
        **share.files(),
    })
    return result


def _next_date(project: Project, event: Event) -> Event | None:
    """For a date of a series that is called off, the series' next date that goes ahead, within a year."""
    from datetime import timedelta

    from newsletter.schedule.recurrence import occurrences

    if event.series is None:
        return None
    after = max(event.start, event.slot or event.start)
    later = occurrences(_series_of(project, event), after, after + timedelta(weeks=53))
    return next((o for o in later if o.start > after and not o.is_off), None)


def _series_of(project: Project, event: Event) -> Event:
    if event.series is None:
        return event
    return next(e for e in project.events if e.id == event.series)


def reminder_problem(event: Event, as_of: datetime) -> str | None:
    """Why `event` can have no reminder at `as_of`, or None when it can."""
    if event.is_off:
        return (f"the event is {event.status}, so there is nothing to remind people of: "
                f"send the change notice instead (newsletter announce {event.id})")
    if event.ends_at <= as_of:
        return (f"the event ended on {format_day(event.last_day, as_of.year)}: "
                "a reminder is only for an event still to come")
    return None


def default_folder(event: Event, reminder: bool) -> Path:
    """dist/announce/<event id>/, and its reminder/ subfolder for the reminder."""
    folder = Path("dist") / "announce" / event.id
    return folder / "reminder" if reminder else folder


def announcement_for(project: Project, events_dir: Path, ref: str, reminder: bool = False,
                     today: date | None = None) -> Announcement:
    """The email of the event named `ref`, as of `today` (by default the real date and time).

    A bilingual group with separate editions gets one per language: the
    result is the primary one, carrying the others.
    """
    event = find_event(project, ref, events_dir, today)
    results = []
    for language in project.settings.editions:
        edition = project.edition(language)
        results.append(render_announcement_files(edition, edition.localized(event), today or today_in(project.settings),
                                                 reminder, exact_time=today is None))
    results[0].translations = results[1:]
    return results[0]


def announce(config: Path, events_dir: Path, ref: str, reminder: bool = False, out: Path | None = None,
             today: date | None = None, cache: bool = True) -> Announcement:
    """`newsletter announce`: render one event's email and write its files, all or none.

    Separate editions go in one folder per language: dist/announce/<event id>/<language>/.
    """
    warmup.for_announce(config, cache)
    try:
        return _announce(config, events_dir, ref, reminder, out, today, cache)
    finally:
        aside.stop()


def _announce(config: Path, events_dir: Path, ref: str, reminder: bool, out: Path | None, today: date | None,
              cache: bool) -> Announcement:
    from newsletter.schedule.recurrence import find

    # Only the event and what can be "Also coming up" are loaded from the cache (its series is always there).
    settings = load_settings(config)
    since = datetime.combine(today or today_in(settings), time(0), tzinfo=settings.timezone)
    wanted = event_id(ref, events_dir)
    project = load_project(config, events_dir, cache, settings, windows=[(since, since + LOOK_AHEAD)],
                           wanted={wanted, wanted.rpartition("/")[0]})
    if find(project.events, wanted) is None:  # not there: every event, for the names it may have meant
        project = load_project(config, events_dir, cache, settings)
    result = announcement_for(project, events_dir, ref, reminder, today)
    target = out if out is not None else default_folder(result.event, reminder)
    for edition in result.editions:
        if edition.clipped:
            edition.warnings.append(Finding("warning", f"announcement.html is {edition.sent_bytes / 1000:.1f} KB as "
                                            "sent: Gmail clips messages over 102 KB", "shorten the event's description"))
    write_editions(target, result.editions, "announcement", keep=() if reminder else ("reminder",))
    for edition in result.editions:
        edition.warnings.extend(shared_findings(edition))
    if project.compiled is not None:  # written: what rendering made is worth keeping for the next command
        project.compiled.save()
    return result
