"""Reads event files (Markdown with YAML front matter) into Event objects."""

from __future__ import annotations

import os
from msgspec import Struct
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Collection, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.sources import body as body_text
from newsletter.schedule.dates import BadDate, parse_end, parse_when
from newsletter.errors import Problem
from newsletter.sources.fields import FieldReader, suggest, unknown_kind
from newsletter.sources.frontmatter import FrontMatterError, decode, split
from newsletter.models import STATUSES, Event, Image, Link, Location, Settings, Source, Speaker

if TYPE_CHECKING:
    from datetime import datetime

    from newsletter.sources.cache import ParseCache

FIELDS = (
    "title", "kind", "start", "end", "timezone", "location", "online", "hosts",
    "speakers", "links", "rsvp", "donate", "accessibility", "image", "summary",
    "short_title", "draft", "status", "rescheduled_from", "status_note", "repeat", "changes", "source",
)
LOCATION_FIELDS = ("name", "address", "url", "notes")


def display_path(path: Path | str) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def is_event_file(relative: Path) -> bool:
    """Whether a file at `relative` under the events folder is read: a .md file, no part starting '_' or '.'."""
    return relative.suffix == ".md" and not any(part.startswith(("_", ".")) for part in relative.parts)


def event_files(folder: Path) -> list[Path]:
    """Every event file under `folder`, in name order; names starting with '_' or '.' are left out."""
    return [Path(path) for path in _event_paths(folder)]


def _event_paths(folder: Path, unreadable: list[str] | None = None) -> list[str]:
    """event_files as strings: making 10,000 Path objects costs more than the walk.

    A link to a folder is not followed; the paths come from the listing
    itself. A folder that cannot be listed is added to `unreadable`: its
    events would be missing without a word.
    """
    found: list[str] = []

    def walk(top: str) -> None:
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    if entry.name.startswith(("_", ".")):
                        continue
                    if entry.is_dir():
                        if not entry.is_symlink():
                            walk(entry.path)
                    elif entry.name.endswith(".md"):
                        found.append(entry.path)
        except OSError as exc:
            if unreadable is not None:
                unreadable.append(f"{top}: {exc.strerror or exc}")

    walk(str(folder))
    base = len(str(folder)) + 1
    return sorted(found, key=lambda path: path[base:].split(os.sep))


def count_files(folder: Path) -> tuple[int, int]:
    """How many event files and how many translation files `folder` holds."""
    paths = _event_paths(folder)
    translations = sum(1 for path in paths if _translation_language(path) is not None)
    return len(paths) - translations, translations


def _translation_language(path: str) -> str | None:
    """language_of, asked only of names with a second dot ("rally.es.md"), which few have."""
    if "." not in path[path.rfind(os.sep) + 1:-3]:
        return None
    from newsletter.sources.translations import language_of

    return language_of(Path(path))


