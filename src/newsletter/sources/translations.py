"""An event's words in the group's other languages: the file beside it, events/<id>.<language>.md.

A translation holds only words (title, summary, location notes, accessibility,
speakers' bios, links' labels, the reason for a change, and its own body); the
facts (times, places, addresses) are written once, in the event file. In an
edition in another language, `localize` gives the event with its translated
words, and names the fields still in the event file's language so that the
templates can mark them with their `lang`.
"""

from __future__ import annotations

from msgspec.structs import replace
import re
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from newsletter.errors import Problem
from newsletter.models import Event, Location, Settings, Translation
from newsletter.sources.fields import FieldReader, suggest
from newsletter.sources.frontmatter import FrontMatterError, decode, split

WORDS = ("title", "short_title", "summary", "location", "accessibility", "speakers", "links", "status_note")
# What `localize` reports as still untranslated, in the order `check` lists them.
FIELDS = ("title", "short_title", "summary", "location.notes", "accessibility", "status_note", "speakers", "links",
          "body")
_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
# The words of one changed date of a series, under changes: and its date in a translation file.
CHANGE_WORDS = ("title", "short_title", "summary", "status_note", "accessibility", "location", "body")


def language_of(path: Path) -> str | None:
    """'en' for events/rally.en.md: the language code before .md, when the name has one."""
    stem = path.stem
    if "." not in stem:
        return None
    code = stem.rsplit(".", 1)[1]
    if not _CODE.match(code):
        return None
    from newsletter.i18n import UnknownLanguage, check_language

    try:
        check_language(code)
    except UnknownLanguage:
        return None
    return code


def read_translation(raw: bytes, path: str, code: str, event: Event | None, event_path: Path,
                     settings: Settings) -> tuple[Translation | None, list[Problem]]:
    """One translation file, checked against the event it translates (None when that file has problems)."""
    from newsletter.sources import body as body_text
    from newsletter.sources.events import display_path

    shown = display_path(event_path)

    others = settings.languages[1:]
    if code.lower() == settings.primary.lower():
        return None, [Problem(path, None, None, f"the event files are in '{code}' already: its words belong in "
                              f"{shown}")]
    if not any(code.lower() == other.lower() for other in others):
        listed = ("languages = [" + ", ".join(f'"{c}"' for c in settings.languages) + "]" if settings.languages
                  else "no languages")
        import difflib

        close = difflib.get_close_matches(code.lower(), others, n=1, cutoff=0.5)
        rename = f"rename it {Path(event_path).stem}.{close[0]}.md" if close else "rename the file"
        return None, [Problem(path, None, None, f"a translation into '{code}', but newsletter.toml has {listed}: "
                              f"add '{code}' to languages = [...], or {rename}")]
    if event is None and not Path(event_path).exists():
        return None, [Problem(path, None, None, f"there is no {shown} for it to translate: a translation sits "
                              "beside its event file, with the same name and the language before .md")]
    try:
        front = split(decode(raw))
    except FrontMatterError as exc:
        return None, [Problem(path, exc.line, None, str(exc))]
    reader = FieldReader(path, front.line)
    if event is None:  # the event file has problems of its own, reported with it
        return None, []
    translation = _TranslationReader(reader, front.data, event, shown).read(_canonical(code, others), front.body)
    for line_offset, message in body_text.problems(front.body):
        reader.problems.append(Problem(path, front.body_line + line_offset, "body", message))
    if reader.problems:
        return None, reader.problems
    return translation, []


def _canonical(code: str, languages: tuple[str, ...]) -> str:
    return next(language for language in languages if language.lower() == code.lower())


