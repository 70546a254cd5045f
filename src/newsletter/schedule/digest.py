"""Which events belong in which week, and in which section: pure functions of their inputs.

A recurring event takes part through its occurrences in the window at hand
(recurrence.expand); lists that look ahead show a series once, at its next date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from collections.abc import Iterable

from newsletter.models import Digest, Event, Section, Settings, Week
from newsletter.schedule import recurrence
from newsletter.schedule.recurrence import expand

LONGEST_OCCURRENCE = timedelta(days=31)  # how far back a still-running occurrence may have started
LOOK_AHEAD = timedelta(weeks=52)  # how far `next_events` looks ahead


def _order(event: Event) -> tuple:
    return (event.start, event.title.casefold(), event.id)


def once_per_series(events: Iterable[Event]) -> list[Event]:
    """The events in order, a series only at its first occurrence among them."""
    seen: set[str] = set()
    out = []
    for event in events:
        key = event.series or event.id
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out


def digest_window(week: Week, settings: Settings) -> tuple[datetime, datetime]:
    """The times an event must span some of to show in the week's digest: from the start of an occurrence
    still running to the end of "Coming up"."""
    return week.starts_at - LONGEST_OCCURRENCE, week.ends_at + timedelta(days=7 * settings.coming_up_weeks)


def digest_for_week(events: Iterable[Event], week: Week, settings: Settings, drafts: bool = False) -> Digest:
    """The week's events by section, what is still running from before, and what comes next."""
    starts, ends = week.starts_at, week.ends_at
    since, horizon = digest_window(week, settings)
    shown = [e for e in expand(events, since, horizon) if drafts or not e.draft]
    own = [e for e in shown if starts <= e.start < ends]
    ongoing = sorted((e for e in shown if e.start < starts < e.ends_at), key=_order)
    sections = []
    for kind in settings.kinds:
        members = sorted((e for e in own if e.kind == kind.id), key=_order)
        if members:
            sections.append(Section(kind.id, kind.heading, kind.color, tuple(members)))
    coming_up = once_per_series(sorted((e for e in shown if ends <= e.start < horizon), key=_order))
    return Digest(week, tuple(sections), tuple(ongoing), tuple(coming_up))


class WeekIndex:
    """The events that can show in a given week's digest, found without going through every event.

    The archive and the preview ask for hundreds of weeks: `digest_for_week(index.near(week, settings), ...)`
    gives the same digest as with every event, in a fraction of the time.
    """

    def __init__(self, events: Iterable[Event]):
        events = list(events)
        self.singles = sorted((e for e in events if not e.is_series), key=lambda e: e.start)
        self.starts = [e.start for e in self.singles]
        # Longer than an occurrence may be and still be found by its start: a months-long fund drive.
        self.long = [e for e in self.singles if e.ends_at - e.start > LONGEST_OCCURRENCE]
        self.series = [(e, _running_until(e)) for e in events if e.is_series]

    def update(self, removed: Iterable[Event], added: Iterable[Event]) -> WeekIndex:
        """The index with `removed` taken out and `added` put in, in place: the preview's edits."""
        from bisect import bisect_left, insort

        for event in removed:
            if event.is_series:
                self.series = [(e, last) for e, last in self.series if e is not event]
                continue
            at = bisect_left(self.starts, event.start)
            while at < len(self.singles) and self.singles[at] is not event:
                at += 1
            if at == len(self.singles):
                raise LookupError(f"{event.id} is not in the index")
            del self.singles[at], self.starts[at]
            self.long = [e for e in self.long if e is not event]
        for event in added:
            if event.is_series:
                self.series.append((event, _running_until(event)))
                continue
            at = bisect_left(self.starts, event.start)
            while at < len(self.starts) and self.starts[at] == event.start:
                at += 1  # after those with the same start, as the stable sort of the whole list puts it
            self.singles.insert(at, event)
            self.starts.insert(at, event.start)
            if event.ends_at - event.start > LONGEST_OCCURRENCE:
                insort(self.long, event, key=lambda e: e.start)
        return self

    def near(self, week: Week, settings: Settings) -> list[Event]:
        """Every event digest_for_week could place in `week`: in it, still running, or coming up."""
        from bisect import bisect_left

        since, until = digest_window(week, settings)
        found = self.singles[bisect_left(self.starts, since):bisect_left(self.starts, until)]
        found += [e for e in self.long if e.start < since]
        found += [series for series, last in self.series
                  if series.changes  # a changed date can be moved anywhere
                  or series.start < until and (last is None or last >= since.date() - timedelta(days=1))]
        return found


