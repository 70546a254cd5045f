"""`newsletter import SOURCE`: read a calendar or a form's responses, and write or update the event files."""

from __future__ import annotations

import re
from msgspec import Struct, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from newsletter.importing.fetch import ImportProblem, calendar_name, fetch
from newsletter.importing.ical import KindOf
from newsletter.importing.sync import Plan, apply, plan
from newsletter.models import Settings

WINDOW = timedelta(days=183)  # six months from today, unless --until says otherwise


class Imported(Struct):
    source: str  # how the source is named in the files
    plan: Plan
    notes: list[str] = field(default_factory=list)  # left out or written otherwise, and why
    problems: list[str] = field(default_factory=list)  # a form's rows that did not read
    written: bool = False


def kinds_for(settings: Settings, default: str | None) -> KindOf:
    """The kind for an imported event: the first [[import.kinds]] rule whose pattern is found in its title or
    categories, else `default` (--kind, or other)."""
    known = [k.id for k in settings.kinds]
    fallback = default or ("other" if "other" in known else known[-1])
    if fallback not in known:
        from newsletter.sources.fields import unknown_kind

        raise ImportProblem(f"--kind: {unknown_kind(fallback, known)}")
    rules = [(re.compile(rule.pattern, re.IGNORECASE), rule.kind) for rule in settings.importing.kinds]

    def kind_of(title: str, categories: list[str]) -> str:
        for pattern, kind in rules:
            if pattern.search(title) or any(pattern.search(category) for category in categories):
                return kind
        return fallback

    return kind_of


def import_source(config: Path, events_dir: Path, source: str, kind: str | None = None, since: date | None = None,
                  until: date | None = None, dry_run: bool = False, theirs: bool = False,
                  now: datetime | None = None) -> Imported:
    """Read `source` and write what changed into `events_dir` (nothing with `dry_run`); raises ImportProblem."""
    from newsletter.importing.forms import read_form
    from newsletter.importing.ical import read_calendar
    from newsletter.importing.mobilize import is_mobilize, read_mobilize
    from newsletter.outputs.project import today_in
    from newsletter.sources.config import load_settings

    settings = load_settings(config)
    kind_of = kinds_for(settings, kind)
    first = since or today_in(settings)
    last = until or first + WINDOW
    if last <= first:
        raise ImportProblem(f"--until {last} is not after --from {first}")
    window = (datetime.combine(first, time(0), tzinfo=settings.timezone),
              datetime.combine(last, time(0), tzinfo=settings.timezone))
    problems: list[str] = []
    form = False
    if is_mobilize(source):
        name = "mobilize:" + source.split(":", 1)[1].strip()
        reading = read_mobilize(name, settings, window[0], window[1], kind_of)
    else:
        data = fetch(source)
        name = calendar_name(source)
        form = _is_csv(source, data)
        if form:
            reading, problems = read_form(data, name, settings, kind_of)
        else:
            reading = read_calendar(data, name, settings, window[0], window[1], kind_of)
    found = plan(reading.events, name, config.resolve().parent, events_dir, window[0], window[1], theirs,
                 now or datetime.now(UTC), cancel_missing=not form)
    result = Imported(name, found, reading.notes, problems)
    if not dry_run:
        apply(found, config.resolve().parent, name)
        result.written = True
    return result


def _is_csv(source: str, data: bytes) -> bool:
    """A form's responses: a .csv file or address, or text whose first line is not BEGIN: but has commas."""
    if data.lstrip(b"\xef\xbb\xbf \r\n\t")[:6].upper() == b"BEGIN:":
        return False
    return source.lower().split("?")[0].endswith(".csv") or b"," in data.split(b"\n", 1)[0]