def load_events(folder: Path, settings: Settings, cache: ParseCache | None = None,
                files: list[Path] | None = None, changed: set[Path] | None = None,
                windows: list[tuple[datetime, datetime]] | None = None,
                wanted: Collection[str] = ()) -> tuple[list[Event], list[Problem]]:
    """Read every event file under `folder`, with its translations; return the good ones and every problem found.

    With a `cache`, a file that has not changed since it was last read is not read again. The preview,
    whose file watcher knows, passes the event `files` and the ones `changed` since the last call.
    `windows` [(since, until)]: only the events that span some of them, and every series, are wanted. Every
    file is still checked, but an unchanged one outside them is not even loaded from the cache.
    The events whose ids are `wanted` are given wherever their dates fall.
    """
    from newsletter.sources.translations import attach, read_translation

    if cache is not None:
        from newsletter.sources.cache import OUTSIDE, placed, within

    if not folder.is_dir():
        return [], [Problem(display_path(folder), None, None, "events folder not found")]
    events: dict[str, Event] = {}
    problems: list[Problem] = []
    unreadable: list[str] = []
    paths = _event_paths(folder, unreadable) if files is None else [str(path) for path in files]
    for found in unreadable:
        where, _, why = found.rpartition(": ")
        problems.append(Problem(display_path(where), None, None, f"cannot read the folder ({why}), so its events "
                                "would be left out: let newsletter read it, or move them elsewhere"))
    edited = {str(path) for path in changed} if changed is not None else None
    translated = {path: code for path in paths if (code := _translation_language(path)) is not None}
    base = len(str(folder)) + 1 if str(folder) != "." else 0
    span = [(since.timestamp(), until.timestamp()) for since, until in windows] if windows and cache is not None else None
    outside: set[str] = set()  # the events left out by the windows

    def name_of(path: str) -> str:  # its path under the folder, as relative_to would give it, ten times faster
        return path[base:].replace(os.sep, "/")

    for path in paths:
        if path in translated:
            continue
        name = name_of(path)
        event_id = name.removesuffix(".md")
        trusted = edited is not None and path not in edited
        windowed = None if event_id in wanted else span
        if cache is not None and (event := cache.get(name, trusted, windowed)) is not None:
            if event is OUTSIDE:
                outside.add(event_id)
            else:
                events[event_id] = event
            continue
        if (event := _read_event_file(path, name, settings, cache, problems)) is not None:
            if span is not None and event_id not in wanted and not within(placed(event)[1], span):
                outside.add(event_id)
            else:
                events[event_id] = event
    translations: dict[str, list] = {}
    for text_path, code in translated.items():
        text_file = Path(text_path)
        event_path = text_file.with_name(text_file.name.removesuffix(f".{code}.md") + ".md")
        event_id = name_of(str(event_path)).removesuffix(".md")
        name = name_of(text_path)
        event = events.get(event_id)
        trusted = edited is not None and not {text_path, str(event_path)} & edited
        if event_id in outside and cache is not None:  # unchanged: nothing to load; changed: checked against its event
            if cache.get(name, trusted, span) is OUTSIDE:
                continue
            event, translation = cache.get(name_of(str(event_path)), True), None
        else:
            translation = cache.get(name, trusted) if cache is not None and event is not None else None
        if translation is None:
            raw = _read(text_file, problems)
            if raw is None:
                continue
            translation, its_problems = read_translation(raw, display_path(text_file), code, event, event_path, settings)
            problems.extend(its_problems)
            if translation is not None and cache is not None:
                cache.put(name, [text_file, event_path], translation, raw, near=event)  # it is checked against its event
        if translation is not None and event_id not in outside:
            translations.setdefault(event_id, []).append(translation)
    if cache is not None:
        cache.forget_others()
    return [attach(event, translations.get(event_id, [])) for event_id, event in events.items()], problems


class Reread(Struct):
    """Events read again after some files changed: the whole list, and what changed in it."""

    events: list[Event]
    problems: list[Problem]
    removed: list[Event]  # the changed files' events as they were
    added: list[Event]  # and as they are now
    position: dict[str, int]  # each event's place in `events`, by its id


def reread_events(folder: Path, settings: Settings, events: list[Event], changed: Iterable[Path],
                  cache: ParseCache | None = None, position: dict[str, int] | None = None) -> Reread | None:
    """`events`, as load_events gave them, with the `changed` files (edited, added or deleted) read again.

    This is what a save costs the preview in a folder of thousands: one file
    read, and no walk through every name. None when a translation is involved
    (a translation file, or an event that has translations), which load_events
    reads together with its event.
    """
    if position is None:  # what the last Reread gave, while the list keeps its order
        position = {event.id: number for number, event in enumerate(events)}
    now: dict[str, Event | None] = {}
    problems: list[Problem] = []
    removed: list[Event] = []
    for path in sorted(changed, key=lambda p: p.parts):
        if _translation_language(str(path)) is not None:
            return None
        name = Path(os.path.relpath(path, folder)).as_posix()
        event_id = name.removesuffix(".md")
        old = events[position[event_id]] if event_id in position else None
        if old is not None:
            if old.translations:
                return None
            removed.append(old)
        if path.is_file():
            now[event_id] = _read_event_file(path, name, settings, cache, problems)
        else:
            now[event_id] = None
            if cache is not None:
                cache.forget(name)
    placed: list[Event | None] = list(events)
    for event_id, event in now.items():
        if event_id in position:
            placed[position[event_id]] = event
    result = [e for e in placed if e is not None]
    if any(event is None or event_id not in position for event_id, event in now.items()):  # gone, or new
        result += [event for event_id, event in now.items() if event_id not in position and event is not None]
        result.sort(key=lambda e: f"{e.id}.md".split("/"))  # the order load_events gives: by file name
        position = {event.id: number for number, event in enumerate(result)}
    return Reread(result, problems, removed, [e for e in now.values() if e is not None], position)


