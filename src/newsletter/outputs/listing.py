"""`newsletter list`: the week's events, one line each, and the change notices still to send."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from newsletter.outputs.project import Project, choose_week, load_project, today_in
from newsletter.sources.config import load_settings
from newsletter.schedule.dates import format_short_day, format_through, format_time, format_time_range, week_label
from newsletter.schedule.digest import digest_for_week, digest_window
from newsletter.models import Event, Settings, Week
from newsletter.schedule.recurrence import expand, short


def _clock(event: Event) -> str:
    if event.multi_day:
        return f"through {format_short_day(event.last_day)}"
    if event.all_day:
        return "all day"
    if event.end is not None and not event.end_is_date and event.end.date() == event.start.date():
        return format_time_range(event.start.time(), event.end.time())
    return format_time(event.start.time())


def _line(event: Event, ongoing: bool) -> str:
    if ongoing:
        when = format_through(event)
    else:
        when = f"{format_short_day(event.start.date())}  {_clock(event):<18}"
    marks = "".join(f"[{mark}] " for mark in (
        event.status if event.status != "scheduled" else None,
        "draft" if event.draft else None,
    ) if mark)
    where = ""
    if event.location is not None:
        where = " · location TBD" if event.location.tbd else f" · {event.location.name or event.location.address}"
    return f"  {when:<30} {marks}{event.title}{where}"


def _rule(event: Event) -> str:
    """' · Thursdays' after a series' next date."""
    return f" · {short(event.repeat)}" if event.repeat else ""


def _imported(events: Iterable[Event], settings: Settings) -> list[str]:
    """Which of the week's events came from which source (newsletter import), and when it was last imported."""
    from newsletter.sources.imports import last_imports

    counts: dict[str, int] = {}
    for event in events:
        if event.source is not None:
            counts[event.source.calendar] = counts.get(event.source.calendar, 0) + 1
    if not counts:
        return []
    when = last_imports(settings.root)
    lines = ["", "Imported"]
    for name, count in sorted(counts.items()):
        last = when.get(name)
        at = f", last imported {last.astimezone(settings.timezone):%Y-%m-%d %H:%M}" if last else ""
        lines.append(f"  {count} event{'s' if count != 1 else ''} from {name}{at}")
    return lines


def notices_window(settings: Settings, today: date) -> tuple[datetime, datetime]:
    """From the start of today to the end of "Coming up": where change notices still to send are looked for."""
    since = datetime.combine(today, time(0), tzinfo=settings.timezone)
    return since, since + timedelta(weeks=settings.coming_up_weeks + 1)


def change_notices(events: list[Event], settings: Settings, today: date) -> list[Event]:
    """Rescheduled, postponed and cancelled events not yet over, up to the end of "Coming up" from today."""
    since, horizon = notices_window(settings, today)
    found = (e for e in expand(events, since, horizon)
             if e.changed and not e.draft and e.ends_at > since and e.start < horizon)
    return sorted(found, key=lambda e: (e.start, e.id))


def list_week(config: Path, events_dir: Path, week: str | None = None, today: date | None = None,
              drafts: bool = False, cache: bool = True, sent: frozenset[str] = frozenset()) -> str:
    """`newsletter list`: reads only the events the week and the change notices from `today` can show.

    `sent` names what the send log says went out: a change notice in it is not listed as still to send.
    """
    settings = load_settings(config)
    chosen = choose_week(settings, week, today)
    today = today or today_in(settings)
    windows = [digest_window(chosen, settings), notices_window(settings, today)]
    project = load_project(config, events_dir, cache, settings, windows=windows)
    return week_listing(project, chosen, drafts=drafts, today=today, sent=sent)


def week_listing(project: Project, week: Week, drafts: bool = False, today: date | None = None,
                 sent: frozenset[str] = frozenset()) -> str:
    digest = digest_for_week(project.events, week, project.settings, drafts=drafts)
    lines = [f"{week.id} · {week_label(week)}"]
    if not digest.events:
        lines.append("  no events this week")
    for section in digest.all_sections:
        lines.append("")
        lines.append(section.heading)
        lines.extend(_line(e, section.id == "ongoing") for e in section.events)
    if digest.coming_up:
        lines.append("")
        lines.append("Coming up")
        lines.extend(f"  {format_short_day(e.start.date())}  {e.title}{_rule(e)}" for e in digest.coming_up)
    lines += _imported(digest.events, project.settings)
    notices = [e for e in change_notices(project.events, project.settings, today) if e.change not in sent] if today else []
    if notices:
        lines.append("")
        lines.append("Change notices to send")
        for event in notices:
            lines.append(f"  {format_short_day(event.start.date())}  [{event.status}] {event.title}")
            lines.append(f"              newsletter send --event {event.id}")
    return "\n".join(lines)