@lru_cache(maxsize=4096)
def _running_until(series: Event) -> date | None:
    """The last day a series' last occurrence can still be running on; None for a series without an end.

    Remembered for each series: the preview builds its index again after every edit.
    """
    if series.rule.count is None and series.rule.until is None:
        return None
    return recurrence.last(series) + (series.ends_at - series.start) + timedelta(days=1)


def next_events(events: Iterable[Event], since: datetime, limit: int, leave_out: str | None = None) -> list[Event]:
    """The first `limit` events that start at or after `since` and within LOOK_AHEAD, drafts left out, a series once."""
    found = (e for e in expand(events, since, since + LOOK_AHEAD)
             if not e.draft and e.id != leave_out and since <= e.start < since + LOOK_AHEAD)
    left_out_series = leave_out.rpartition("/")[0] if leave_out else None
    found = (e for e in found if not (e.series and e.series in (leave_out, left_out_series)))
    return once_per_series(sorted(found, key=_order))[:limit]


def weeks_with_events(events: Iterable[Event], settings: Settings, drafts: bool = False,
                      until: date | None = None, weeks_of=None) -> list[Week]:
    """Every week that some event starts in or runs through, in date order; a series without an end counts up to `until`.

    Without `until`, an open-ended series counts for a year from its start, or up to the last other event.
    `weeks_of` replaces the function of that name (the preview passes one that remembers each event's weeks).
    """
    events = [e for e in events if drafts or not e.draft]
    if until is None:
        latest = [e.start.date() + LOOK_AHEAD if _open_ended(e) else e.start.date() for e in events]
        until = max(latest, default=date.min)
    return EventWeeks(events, settings, until, drafts, weeks_of).weeks()


class EventWeeks:
    """The weeks events reach, counted, so that the preview can keep them up to date through edits."""

    def __init__(self, events: Iterable[Event], settings: Settings, until: date, drafts: bool = False, weeks_of=None):
        self.settings, self.until, self.drafts = settings, until, drafts
        self.weeks_of = weeks_of or _weeks_of
        self.count: dict[str, int] = {}
        self.known: dict[str, Week] = {}
        self.update((), events)

    def update(self, removed: Iterable[Event], added: Iterable[Event]) -> EventWeeks:
        for change, events in ((-1, removed), (1, added)):
            for event in events:
                if event.draft and not self.drafts:
                    continue
                for week in self.weeks_of(event, self.settings, self.until):
                    self.known[week.id] = week
                    self.count[week.id] = self.count.get(week.id, 0) + change
        return self

    def weeks(self) -> list[Week]:
        return [self.known[key] for key in sorted(self.count) if self.count[key] > 0]


def _open_ended(event: Event) -> bool:
    return event.is_series and event.rule.count is None and event.rule.until is None


def _weeks_of(event: Event, settings: Settings, until: date) -> list[Week]:
    """The weeks one event reaches: a fund drive is in the digests it runs through, as Ongoing."""
    from newsletter.schedule.dates import week_containing

    if event.is_series:
        last = until if _open_ended(event) else recurrence.last(event)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=settings.timezone)
        found = expand([event], event.start - LONGEST_OCCURRENCE, end)
    else:
        found = [event]
    weeks = []
    for one in found:
        day = one.start.astimezone(settings.timezone).date()
        last = max(day, (one.ends_at - timedelta(microseconds=1)).astimezone(settings.timezone).date())
        while day <= last:
            week = week_containing(day, settings.week_start, settings.timezone)
            weeks.append(week)
            day = week.last_day + timedelta(days=1)
    return weeks