def _read_event_file(path: Path | str, name: str, settings: Settings, cache: ParseCache | None,
                     problems: list[Problem]) -> Event | None:
    """Read and check the event file at `path` (`name` under the events folder); keep a good one in `cache`."""
    if (misnamed := _misnamed_translation(Path(path), settings)) is not None:
        problems.append(misnamed)
        return None
    raw = _read(path, problems)
    if raw is None:
        return None
    event, found = read_event(raw, display_path(path), name.removesuffix(".md"), settings)
    problems.extend(found)
    if event is not None and cache is not None:
        cache.put(name, [Path(path), *_images(event, settings.root)], event, raw)
    return event


def _misnamed_translation(path: Path, settings: Settings) -> Problem | None:
    """A file named like a translation of the event beside it ("rally.sp.md"), in no language there is."""
    stem, dot, code = path.name.removesuffix(".md").rpartition(".")
    if not dot or not 2 <= len(code) <= 3 or not code.isalpha() or not path.with_name(stem + ".md").is_file():
        return None
    import difflib

    others = [c for c in settings.languages[1:]]
    close = difflib.get_close_matches(code, others, n=1, cutoff=0.3) or (others if len(others) == 1 else [])
    if close:
        fix = f"did you mean {stem}.{close[0]}.md?"
    elif others:
        fix = f"name it {stem}.<language>.md with one of {', '.join(others)}"
    else:
        fix = "list the group's languages first, as languages = [\"en\", \"es\"] in newsletter.toml"
    return Problem(display_path(path), None, None,
                   f"'{code}' is not one of the group's languages, so this is not read as a translation of "
                   f"{stem}.md: {fix}")


def _images(event: Event, root: Path) -> list[Path]:
    """The project's image files an event names (its changed dates' too): reading the event checked them."""
    images = [event.image, *(changed.image for _, changed in event.changes)]
    return sorted({root / image.file for image in images if image is not None and image.file})


def _read(path: Path | str, problems: list[Problem]) -> bytes | None:
    """An event or translation file's bytes: a regular file, inside the events folder, at most EVENT_BYTES."""
    from newsletter.sources.files import EVENT_BYTES, Refused, read_regular

    name = os.path.basename(path)
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029" for c in name):
        shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in display_path(path))
        problems.append(Problem(shown, None, None, "the file's name has a line break or a control character in it: "
                                "rename the file"))
        return None
    try:
        return read_regular(path, EVENT_BYTES, inside=(Path(path).parent,))
    except Refused as exc:
        problems.append(Problem(display_path(path), None, None, str(exc)))
    except OSError as exc:
        problems.append(Problem(display_path(path), None, None, f"cannot read the file: {exc.strerror}"))
    return None


def read_event(raw: bytes, path: str, event_id: str, settings: Settings) -> tuple[Event | None, list[Problem]]:
    """Parse one event file's bytes; an Event only when there were no problems."""
    try:
        front = split(decode(raw))
    except FrontMatterError as exc:
        return None, [Problem(path, exc.line, None, str(exc))]
    reader = FieldReader(path, front.line)
    event = _EventReader(reader, front.data, settings).read(event_id, front.body)
    for line_offset, message in body_text.problems(front.body):
        reader.problems.append(Problem(path, front.body_line + line_offset, "body", message))
    if reader.problems:
        return None, reader.problems
    return event, []


