"""Reads a recurring event file: its `repeat` rule and the `changes` of single dates.

A change is read as the whole event with the change's fields laid over the
file's own, through the same reader as any event file, so that every field of
an occurrence is checked the same way and its problems point at the change's
lines (`changes.2018-01-11.start`).
"""

from __future__ import annotations

from msgspec.structs import replace
import re
from datetime import date, datetime
from typing import Any
from collections.abc import Callable

from newsletter.schedule import recurrence
from newsletter.schedule.dates import format_day
from newsletter.sources.fields import FieldReader, suggest
from newsletter.models import Event, Recurrence
from newsletter.schedule.recurrence import WEEKDAYS

EVERY = ("day", "week", "month")
POSITIONS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "last": -1}
KEYS = ("every", "interval", "on", "until", "count", "except")
UNCHANGEABLE = ("repeat", "changes", "kind", "source")
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")

ReadEvent = Callable[[FieldReader, dict[str, Any], str], "Event | None"]


def read_repeat(r: FieldReader, spec: Any, start: datetime | None) -> Recurrence | None:
    """The rule `spec` describes, or None after noting each problem (except dates are checked later)."""
    if not isinstance(spec, dict):
        r.problem("repeat", "must have every: on its own line below it (every: week, with on: thursday)")
        return None
    r.unknown(spec, KEYS, prefix="repeat.")
    every = r.text(spec, "every", "repeat.every", required=True)
    if every is not None and every not in EVERY:
        plural = every.rstrip("s") if every.rstrip("s") in EVERY else None
        hint = f": write {plural}" if plural else suggest(every, EVERY) or " (day, week or month)"
        r.problem("repeat.every", f"'{every}' is not day, week or month{hint}")
        every = None
    interval = _whole(r, spec, "interval", 1)
    count = _whole(r, spec, "count", None)
    until = _date(r, spec.get("until"), "repeat.until")
    if until is not None and count is not None:
        r.problem("repeat.count", "give until or count, not both")
    if until is not None and start is not None and until < start.date():
        r.problem("repeat.until", f"{until} is before the start, {start.date()}")
    exceptions = tuple(d for d in (_date(r, v, f"repeat.except[{n}]") for n, v in enumerate(r.items(spec, "except")))
                       if d is not None)
    if every is None or start is None:
        return None
    weekdays, position, month_day = _on(r, spec.get("on"), every, start)
    return Recurrence(every, interval or 1, weekdays, position, month_day, until, count, exceptions)


def _on(r: FieldReader, value: Any, every: str, start: datetime) -> tuple[tuple[int, ...], int | None, int | None]:
    if value is None:
        if every == "week":
            return (start.weekday(),), None, None
        if every == "month":
            return (), None, start.day
        return (), None, None
    if every == "day":
        r.problem("repeat.on", "goes with every: week or every: month; a daily series happens every day")
        return (), None, None
    items = value if isinstance(value, list) else [v for v in str(value).split(",")]
    words = [" ".join(str(item).lower().split()) for item in items]
    if every == "week":
        days = []
        for word in words:
            if word not in _WEEKDAY_NAMES:
                hint = ("; a weekly series takes weekdays such as thursday, and 'first thursday' goes with every: month"
                        if " " in word else suggest(word, WEEKDAYS) or " (a weekday such as thursday)")
                r.problem("repeat.on", f"'{word}' is not a day of the week{hint}")
                continue
            days.append(_WEEKDAY_NAMES[word])
        return tuple(sorted(set(days))), None, None
    if len(words) != 1:
        r.problem("repeat.on", "a monthly series takes one day: 'first thursday', 'last friday' or a date such as 15")
        return (), None, None
    word = words[0]
    if word.isdigit() and 1 <= int(word) <= 31:
        return (), None, int(word)
    found = re.fullmatch(r"(\S+) (\S+)", word)
    if found and found[1] in POSITIONS and found[2] in _WEEKDAY_NAMES:
        return (_WEEKDAY_NAMES[found[2]],), POSITIONS[found[1]], None
    if word in _WEEKDAY_NAMES:
        hint = f": write 'first {word}', 'last {word}' or '3rd {word}'"
    else:
        hint = " (write 'first thursday', 'last friday', '3rd saturday' or a day of the month such as 15)"
    r.problem("repeat.on", f"'{word}' is not a day of the month{hint}")
    return (), None, None


_WEEKDAY_NAMES = {**{name: n for n, name in enumerate(WEEKDAYS)}, **{name[:3]: n for n, name in enumerate(WEEKDAYS)}}


def _whole(r: FieldReader, spec: dict[str, Any], key: str, default: int | None) -> int | None:
    value = spec.get(key)
    if value is None:
        return default
    text = str(value).strip()
    if isinstance(value, (list, dict)) or not text.isdigit() or not 1 <= int(text) <= 1000:
        r.problem(f"repeat.{key}", f"'{value}' must be a whole number from 1 to 1000")
        return default
    return int(text)


