"""Recurring events: a series' occurrences, and how to say how often it happens.

Occurrences are computed with dateutil's rrule on the event's local wall-clock
time, then placed in its zone: a 7 pm meeting stays at 7 pm when the clocks
change, and its UTC instant moves, as calendars expect of a TZID series.
"""

from __future__ import annotations

from msgspec.structs import replace
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from typing import Any
from collections.abc import Iterable

from newsletter.models import Event, Recurrence
from newsletter.i18n import N_, _, is_english, locale

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINAL_WORDS = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"), 5: N_("fifth"), -1: N_("last")}


# Occurrences ----------------------------------------------------------------------

def rule(event: Event, since: date | None = None):
    """The dateutil rrule of a series, on naive local wall-clock times, except dates not removed;
    given `since`, one that gives the same dates from then on, started nearer to it (see _anchor)."""
    assert event.repeat is not None
    start = _local(event.start)
    return _rule(event.repeat, start if since is None else _anchor(event.repeat, start, since))


@lru_cache(maxsize=4096)
def _rule(repeat: Recurrence, dtstart: datetime):
    """One rrule for each rule and start, kept: it remembers the dates it has worked out (cache=True),
    which the archive asks for again week after week."""
    from dateutil import rrule as rr

    frequency = {"day": rr.DAILY, "week": rr.WEEKLY, "month": rr.MONTHLY}[repeat.every]
    options: dict[str, Any] = {"interval": repeat.interval, "dtstart": dtstart, "cache": True}
    if repeat.every == "week":
        options["byweekday"] = repeat.weekdays
    elif repeat.position is not None:
        options["byweekday"] = rr.weekday(repeat.weekdays[0], repeat.position)
    elif repeat.month_day is not None:
        options["bymonthday"] = repeat.month_day
    if repeat.until is not None:
        options["until"] = datetime.combine(repeat.until, time.max)
    if repeat.count is not None:
        options["count"] = repeat.count
    return rr.rrule(frequency, **options)


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _anchor(repeat: Recurrence, dtstart: datetime, since: date) -> datetime:
    """A start on the rule's own beat, about a year or two before `since`, that gives the same dates from `since` on.

    dateutil walks a rule from its start, so a weekly meeting of ten years
    took 500 steps to reach this week's window. The start moves on by whole
    blocks of the rule's period (a block is about a year; the weeks of a
    digest, one after another, share a start). A rule with a count keeps its
    start, as do monthly ones on the start's own day of the month.
    """
    if repeat.count is not None or since <= dtstart.date():
        return dtstart
    if repeat.every in ("day", "week"):
        step = repeat.interval * (7 if repeat.every == "week" else 1)
        block = step * -(-365 // step)  # whole periods, about a year
        blocks = (since - dtstart.date()).days // block - 1
        return dtstart + timedelta(days=blocks * block) if blocks > 0 else dtstart
    if repeat.position is None and repeat.month_day is None:
        return dtstart  # its day is the start's: days 29-31 cannot move to every month
    block = repeat.interval * -(-12 // repeat.interval)
    blocks = ((since.year - dtstart.year) * 12 + since.month - dtstart.month) // block - 1
    if blocks <= 0:
        return dtstart
    month = dtstart.month - 1 + blocks * block
    return dtstart.replace(year=dtstart.year + month // 12, month=month % 12 + 1, day=1)


def dates(event: Event, since: date | None = None, until: date | None = None) -> list[date]:
    """The series' occurrence dates from `since` to `until` (both included), except dates left out."""
    found = rule(event, since).between(datetime.combine(since or date.min, time.min),
                                       datetime.combine(until or date.max, time.max), inc=True)
    skipped = set(event.rule.exceptions)
    return [moment.date() for moment in found if moment.date() not in skipped]


def is_occurrence(event: Event, day: date) -> bool:
    return bool(rule(event).between(datetime.combine(day, time.min), datetime.combine(day, time.max), inc=True))


def nearest(event: Event, day: date) -> date | None:
    """The occurrence date of the rule closest to `day`, for saying which date was meant."""
    series = rule(event)
    around = datetime.combine(day, time(12))
    candidates = [m for m in (series.before(around, inc=True), series.after(around)) if m is not None]
    if not candidates:
        return None
    return min(candidates, key=lambda m: abs(m - around)).date()


def first(event: Event) -> date | None:
    """The first date the series happens on, except dates left out; None for a series that never happens."""
    skipped = set(event.rule.exceptions)
    for moment in rule(event):
        if moment.date() not in skipped:
            return moment.date()
        if event.rule.count is None and event.rule.until is None and moment.year > event.start.year + 100:
            return None
    return None


def last(event: Event) -> date:
    """The last day a series with an end (until or count) happens on, moved occurrences included."""
    final = list(rule(event))[-1].date()
    moved = [changed.last_day for _, changed in event.changes]
    return max([final, *moved])


@lru_cache(maxsize=16384)
def occurrence(event: Event, day: date) -> Event:
    """The series' occurrence on `day` (a date of its rule), with its change applied if it has one.

    Remembered: the archive and the preview ask for the same dates week after
    week, and the same Event object is then hashed into the archive's keys once.
    """
    changed = dict(event.changes).get(day)
    if changed is not None:
        return changed
    shift = day - event.start.date()
    start = datetime.combine(day, event.start.time(), tzinfo=event.start.tzinfo)
    end = None
    if event.end is not None:
        end = datetime.combine(event.end.date() + shift, event.end.time(), tzinfo=event.end.tzinfo)
    return replace(event, id=occurrence_id(event.id, day), start=start, end=end, changes=(),
                   series=event.id, occurrence=day, slot=start)


def occurrence_id(series_id: str, day: date) -> str:
    return f"{series_id}/{day.isoformat()}"


def occurrences(event: Event, since: datetime, until: datetime) -> list[Event]:
    """The series' occurrences that overlap `since`–`until`, moved ones where they moved to."""
    tz = event.start.tzinfo
    length = (event.ends_at - event.start) if event.end is not None or event.all_day else timedelta(0)
    first_day = (since.astimezone(tz) - length - timedelta(days=1)).date()
    last_day = until.astimezone(tz).date() + timedelta(days=1)
    days = set(dates(event, first_day, last_day))
    # A change can move an occurrence from far away into the window, or out of it.
    days |= {day for day, _ in event.changes if day not in event.rule.exceptions}
    found = [occurrence(event, day) for day in sorted(days)]
    return sorted((o for o in found if o.start < until and (o.ends_at > since or o.start >= since)),
                  key=lambda o: (o.start, o.id))


def find(events: Iterable[Event], event_id: str) -> Event | None:
    """The event with this id, or the occurrence it names: 'branch-meeting/2018-01-11' in the series 'branch-meeting'."""
    by_id = {e.id: e for e in events}
    if event_id in by_id:
        return by_id[event_id]
    series_id, _, day = event_id.rpartition("/")
    series = by_id.get(series_id)
    if series is None or not series.is_series:
        return None
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        return None
    if wanted in series.rule.exceptions or not is_occurrence(series, wanted):
        return None
    return occurrence(series, wanted)


def next_occurrence(event: Event, since: datetime) -> Event | None:
    """The series' first occurrence not over at `since`."""
    for found in occurrences(event, since, since + timedelta(weeks=53 * (event.rule.interval or 1))):
        if found.ends_at > since or found.start >= since:
            return found
    return None


def expand(events: Iterable[Event], since: datetime, until: datetime) -> list[Event]:
    """`events` with each series replaced by its occurrences between `since` and `until`."""
    out: list[Event] = []
    for event in events:
        if event.is_series:
            out.extend(occurrences(event, since, until))
        else:
            out.append(event)
    return out


# Saying it -------------------------------------------------------------------------

def describe(repeat: Recurrence) -> str:
    """'every Thursday', 'every other Tuesday', 'on the last Friday of the month', 'every day'."""
    days = [_weekday(d) for d in repeat.weekdays]
    n = {"count": _count(repeat.interval)}
    if repeat.every == "day":
        return _("every day") if repeat.interval == 1 else _("every %(count)s days") % n
    if repeat.every == "week":
        names = {"days": _join(days), **n}
        if repeat.interval == 1:
            return _("every %(days)s") % names
        if repeat.interval == 2:
            return _("every other %(days)s") % names
        return _("every %(count)s weeks on %(days)s") % names
    if repeat.position is not None:
        which = {"ordinal": _(ORDINAL_WORDS[repeat.position]), "weekday": days[0], **n}
        if repeat.interval == 1:
            return _("on the %(ordinal)s %(weekday)s of the month") % which
        if repeat.interval == 2:
            return _("on the %(ordinal)s %(weekday)s every other month") % which
        return _("on the %(ordinal)s %(weekday)s every %(count)s months") % which
    month_day = repeat.month_day
    if month_day is None:  # the reader sets one of position and month_day for a monthly rule
        raise ValueError("a monthly rule with neither a day of the month nor a weekday's position")
    day = {"day": _ordinal(month_day) if is_english() else str(month_day), **n}
    if repeat.interval == 1:
        return _("on the %(day)s of the month") % day
    if repeat.interval == 2:
        return _("on the %(day)s every other month") % day
    return _("on the %(day)s every %(count)s months") % day


def in_words(event: Event) -> str | None:
    """'every Thursday, until Thursday, June 28': how often a date of a series comes round."""
    if event.repeat is None:
        return None
    from newsletter.schedule.dates import format_day

    text = describe(event.repeat)
    if event.repeat.until is not None:
        text = _("%(rule)s, until %(day)s") % {"rule": text, "day": format_day(event.repeat.until, event.start.year)}
    return text


def short(repeat: Recurrence) -> str:
    """The rule in a word or two, for one line of a list: 'Thursdays', 'Every other Tuesday'."""
    if repeat.every == "week" and repeat.interval == 1 and is_english():
        return _join([f"{WEEKDAYS[d].capitalize()}s" for d in repeat.weekdays])
    text = describe(repeat)
    return text[0].upper() + text[1:]


def _weekday(number: int) -> str:
    """'Thursday', 'jueves': Monday is 0."""
    if is_english():
        return WEEKDAYS[number].capitalize()
    return locale().days["format"]["wide"][number]


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _count(number: int) -> str:
    if not is_english():
        return str(number)
    return {3: "three", 4: "four", 5: "five", 6: "six"}.get(number, str(number))


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