class _EventReader:
    def __init__(self, reader: FieldReader, data: dict[str, Any], settings: Settings):
        self.r = reader
        self.data = data
        self.settings = settings

    def read(self, event_id: str, body: str) -> Event | None:
        r, data = self.r, self.data
        r.unknown(data, FIELDS)
        title = r.text(data, "title", required=True)
        if title is not None and any(c in title for c in "\r\n\x0b\x0c\x85\u2028\u2029"):
            r.problem("title", "must be one line: a title goes into subjects, headings and calendars, which have no "
                      "line breaks (put the rest in summary:)")
            title = None
        kind = self._kind()
        tz = self._timezone()
        start, all_day = self._start(tz)
        end, end_is_date = self._end(start, all_day, tz)
        status = self._status()
        moved_from, moved_is_date = self._rescheduled_from(status, tz)
        status_note = self._status_note(status)
        fields: dict[str, Any] = dict(
            location=self._location(),
            online=r.url(data, "online"),
            hosts=self._names("hosts"),
            speakers=self._speakers(),
            links=self._links(),
            rsvp=r.url(data, "rsvp", schemes=("http", "https", "mailto")),
            donate=r.url(data, "donate"),
            accessibility=r.text(data, "accessibility"),
            image=self._image(),
            summary=_one_line(r.text(data, "summary")),
            short_title=_one_line(r.text(data, "short_title")),
            draft=r.flag(data, "draft"),
            source=self._source(),
        )
        repeat = self._repeat(start)
        if r.problems or title is None or kind is None or start is None:
            return None
        event = Event(
            id=event_id, path=r.path, title=title, kind=kind, start=start, tz=tz,
            all_day=all_day, end=end, end_is_date=end_is_date, status=status,
            rescheduled_from=moved_from, rescheduled_from_is_date=moved_is_date, status_note=status_note,
            body=body.strip("\n"), repeat=repeat, **fields,
        )
        if repeat is None:
            return event
        from newsletter.sources.series import read_series

        return read_series(r, data, event, lambda reader, merged, text: _EventReader(reader, merged, self.settings)
                           .read(event_id, text))

    def _repeat(self, start):
        if self.data.get("repeat") is None:
            if self.data.get("changes") is not None:
                self.r.problem("changes", "goes with repeat: it lists the dates of a recurring event that differ")
            return None
        from newsletter.sources.series import read_repeat

        return read_repeat(self.r, self.data["repeat"], start)

    def _kind(self) -> str | None:
        kind = self.r.text(self.data, "kind", required=True)
        if kind is None:
            return None
        known = [k.id for k in self.settings.kinds]
        if kind not in known:
            self.r.problem("kind", unknown_kind(kind, known))
            return None
        return kind

    def _timezone(self):
        name = self.r.text(self.data, "timezone")
        if name is None:
            return self.settings.timezone
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name that is a folder of the tzdata package
            self.r.problem("timezone", f"unknown time zone '{name}' (use an IANA name such as America/New_York)")
            return self.settings.timezone

    def _start(self, tz):
        value = self.r.text(self.data, "start", required=True)
        if value is None:
            return None, False
        try:
            return parse_when(value, tz)
        except BadDate as exc:
            self.r.problem("start", str(exc))
            return None, False

    def _end(self, start, all_day, tz):
        value = self.r.text(self.data, "end")
        if value is None or start is None:
            return None, False
        try:
            end, is_date = parse_end(value, start, tz)
        except BadDate as exc:
            self.r.problem("end", str(exc))
            return None, False
        if all_day and not is_date:
            self.r.problem("end", "start is a whole day, so end must be a date too")
            return None, False
        if (is_date and end.date() < start.date()) or (not is_date and end <= start):
            started = self.r.text(self.data, "start")
            self.r.problem("end", f"'{value}' is not after the start, '{started}': the event must end after it starts")
            return None, False
        return end, is_date

    def _status(self) -> str:
        status = self.r.text(self.data, "status") or "scheduled"
        if status not in STATUSES:
            hint = suggest(status, STATUSES) or f" (one of: {', '.join(STATUSES)})"
            self.r.problem("status", f"unknown status '{status}'{hint}")
            return "scheduled"
        return status

    def _rescheduled_from(self, status, tz):
        value = self.r.text(self.data, "rescheduled_from")
        if value is None:
            if status == "rescheduled":
                self.r.problem("status", "a rescheduled event needs rescheduled_from: the old start")
            return None, False
        if status != "rescheduled":
            self.r.problem("rescheduled_from", "only goes with status: rescheduled")
            return None, False
        try:
            return parse_when(value, tz)
        except BadDate as exc:
            self.r.problem("rescheduled_from", str(exc))
            return None, False

    def _status_note(self, status: str) -> str | None:
        note = _one_line(self.r.text(self.data, "status_note"))
        if note and status == "scheduled":
            self.r.problem("status_note", "only goes with status: rescheduled, postponed or cancelled "
                           "(it says why the plan changed)")
            return None
        return note

    def _location(self) -> Location | None:
        value = self.data.get("location")
        if value is None:
            return None
        if isinstance(value, str):
            return Location(name=value.strip()) if value.strip() else None
        place = self.r.mapping(self.data, "location")
        if place is None:
            return None
        self.r.unknown(place, LOCATION_FIELDS, prefix="location.")
        location = Location(
            name=self.r.text(place, "name", "location.name"),
            address=self.r.text(place, "address", "location.address"),
            url=self.r.url(place, "url", "location.url"),
            notes=self.r.text(place, "notes", "location.notes"),
        )
        if not (location.name or location.address):
            self.r.problem("location", "needs a name or an address")
        return location

    def _names(self, key: str) -> tuple[str, ...]:
        names = []
        for number, item in enumerate(self.r.items(self.data, key)):
            if isinstance(item, str) and item.strip():
                names.append(item.strip())
            else:
                self.r.problem(f"{key}[{number}]", "must be a name")
        return tuple(names)

    def _speakers(self) -> tuple[Speaker, ...]:
        speakers = []
        for number, item in enumerate(self.r.items(self.data, "speakers")):
            field = f"speakers[{number}]"
            if isinstance(item, str) and item.strip():
                speakers.append(Speaker(item.strip()))
            elif isinstance(item, dict):
                self.r.unknown(item, ("name", "bio"), prefix=f"{field}.")
                name = self.r.text(item, "name", f"{field}.name", required=True)
                if name:
                    speakers.append(Speaker(name, self.r.text(item, "bio", f"{field}.bio")))
            else:
                self.r.problem(field, "must be a name, or 'name:' with an optional 'bio:'")
        return tuple(speakers)

    def _links(self) -> tuple[Link, ...]:
        links = []
        for number, item in enumerate(self.r.items(self.data, "links")):
            field = f"links[{number}]"
            if not isinstance(item, dict):
                self.r.problem(field, "must have a 'label:' and a 'url:'")
                continue
            self.r.unknown(item, ("label", "url"), prefix=f"{field}.")
            label = self.r.text(item, "label", f"{field}.label", required=True)
            url = self.r.url(item, "url", f"{field}.url", required=True)
            if label and url:
                links.append(Link(label, url))
        return tuple(links)

    def _source(self) -> Source | None:
        """`source`, written by `newsletter import`: the calendar or form the event came from, and its UID there."""
        if self.data.get("source") is None:
            return None
        place = self.r.mapping(self.data, "source")
        if place is None:
            return None
        self.r.unknown(place, ("calendar", "uid"), prefix="source.")
        calendar = self.r.text(place, "calendar", "source.calendar", required=True)
        uid = self.r.text(place, "uid", "source.uid", required=True)
        return Source(calendar, uid) if calendar and uid else None

    def _image(self) -> Image | None:
        from newsletter.sources.images import read_image

        if self.data.get("image") is None:
            return None
        return read_image(self.r, self.data["image"], "image", self.settings.root, self.settings.archive_url,
                          "describe the image for people who cannot see it")


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None