def _date(r: FieldReader, value: Any, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        r.problem(field, f"'{value}' is not a date (write 2018-06-28)")
        return None


# Checking the rule against its dates, and reading `changes:` -------------------------

def read_series(r: FieldReader, data: dict[str, Any], series: Event, read: ReadEvent) -> Event | None:
    """`series` with its rule checked and its changes read; None after noting each problem."""
    repeat = series.rule
    for number, day in enumerate(repeat.exceptions):
        if not recurrence.is_occurrence(series, day):
            r.problem(f"repeat.except[{number}]", f"{day} is not a date of the series{_nearest(series, day)}")
    if not r.problems and recurrence.first(series) is None:
        r.problem("repeat", "the series has no date at all: check start, until, count and except")
    changes = data.get("changes")
    if changes is None or r.problems:
        return None if r.problems else series
    if not isinstance(changes, dict):
        r.problem("changes", "must list dates, each with the fields that change: 2018-01-11: {status: cancelled}")
        return None
    changed: list[tuple[date, Event]] = []
    for key, change in changes.items():
        field = f"changes.{key}"
        try:
            day = date.fromisoformat(key.strip())
        except ValueError:
            r.problem(field, f"'{key}' is not a date (write the date of the meeting that changes, such as 2018-01-11)")
            continue
        if day in repeat.exceptions:
            r.problem(field, f"{day} is also in repeat.except: a date is either skipped or changed")
            continue
        if not recurrence.is_occurrence(series, day):
            r.problem(field, f"{day} is not a date of the series{_nearest(series, day)}")
            continue
        if not isinstance(change, dict) or not change:
            r.problem(field, "must list the fields that change on that date, such as {status: cancelled}")
            continue
        for name in change:
            if name in UNCHANGEABLE:
                r.problem(f"{field}.{name}", f"{name} cannot change for one date; "
                                             "start a new event file for a different series")
        change = {name: value for name, value in change.items() if name not in UNCHANGEABLE}
        event = read(_Prefixed(r, f"{field}."), _laid_over(data, change, series, day), series.body)
        if event is not None:
            slot = datetime.combine(day, series.start.time(), tzinfo=series.start.tzinfo)
            changed.append((day, replace(event, id=recurrence.occurrence_id(series.id, day), series=series.id,
                                         occurrence=day, repeat=repeat, slot=slot)))
    if r.problems:
        return None
    return replace(series, changes=tuple(sorted(changed, key=lambda pair: pair[0])))


class _Prefixed(FieldReader):
    """Reports problems under a change's own field names and lines: changes.2018-01-11.start."""

    def __init__(self, base: FieldReader, prefix: str):
        super().__init__(base.path, base.line_of)
        self.problems = base.problems
        self.prefix = prefix

    def problem(self, field: str, message: str) -> None:
        super().problem(self.prefix + field, message)

    def unknown(self, data: dict[str, Any], known: tuple[str, ...], prefix: str = "") -> None:
        super().unknown({k: v for k, v in data.items() if k not in UNCHANGEABLE}, known, prefix)


def _laid_over(data: dict[str, Any], change: dict[str, Any], series: Event, day: date) -> dict[str, Any]:
    """The file's fields with the change's laid over them, start and end moved to `day` unless the change moves them."""
    merged = {k: v for k, v in data.items() if k not in ("repeat", "changes")}
    original = recurrence.occurrence(replace(series, changes=()), day)
    start = change.get("start")
    if start is None:
        start = _written(original.start, series.all_day)
        merged["start"] = start
    if change.get("end") is None and series.end is not None:
        end = data.get("end")
        if not (isinstance(end, str) and _TIME_ONLY.match(end.strip())):
            merged["end"] = _moved_end(series, original, start)
    if change.get("status") == "rescheduled" and change.get("rescheduled_from") is None:
        merged["rescheduled_from"] = _written(original.start, series.all_day)
    merged.update(change)
    return merged


def _written(moment: datetime, whole_day: bool) -> str:
    return moment.strftime("%Y-%m-%d") if whole_day else moment.strftime("%Y-%m-%d %H:%M")


def _moved_end(series: Event, original: Event, start: Any) -> str | None:
    """The end as far after the (possibly moved) start as the series' end is after its start."""
    from newsletter.schedule.dates import BadDate, parse_when

    try:
        moved = parse_when(str(start), series.tz)[0]
    except BadDate:
        return None  # the start's own problem is reported when the change is read
    if series.end_is_date or series.all_day:
        return (moved.date() + (series.last_day - series.start.date())).isoformat()
    if series.end is None:
        return None
    length = series.end.replace(tzinfo=None) - series.start.replace(tzinfo=None)
    return _written(moved.replace(tzinfo=None) + length, False)


def _nearest(series: Event, day: date) -> str:
    found = recurrence.nearest(series, day)
    if found is None:
        return ""
    return f": the nearest is {format_day(found, day.year)} ({found})"
