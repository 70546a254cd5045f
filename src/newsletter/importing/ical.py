"""An iCalendar file (Google Calendar, Outlook, Thunderbird, Nextcloud...) read into event files' front matter.

Every detail that changes when or whether an event happens is carried:
TZID (with or without a VTIMEZONE, Windows zone names included, as
icalendar reads them), X-WR-TIMEZONE (the x-wr-timezone library, as
calendar apps apply it), floating and UTC times, all-day and multi-day
events, DURATION, a missing DTEND, STATUS, and recurring events: an RRULE
that `repeat` can say becomes `repeat`, its EXDATEs `except` and its
RECURRENCE-ID overrides `changes`. A series is written as one file only
when its dates, read back through newsletter's own reader, are the dates
dateutil makes of the source's rule (every date in the import window,
moved and cancelled ones included); any other series (BYSETPOS, RDATE,
an hourly rule, an override the rule does not make) is written as one file
per date in the window, and the output says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from msgspec import Struct, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.importing.fetch import ImportProblem
from newsletter.importing.markdown import description
from newsletter.importing.writing import end_text, event_text, when_text
from newsletter.models import Settings

WEEKDAY_NAMES = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday",
                 "SA": "saturday", "SU": "sunday"}
POSITION_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
MEETING = re.compile(r"https://[^\s<>\"')\]]*(zoom\.us|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|"
                     r"meet\.jit\.si|whereby\.com|bigbluebutton|webex\.com)[^\s<>\"')\]]*", re.IGNORECASE)
_URL = re.compile(r"(?i)^https?://\S+$")

KindOf = Callable[[str, list[str]], str]


class Incoming(Struct):
    """One event file to write: its key in the source (the UID, or the UID and the date for a date of a series
    written on its own), its front matter, its description, and when it starts."""

    key: str
    front: dict[str, Any]
    body: str
    start: datetime
    notes: list[str] = field(default_factory=list)


class Reading(Struct):
    events: list[Incoming]
    notes: list[str]  # what was left out or written otherwise, and why


def read_calendar(data: bytes, name: str, settings: Settings, since: datetime, until: datetime,
                  kind_of: KindOf) -> Reading:
    """The events of the calendar `data` (known as `name`) that happen from `since` until `until`."""
    import icalendar

    if not data.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCALENDAR"):
        raise ImportProblem(f"{name}: not an iCalendar file (it does not start with BEGIN:VCALENDAR)")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError) as exc:
        raise ImportProblem(f"{name}: not an iCalendar file newsletter can read ({exc})") from None
    # Before X-WR-TIMEZONE is applied, which would put a time in an undefined zone in the calendar's.
    unknown = {str(c.get("UID") or ""): zone for c in calendar.walk("VEVENT") if (zone := _unknown_zone(c))}
    default = settings.timezone_name
    if wr := calendar.get("X-WR-TIMEZONE"):
        try:
            ZoneInfo(str(wr))
            default = str(wr)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ImportProblem(f"{name}: X-WR-TIMEZONE names an unknown time zone, '{wr}'") from None
        import x_wr_timezone

        try:
            calendar = x_wr_timezone.to_standard(calendar)
        except (ValueError, KeyError) as exc:
            raise ImportProblem(f"{name}: its X-WR-TIMEZONE cannot be applied ({exc})") from None
    reader = _Reader(name, settings, default, since, until, kind_of)
    reader.unknown = unknown
    groups: dict[str, list[Any]] = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID") or "").strip()
        if not uid:  # RFC 5545 requires one; without it, the event is known by its title and start
            import hashlib

            start = component.get("DTSTART").dt.isoformat() if component.get("DTSTART") is not None else ""
            uid = "no-uid-" + hashlib.sha256(f"{_title(component)}\0{start}".encode()).hexdigest()[:16]
        groups.setdefault(uid, []).append(component)
    for uid, components in groups.items():
        try:
            reader.group(uid, components)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            reader.notes.append(f"{_title(components[0])} ({uid}): cannot be read ({exc}): left out")
    if reader.outside:
        reader.notes.append(f"{reader.outside} event{'s' if reader.outside != 1 else ''} outside "
                            f"{since.date()} – {until.date()} left out (--from and --until set the window)")
    return Reading(reader.events, reader.notes)


def _title(component: Any) -> str:
    return " ".join(str(component.get("SUMMARY") or "").split()) or "an event with no title"


class _Reader:
    def __init__(self, name: str, settings: Settings, default: str, since: datetime, until: datetime,
                 kind_of: KindOf):
        self.name, self.settings, self.default = name, settings, default
        self.since, self.until, self.kind_of = since, until, kind_of
        self.events: list[Incoming] = []
        self.notes: list[str] = []
        self.outside = 0
        self.unknown: dict[str, str] = {}  # UIDs whose times name a zone nobody defines

    # -- one UID ---------------------------------------------------------------------------------------------

    def group(self, uid: str, components: list[Any]) -> None:
        for component in components:
            if zone := self.unknown.get(uid) or _unknown_zone(component):
                self.notes.append(f"{_title(component)} ({uid}): its time zone '{zone}' is unknown, and the calendar "
                                  "does not define it (no VTIMEZONE): left out, as its time cannot be known")
                return
        masters = [c for c in components if c.get("RECURRENCE-ID") is None]
        overrides = [c for c in components if c.get("RECURRENCE-ID") is not None]
        if len(masters) > 1:  # the same event twice: the latest revision is the event
            masters.sort(key=_sequence)
        master = masters[-1] if masters else None
        if master is not None and master.get("DTSTART") is None:
            self.notes.append(f"{_title(master)} ({uid}): no DTSTART, so no date: left out")
            return
        if master is None or not (master.get("RRULE") or master.get("RDATE")):
            if master is not None:  # one event; an override of its own date is its latest revision
                same = [o for o in overrides if self._slot_key(o) == self._slot_key(master, "DTSTART")]
                self._single(same[-1] if same else master, uid)
                overrides = [o for o in overrides if o not in same]
            for override in overrides:
                self._single(override, f"{uid}|{self._slot_key(override)}")
            return
        self._series(uid, master, overrides)

    @staticmethod
    def _slot_key(component: Any, prop: str = "RECURRENCE-ID") -> str:
        value = component.get(prop).dt
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(ZoneInfo("UTC"))
        return value.isoformat()

    # -- single events ---------------------------------------------------------------------------------------

    def _single(self, component: Any, key: str, start: datetime | date | None = None,
                end: datetime | date | None = None) -> None:
        if component.get("DTSTART") is None and start is None:
            self.notes.append(f"{_title(component)}: no DTSTART, so no date: left out")
            return
        begins = start if start is not None else component.get("DTSTART").dt
        ends = end if end is not None else _end_of(component, begins)
        placed = self._place(begins, series=False)
        assert placed is not None  # a single event is always placed
        local, zone = placed
        moment = _aware(local, zone)
        last = _moment(ends, zone) if ends is not None else moment
        if last < moment:  # an end before the start: read the other way round, as calendar apps do
            begins, ends = ends, begins  # type: ignore[assignment]
            return self._single(component, key, begins, ends)
        if not (moment < self.until and (last > self.since or moment >= self.since)):
            self.outside += 1
            return
        front = self._front(component, local, zone, ends)
        self._add(Incoming(key, front, description(_text(component, "DESCRIPTION")), moment))

    def _front(self, component: Any, local: datetime | date, zone: str, ends: datetime | date | None) -> dict:
        title = _title(component)
        categories = _categories(component)
        own = _text(component, "X-NEWSLETTER-KIND")  # a calendar newsletter wrote says which kind
        kind = own if own in {k.id for k in self.settings.kinds} else self.kind_of(title, categories)
        front: dict[str, Any] = {"title": title, "kind": kind, "start": when_text(local)}
        if ends is not None and (end := self._end_text(local, zone, ends)):
            front["end"] = end
        if isinstance(local, datetime) and zone != self.settings.timezone_name:
            front["timezone"] = zone  # an event in another zone keeps it, and is shown with its abbreviation
        front.update(_place_fields(component, self.settings.archive_url))
        front.update(_status_fields(component, zone))
        return front

    def _end_text(self, local: datetime | date, zone: str, ends: datetime | date) -> str | None:
        if not isinstance(local, datetime):
            if isinstance(ends, datetime):
                ends = ends.date()
            last = ends - timedelta(days=1)  # DTEND of an all-day event is the day after it
            return last.isoformat() if last > local else None
        placed = self._place(ends, series=False, zone=zone)
        if placed is None or not isinstance(placed[0], datetime):
            return None
        end = placed[0]
        if end <= local:
            return None
        return end_text(local, end)

    def _place(self, value: datetime | date, series: bool, zone: str | None = None) -> tuple[datetime | date, str] | None:
        """(the local date or wall time, its zone's name), in `zone` when given (an end, in its start's zone).

        A floating time is the calendar's; a UTC time of a single event is
        written in the calendar's zone. None for a series in a zone that no
        IANA name gives, which `repeat` cannot keep (its dates are then
        written one by one).
        """
        if not isinstance(value, datetime):
            return value, zone or self.default
        if value.tzinfo is None:
            return _whole(value), zone or self.default
        if zone is not None:
            return _whole(value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)), zone
        key = _zone_key(value.tzinfo)
        if key is None and series:
            return None
        if key is None or (key == "UTC" and not series):
            return _whole(value.astimezone(ZoneInfo(self.default)).replace(tzinfo=None)), self.default
        return _whole(value.replace(tzinfo=None)), key

    def _add(self, incoming: Incoming) -> None:
        self.events.append(incoming)

    # -- series ----------------------------------------------------------------------------------------------

    def _series(self, uid: str, master: Any, overrides: list[Any]) -> None:
        begins = master.get("DTSTART").dt
        tz = _tz_of(begins, self.default)
        dates = _ruleset(master, tz)
        # A change of a date that a later revision of the series no longer has (ended sooner, or the date
        # removed) is stale: calendar apps drop it, and so does the import.
        overrides = [o for o in overrides if _slot(o, begins, tz) in dates or _sequence(o) >= _sequence(master)]
        placed = self._place(begins, series=True)
        truth = self._truth(master, overrides)
        if not truth:
            self.outside += 1
            return
        why = None
        if placed is None:
            why = "its time zone has no IANA name"
        elif isinstance(master.get("RRULE"), list):
            why = "it has more than one RRULE"
        elif master.get("RDATE"):
            why = "it adds dates (RDATE)"
        elif any(_this_and_future(o) for o in overrides):
            why = "a change of a date and every later one (RANGE=THISANDFUTURE)"
        if why is None:
            local, zone = placed  # type: ignore[misc]
            repeat, why = _repeat(master.get("RRULE"), local, zone)
            if repeat is not None:
                written = self._series_front(master, overrides, local, zone, repeat)
                if written is not None:
                    front, body = written
                    ours = self._dates_of(front, body)
                    if ours == {(moment, cancelled) for moment, cancelled, _, _ in truth}:
                        self._add(Incoming(uid, front, body, _aware(local, zone)))
                        # A date's change has no description of its own: say so rather than drop it unseen.
                        for override in overrides:
                            own = description(_text(override, "DESCRIPTION"))
                            if not own or own == body:
                                continue
                            day = _slot(override, begins, tz).date()
                            self.notes.append(f"{_title(master)}: the calendar gives {day} a description of its "
                                              "own, which a date of a series cannot have in newsletter: the "
                                              "series' description is kept (write the news in that date's "
                                              "status_note or title)")
                        return
                    why = "newsletter's repeat would not give the same dates"
                else:
                    why = "a change of one date cannot be written as a change of the series"
        self.notes.append(f"{_title(master)}: its rule cannot be written as repeat ({why}): written as "
                          f"{len(truth)} separate file{'s' if len(truth) != 1 else ''}, one for each date from "
                          f"{self.since.date()} to {self.until.date()}")
        for moment, _, component, slot in truth:
            length = _length(component)
            self._single(component, f"{uid}|{slot}", start=moment, end=moment + length if length else None)

    def _truth(self, master: Any, overrides: list[Any]) -> list[tuple[datetime, bool, Any, str]]:
        """(start, cancelled, the component it comes from, its slot) for each date of the series that starts in the
        window: the source's rule as dateutil expands it, EXDATEs taken out, RECURRENCE-IDs applied."""
        begins = master.get("DTSTART").dt
        tz = _tz_of(begins, self.default)
        found = _ruleset(master, tz)
        moved = {}
        for override in overrides:
            moved[_slot(override, begins, tz)] = override
        # RANGE=THISANDFUTURE: a change of this date and every later one (its new time, by the same shift).
        onward = sorted((slot, o) for slot, o in moved.items() if _this_and_future(o))
        low, high = _naive(self.since, tz) - timedelta(days=2), _naive(self.until, tz) + timedelta(days=2)
        slots = set(found.between(low, high, inc=True)) | {slot for slot in moved if low <= slot <= high}
        out = []
        for slot in sorted(slots):
            component, shift = moved.get(slot, master), timedelta(0)
            if component is master and (later := [(at, o) for at, o in onward if at <= slot]):
                at, component = later[-1]
                shift = _naive(component.get("DTSTART").dt, tz) - at if component.get("DTSTART") else shift
            if component is master or shift:
                moment = (slot + shift).replace(tzinfo=tz)
            else:
                value = component.get("DTSTART").dt if component.get("DTSTART") is not None else slot
                moment = _naive(value, tz).replace(tzinfo=tz)
            moment = moment.astimezone(tz)
            cancelled = str(component.get("STATUS") or "").upper() == "CANCELLED"
            if self.since <= moment < self.until:
                out.append((moment, cancelled, component, slot.isoformat()))
        return out

    def _series_front(self, master: Any, overrides: list[Any], local: datetime | date, zone: str,
                      repeat: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
        front = self._front(master, local, zone, _end_of(master, master.get("DTSTART").dt))
        tz = ZoneInfo(zone)
        exceptions = []
        values = master.get("EXDATE")
        for listing in (values if isinstance(values, list) else [values] if values is not None else []):
            for item in listing.dts:
                exceptions.append(_naive(item.dt, tz).date())
        changes: dict[str, Any] = {}
        length = _length(master)
        for override in overrides:
            slot = _slot(override, master.get("DTSTART").dt, tz)
            if isinstance(local, datetime) and slot.time() != local.time():
                return None
            change: dict[str, Any] = {}
            status = _status_fields(override, zone).get("status")
            if status in ("cancelled", "postponed"):
                change["status"] = status
            begins = override.get("DTSTART").dt if override.get("DTSTART") is not None else None
            if begins is not None:
                moved = _naive(begins, tz)
                if not isinstance(local, datetime):
                    moved_day = moved.date()
                    if moved_day != slot.date():
                        change.setdefault("status", "rescheduled")
                        change["start"] = moved_day.isoformat()
                elif moved != slot:
                    change.setdefault("status", "rescheduled")
                    change["start"] = when_text(moved)
                own = _length(override) or length
                # A moved date keeps its length: the series' `end: 10:00` would be read on the new day.
                if isinstance(local, datetime) and own and own > timedelta(0) and (moved != slot or own != length):
                    end = moved + own
                    change["end"] = end_text(moved, end)
            if _title(override) != _title(master):
                change["title"] = _title(override)
            place = _place_fields(override)
            if place.get("location") != _place_fields(master).get("location") and place.get("location"):
                change["location"] = place["location"]
            if change:
                changes[slot.date().isoformat()] = change
        if exceptions:
            repeat = {**repeat, "except": sorted({day.isoformat() for day in exceptions})}
        front["repeat"] = repeat
        if changes:
            front["changes"] = dict(sorted(changes.items()))
        return front, description(_text(master, "DESCRIPTION"))

    def _dates_of(self, front: dict[str, Any], body: str) -> set[tuple[datetime, bool]] | None:
        """The dates newsletter's own reader gives the series `front` in the window, or None if it refuses it."""
        from newsletter.schedule.recurrence import expand
        from newsletter.sources.events import read_event

        probe = {**front, "source": {"calendar": self.name, "uid": "probe"}}
        event, problems = read_event(event_text(probe, body).encode("utf-8"), "probe.md", "probe", self.settings)
        if event is None or problems:
            return None
        return {(o.start, o.status == "cancelled") for o in expand([event], self.since, self.until)
                if self.since <= o.start < self.until}


# -- values ----------------------------------------------------------------------------------------------------


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _unknown_zone(component: Any) -> str | None:
    """The TZID of a time that names a zone neither IANA nor the calendar defines (icalendar leaves it floating)."""
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = component.get(name)
        if value is not None and value.params.get("TZID") and isinstance(value.dt, datetime) \
                and value.dt.tzinfo is None:
            return str(value.params["TZID"])
    return None


def _categories(component: Any) -> list[str]:
    value = component.get("CATEGORIES")
    found: list[str] = []
    for item in (value if isinstance(value, list) else [value] if value is not None else []):
        found += [str(cat) for cat in getattr(item, "cats", [item])]
    return found


def _zone_key(tz: tzinfo) -> str | None:
    if isinstance(tz, ZoneInfo):
        return "UTC" if tz.key in ("UTC", "Etc/UTC", "Etc/GMT", "GMT", "Zulu", "Etc/Zulu") else tz.key
    if tz.utcoffset(None) == timedelta(0) and str(tz.tzname(None)).upper() in ("UTC", "Z", "GMT"):
        return "UTC"
    return None


def _tz_of(value: datetime | date, default: str) -> tzinfo:
    if isinstance(value, datetime) and value.tzinfo is not None:
        key = _zone_key(value.tzinfo)
        return ZoneInfo(key) if key is not None else value.tzinfo
    return ZoneInfo(default)


def _ruleset(master: Any, tz: tzinfo) -> Any:
    """The dates of a series as dateutil expands its RRULEs, RDATEs and EXDATEs, as wall times in `tz`."""
    from dateutil import rrule as rr

    start = _naive(master.get("DTSTART").dt, tz)
    rules = master.get("RRULE")
    found = rr.rruleset()
    for rule in (rules if isinstance(rules, list) else [rules] if rules is not None else []):
        found.rrule(rr.rrulestr(_rule_text(rule, tz), dtstart=start, forceset=False))  # type: ignore[arg-type]
    found.rdate(start)  # DTSTART is a date of the series even where the rule would not make it (RFC 5545)
    for name, add in (("RDATE", found.rdate), ("EXDATE", found.exdate)):
        values = master.get(name)
        for listing in (values if isinstance(values, list) else [values] if values is not None else []):
            for item in listing.dts:
                value = item.dt[0] if isinstance(item.dt, tuple) else item.dt
                add(_naive(value, tz))
    return found


def _this_and_future(override: Any) -> bool:
    return str(override.get("RECURRENCE-ID").params.get("RANGE", "")).upper() == "THISANDFUTURE"


def _sequence(component: Any) -> int:
    try:
        return int(component.get("SEQUENCE", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _slot(override: Any, begins: datetime | date, tz: tzinfo) -> datetime:
    """Which date of the series an override replaces (its RECURRENCE-ID), as a wall time in `tz`; for a series
    of whole days, the day it names (Outlook writes a midnight in its own zone there)."""
    value = override.get("RECURRENCE-ID").dt
    if not isinstance(begins, datetime):
        return datetime.combine(value.date() if isinstance(value, datetime) else value, time(0))
    return _naive(value, tz)


def _naive(value: datetime | date, tz: tzinfo) -> datetime:
    """`value` as a wall time in `tz` (a date at midnight; a floating time as it is)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0))
    if value.tzinfo is None:
        return value
    return value.astimezone(tz).replace(tzinfo=None)


def _whole(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def _moment(value: datetime | date, zone: str) -> datetime:
    """An end as an instant: a date or a floating time in `zone`."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return _aware(value, zone)


def _aware(local: datetime | date, zone: str) -> datetime:
    if not isinstance(local, datetime):
        local = datetime.combine(local, time(0))
    return local.replace(tzinfo=ZoneInfo(zone))




def _end_of(component: Any, begins: datetime | date) -> datetime | date | None:
    if component.get("DTEND") is not None:
        return component.get("DTEND").dt
    if component.get("DURATION") is not None:
        return begins + component.get("DURATION").dt
    if not isinstance(begins, datetime):
        return begins + timedelta(days=1)
    return None


def _length(component: Any) -> timedelta | None:
    begins = component.get("DTSTART").dt if component.get("DTSTART") is not None else None
    if begins is None:
        return None
    ends = _end_of(component, begins)
    if ends is None:
        return None
    if isinstance(begins, datetime) != isinstance(ends, datetime):
        return None
    if isinstance(begins, datetime) and isinstance(ends, datetime) and (begins.tzinfo is None) != (ends.tzinfo is None):
        return None
    return ends - begins  # type: ignore[operator]


def _status_fields(component: Any, zone: str) -> dict[str, Any]:
    """`status` (and `rescheduled_from`), or `draft` for an event the calendar calls TENTATIVE: not confirmed,
    so an organizer decides. A calendar newsletter wrote says postponed and rescheduled in X- properties."""
    status = str(component.get("STATUS") or "").upper()
    own = _text(component, "X-NEWSLETTER-STATUS").lower()
    if status == "CANCELLED":
        return {"status": "cancelled"}
    if own == "postponed":
        return {"status": "postponed"}
    if own == "rescheduled" and (moved := _text(component, "X-NEWSLETTER-RESCHEDULED-FROM")):
        try:
            when = datetime.fromisoformat(moved) if "T" in moved else date.fromisoformat(moved)
        except ValueError:
            return {}
        if isinstance(when, datetime) and when.tzinfo is not None:
            when = when.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return {"status": "rescheduled", "rescheduled_from": when_text(when)}
    if status == "TENTATIVE":
        return {"draft": True}
    return {}


def _place_fields(component: Any, own_site: str | None = None) -> dict[str, Any]:
    """`location`, `online` and `rsvp` from LOCATION, the meeting link in the description or a conference
    property, and URL (the event's page, where people sign up; not when it is this group's own archive)."""
    found: dict[str, Any] = {}
    where = " ".join(_text(component, "LOCATION").split())
    if where:
        if _URL.match(where):
            found["online"] = where
        else:
            parts = [part.strip() for part in where.split(",") if part.strip()]
            if len(parts) > 1 and not parts[0][:1].isdigit():
                found["location"] = {"name": parts[0], "address": ", ".join(parts[1:])}
            elif len(parts) > 1:
                found["location"] = {"address": where}
            else:
                found["location"] = where
    if "online" not in found:
        for name in ("X-GOOGLE-CONFERENCE", "CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL"):
            if _URL.match(text := _text(component, name).strip()) and text.lower().startswith("https://"):
                found["online"] = text
                break
        else:
            if meeting := MEETING.search(_text(component, "DESCRIPTION")):
                found["online"] = meeting[0]
    url = _text(component, "URL").strip()
    if url.lower().startswith("https://") and _URL.match(url) and not (own_site and url.startswith(own_site)):
        found["rsvp"] = url
    return found


def _valid(rule: Any) -> dict[str, Any]:
    """An RRULE's parts, without a COUNT below 1 (some exports write COUNT=-1 beside UNTIL for "no count"),
    which calendar apps ignore."""
    values = dict(rule)
    try:
        if "COUNT" in values and int(values["COUNT"][0]) < 1:
            del values["COUNT"]
    except (TypeError, ValueError, IndexError):
        del values["COUNT"]
    return values


def _rule_text(rule: Any, tz: tzinfo) -> str:
    """An RRULE for dateutil on wall times in `tz`: UNTIL (UTC, floating or a date) made a wall time too."""
    from icalendar.prop import vRecur

    values = _valid(rule)
    if "UNTIL" in values:
        until = values["UNTIL"][0]
        if not isinstance(until, datetime):
            until = datetime.combine(until, time(23, 59, 59))
        elif until.tzinfo is not None:
            until = until.astimezone(tz).replace(tzinfo=None)
        values["UNTIL"] = [until]
    return "RRULE:" + vRecur(values).to_ical().decode("ascii")


def _repeat(rule: Any, local: datetime | date, zone: str) -> tuple[dict[str, Any] | None, str | None]:
    """`repeat` for an RRULE, or (None, why it cannot say it). UNTIL becomes the last date the rule gives."""
    rule = _valid(rule)
    allowed = {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYDAY", "BYMONTHDAY"}
    if extra := sorted(set(rule) - allowed):
        return None, f"{', '.join(extra)}"
    every = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month"}.get(str(rule["FREQ"][0]).upper())
    if every is None:
        return None, f"FREQ={rule['FREQ'][0]}"
    repeat: dict[str, Any] = {"every": every}
    interval = int(rule.get("INTERVAL", [1])[0])
    if interval != 1:
        repeat["interval"] = str(interval)
    days = [str(day).upper() for day in rule.get("BYDAY", [])]
    month_days = [int(day) for day in rule.get("BYMONTHDAY", [])]
    if every == "day" and (days or month_days):
        return None, "BYDAY on a daily rule"
    if every == "week":
        if month_days or any(day not in WEEKDAY_NAMES for day in days):
            return None, "BYMONTHDAY or a numbered weekday on a weekly rule"
        if interval > 1 and len(days) > 1 and str(rule.get("WKST", ["MO"])[0]).upper() != "MO":
            return None, "WKST"
        if days:
            names = [WEEKDAY_NAMES[day] for day in days]
            repeat["on"] = names[0] if len(names) == 1 else names
    if every == "month":
        if days and month_days or len(days) > 1 or len(month_days) > 1:
            return None, "more than one day a month"
        if days:
            found = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", days[0])
            if not found or not found[1] or int(found[1]) not in POSITION_NAMES:
                return None, f"BYDAY={days[0]}"
            repeat["on"] = f"{POSITION_NAMES[int(found[1])]} {WEEKDAY_NAMES[found[2]]}"
        elif month_days:
            if not 1 <= month_days[0] <= 31:
                return None, f"BYMONTHDAY={month_days[0]}"
            repeat["on"] = str(month_days[0])
    if "COUNT" in rule:
        repeat["count"] = str(int(rule["COUNT"][0]))
    elif "UNTIL" in rule:
        from dateutil import rrule as rr

        tz = ZoneInfo(zone)
        start = local if isinstance(local, datetime) else datetime.combine(local, time(0))
        dates = list(rr.rrulestr(_rule_text(rule, tz), dtstart=start))  # type: ignore[call-overload]
        if not dates:
            return None, "UNTIL before its first date"
        repeat["until"] = dates[-1].date().isoformat()
    return repeat, None
