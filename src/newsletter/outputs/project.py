"""A group's project as the commands see it: its settings and events, read through the caches, and the week a
command is about."""

from __future__ import annotations

from msgspec import Struct
from msgspec.structs import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import InvalidInput, NewsletterError
from newsletter.models import Event, Settings, Week
from newsletter.schedule.dates import BadDate, coming_week, parse_week
from newsletter.sources.config import load_settings
from newsletter.sources.events import load_events

if TYPE_CHECKING:
    from newsletter.sources.cache import ParseCache
    from newsletter.sources.compiled import CompiledCache


class Project(Struct):
    """A group's settings and every event it has, all valid."""

    settings: Settings
    events: list[Event]
    compiled: CompiledCache | None = None  # emails' HTML compiled before (None: --no-cache)

    def edition(self, language: str) -> Project:
        """The project as its edition in `language` shows it: settings in that language, events in its words.

        Another language's archive lives under archive_url/<language>/, so its
        emails link to pages in their own language.
        """
        settings = self.settings
        if language == settings.language:
            return self
        from newsletter.sources.translations import localize

        base = site_root(settings)
        edited = replace(settings, language=language,
                         archive_url=f"{base}{language}/" if base and language != settings.primary else base)
        return Project(edited, [localize(event, language, settings.primary) for event in self.events], self.compiled)

    def localized(self, event: Event) -> Event:
        """`event` (one of the primary project's, or a date of one) in this edition's words."""
        settings = self.settings
        if settings.language == settings.primary:
            return event
        from newsletter.sources.translations import localize

        return localize(event, settings.language, settings.primary)


def site_root(settings: Settings) -> str | None:
    """The archive's address for the primary language; another edition's is under it."""
    base = settings.archive_url
    if base and settings.language != settings.primary:
        return base.removesuffix(f"{settings.language}/")
    return base


def message_ident(ident: str, settings: Settings) -> str:
    """What a message's Message-ID is made from: each language's edition is a message of its own."""
    return ident if settings.language == settings.primary else f"{ident}.{settings.language}"


def load_project(config: Path, events_dir: Path, cache: bool | ParseCache = True,
                 settings: Settings | None = None, **known) -> Project:
    """Read settings (unless given) and events; raise InvalidInput with every problem in any file.

    `cache`: take unchanged event files from .newsletter-cache/ and keep what
    was read there (sources/cache.py); a ParseCache: use that one, and leave
    saving it to the caller. `known`: what load_events takes besides, such
    as the `windows` of time a command about one week needs.
    """
    settings = settings if settings is not None else load_settings(config)
    events, problems = read_events(config, events_dir, settings, cache, **known)
    if problems:
        raise InvalidInput(problems)
    return Project(settings, events, compiled_cache(config, cache))


def compiled_cache(config: Path, cache: bool | ParseCache = True) -> CompiledCache | None:
    """Where the project keeps emails' compiled HTML (sources/compiled.py), unless the cache is off."""
    if cache is False:
        return None
    from newsletter.sources.compiled import CompiledCache

    return CompiledCache.beside(config)


def read_events(config: Path, events_dir: Path, settings: Settings, cache: bool | ParseCache = True, **known):
    """load_events through the project's parse cache, unless `cache` is False; `known`: files, changed, windows."""
    from newsletter.sources.cache import ParseCache

    if cache is False:
        return load_events(events_dir, settings)
    parsed = cache if isinstance(cache, ParseCache) else ParseCache.beside(config, events_dir)
    found = load_events(events_dir, settings, parsed, **known)
    if parsed is not cache:
        parsed.save()
    return found


def today_in(settings: Settings) -> date:
    return datetime.now(settings.timezone).date()


def choose_week(settings: Settings, week: str | None, today: date | None) -> Week:
    """The week named by --week, or the coming week as of `today`."""
    try:
        if week:
            return parse_week(week, settings.week_start, settings.timezone)
    except BadDate as exc:
        raise NewsletterError(f"--week: {exc}") from None
    return coming_week(today or today_in(settings), settings.week_start, settings.timezone)