class _TranslationReader:
    def __init__(self, reader: FieldReader, data: dict[str, Any], event: Event, event_path: str):
        self.r, self.data, self.event, self.event_path = reader, data, event, event_path

    def read(self, code: str, body: str) -> Translation:
        r, data = self.r, self.data
        from newsletter.sources.events import FIELDS as EVENT_FIELDS

        for key in data:
            if key in WORDS or (key == "changes" and self.event.is_series):
                continue
            if key in EVENT_FIELDS:
                r.problem(key, f"a translation holds only words: the {key.replace('_', ' ')} comes from "
                          f"{self.event_path}, so leave it out here")
            else:
                r.problem(key, f"unknown field '{key}'{suggest(key, WORDS)}")
        status_note = _one_line(r.text(data, "status_note"))
        if status_note and self.event.status == "scheduled":
            if self.event.changes:
                days = ", ".join(str(day) for day, changed in self.event.changes if changed.status_note)
                r.problem("status_note", f"the reason for one date's change goes under changes: and its date "
                          f"({days or 'the date'}), as in {self.event_path}")
            else:
                r.problem("status_note", f"{self.event_path} is not rescheduled, postponed or cancelled, so there is "
                          "no change to explain")
        return Translation(
            language=code, path=r.path,
            title=_one_line(r.text(data, "title")),
            short_title=_one_line(r.text(data, "short_title")),
            summary=_one_line(r.text(data, "summary")),
            location_notes=self._location_notes(),
            accessibility=r.text(data, "accessibility"),
            status_note=status_note,
            bios=self._by_position("speakers", "bio", len(self.event.speakers)),
            link_labels=self._by_position("links", "label", len(self.event.links)),
            body=body.strip("\n"),
            changes=self._changes(code),
        )

    def _changes(self, code: str) -> tuple:
        """The words of the series' changed dates, under changes: and each date, as in the event file."""
        value = self.data.get("changes")
        if value is None or not self.event.is_series:
            return ()
        changed = dict(self.event.changes)
        if not isinstance(value, dict):
            self.r.problem("changes", "must list dates of the series, each with its words: 2018-01-11: then "
                           "title: or status_note: indented below it")
            return ()
        found = []
        for key, words in value.items():
            field = f"changes.{key}"
            try:
                day = date.fromisoformat(str(key).strip())
            except ValueError:
                self.r.problem(field, f"'{key}' is not a date (write the date of the change, such as 2018-01-11)")
                continue
            if day not in changed:
                listed = ", ".join(str(d) for d in changed) or "none"
                self.r.problem(field, f"{self.event_path} has no change for {day} (its changed dates: {listed})")
                continue
            if not isinstance(words, dict):
                self.r.problem(field, "must list the words of that date: title:, summary:, status_note: or body:")
                continue
            for name in words:
                if name not in CHANGE_WORDS:
                    self.r.problem(f"{field}.{name}", f"a date's change is translated with {', '.join(CHANGE_WORDS)}; "
                                   f"its {name.replace('_', ' ')} comes from {self.event_path}")
            text = lambda name, words=words, field=field: _one_line(self.r.text(words, name, f"{field}.{name}"))  # noqa: E731
            notes = words.get("location")
            found.append((day, Translation(
                language=code, path=self.r.path, title=text("title"), short_title=text("short_title"),
                summary=text("summary"), status_note=text("status_note"),
                accessibility=self.r.text(words, "accessibility", f"{field}.accessibility"),
                location_notes=self.r.text(notes, "notes", f"{field}.location.notes") if isinstance(notes, dict) else None,
                body=(self.r.text(words, "body", f"{field}.body") or "").strip("\n"))))
        return tuple(sorted(found, key=lambda pair: pair[0]))

    def _location_notes(self) -> str | None:
        value = self.data.get("location")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.r.problem("location", "only its notes are translated: write notes: on the next line, indented, "
                           f"and leave the place's name to {self.event_path}")
            return None
        for key in value:
            if key != "notes":
                self.r.problem(f"location.{key}", f"only the location's notes are translated; its {key} comes "
                               f"from {self.event_path}")
        if self.event.location is None:
            self.r.problem("location", f"{self.event_path} has no location whose notes this could translate")
            return None
        return self.r.text(value, "notes", "location.notes")

    def _by_position(self, key: str, word: str, count: int) -> tuple[str | None, ...]:
        """Speakers' bios or links' labels, in the event file's order; a '-' with nothing after keeps one as is."""
        items = self.r.items(self.data, key)
        if len(items) > count:
            self.r.problem(key, f"lists {len(items)}, but {self.event_path} has {count}: translate them in the "
                           "same order, one for each")
            return ()
        found: list[str | None] = []
        for number, item in enumerate(items):
            field = f"{key}[{number}]"
            if item is None or item == "":
                found.append(None)
                continue
            if not isinstance(item, dict):
                self.r.problem(field, f"write '{word}:' and its words: the rest comes from {self.event_path}")
                found.append(None)
                continue
            for other in item:
                if other != word:
                    self.r.problem(f"{field}.{other}", f"only the {word} is translated; the {other} comes from "
                                   f"{self.event_path}")
            found.append(self.r.text(item, word, f"{field}.{word}"))
        return tuple(found)


def attach(event: Event, translations: list[Translation]) -> Event:
    """The event, and each of its changed dates, carrying its translations.

    A changed date carries the words of its own change where the change
    altered a word (none, and the word stays untranslated), the series' for the rest.
    """
    if not translations:
        return event
    found = tuple(sorted(translations, key=lambda t: t.language))
    changes = tuple((day, replace(changed, translations=tuple(_of_change(t, event, changed, day) for t in found)))
                    for day, changed in event.changes)
    return replace(event, translations=found, changes=changes)


def _of_change(translation: Translation, series: Event, changed: Event, day: date) -> Translation:
    words = dict(translation.changes).get(day) or Translation(translation.language, translation.path)
    own: dict[str, Any] = {"changes": ()}
    for name in ("title", "short_title", "summary", "accessibility", "status_note"):
        altered = getattr(changed, name) != getattr(series, name)
        own[name] = getattr(words, name) if altered else (getattr(words, name) or getattr(translation, name))
    altered = (changed.location or Location()).notes != (series.location or Location()).notes
    own["location_notes"] = words.location_notes if altered else (words.location_notes or translation.location_notes)
    own["body"] = words.body or translation.body
    return replace(translation, **own)


_Text = TypeVar("_Text", str, "str | None")  # a field that is always there, or one that may be left out


def localize(event: Event, language: str, primary: str) -> Event:
    """The event as an edition in `language` shows it: its translated words, the rest marked as untranslated."""
    if language == primary:
        return event
    translation = event.translation(language) or Translation(language, "")
    missing: set[str] = set()

    def pick(name: str, own: _Text, translated: str | None) -> _Text:
        if not own:
            return own
        if translated:
            return translated
        missing.add(name)
        return own

    location = event.location
    if location is not None and location.notes:
        location = replace(location, notes=pick("location.notes", location.notes, translation.location_notes))
    speakers = tuple(replace(speaker, bio=pick("speakers", speaker.bio, _nth(translation.bios, number)))
                     for number, speaker in enumerate(event.speakers))
    links = tuple(replace(link, label=pick("links", link.label, _nth(translation.link_labels, number)))
                  for number, link in enumerate(event.links))
    changes = tuple((day, localize(changed, language, primary)) for day, changed in event.changes)
    localized = replace(event,
        title=pick("title", event.title, translation.title),
        short_title=pick("short_title", event.short_title, translation.short_title),
        summary=pick("summary", event.summary, translation.summary),
        accessibility=pick("accessibility", event.accessibility, translation.accessibility),
        status_note=pick("status_note", event.status_note, translation.status_note),
        body=pick("body", event.body.strip(), translation.body.strip()) or event.body,
        location=location, speakers=speakers, links=links, changes=changes,
    )
    return replace(localized, untranslated=frozenset(missing), text_language=primary if missing else None)


def untranslated(event: Event, language: str, primary: str) -> list[str]:
    """The fields of `event` that an edition in `language` shows in the primary language, in a fixed order."""
    missing = localize(event, language, primary).untranslated
    return [name for name in FIELDS if name in missing]


def _nth(values: tuple[str | None, ...], number: int) -> str | None:
    return values[number] if number < len(values) else None


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None
