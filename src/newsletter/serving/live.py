"""What the preview knows of the group's files between requests: the project read again only where the watcher
saw a change, and each week's and event's email rendered once for each version of what it shows.

Not thread-safe: the preview's site (serving/preview.py) asks under its lock.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import InvalidInput, NewsletterError
from newsletter.models import Week
from newsletter.outputs.announce import Announcement, render_announcement_files
from newsletter.outputs.build import Build, render_week
from newsletter.outputs.project import Project, load_project, today_in
from newsletter.schedule.digest import EventWeeks, WeekIndex, digest_for_week

if TYPE_CHECKING:
    from newsletter.outputs.manifest import Fingerprints
    from newsletter.sources.cache import ParseCache

PREVIEW_WEEKS_AHEAD = 4  # weeks past "Coming up" that an open-ended series is listed for


class LiveProject:
    """The group's project, its weeks and its rendered emails, kept in memory while files do not change."""

    def __init__(self, config: Path, events_dir: Path, today: date | None = None, drafts: bool = True,
                 cache: bool = True):
        self.config = config
        self.events_dir = events_dir
        self.fixed_today = today
        self.drafts = drafts
        self._project: Project | None = None
        self._builds: dict[str, Build | Announcement | NewsletterError] = {}
        self._use_cache = cache
        # kept in memory between edits; written to disk when first read and at the end
        self._parse_cache: ParseCache | None = None
        # Between edits the watcher says which event files changed: the others are neither listed nor checked.
        self._files: set[Path] | None = None
        self._changed: set[Path] = set()  # since `_last`, the last project read without a problem
        # The last project read without a problem, and where each of its events is in its list (once known).
        self._last: tuple[Project, dict[str, int] | None] | None = None
        self._delta: tuple[Project, Project, list, list] | None = None  # the last edit: before, after, removed, added
        self._week_index: tuple[Project, WeekIndex] | None = None
        self._week_list: tuple[Project, tuple, EventWeeks] | None = None
        self._digests: dict[str, tuple] = {}  # week id: (the project or edition, its digest, its key)
        self._keys: Fingerprints | None = None  # kept between saves
        self._event_weeks: dict = {}  # event id: (the Event, `until`, its weeks); "": the settings they are for

    def invalidate(self, paths: set[str] | None = None) -> None:
        """Forget what the change of `paths` (None: of anything) may have changed."""
        self._project = None
        self._digests.clear()
        events = self.events_dir.resolve()
        inside = [Path(p) for p in paths or ()
                  if Path(p).suffix == ".md" and Path(p).is_relative_to(events)]
        if paths is None or len(inside) < len(paths) or self._files is None:
            # settings or templates: read and render everything
            self._files, self._changed, self._last = None, set(), None
            self._builds.clear()
            return
        from newsletter.sources.events import is_event_file

        for path in inside:
            relative = path.relative_to(events)
            shown = self.events_dir / relative
            if path.is_file() and is_event_file(relative):
                self._files.add(shown)
            elif shown in self._files:
                self._files.discard(shown)
            else:
                continue  # not an event file, and never was
            self._changed.add(shown)
        # A week's email is kept under its digest's fingerprint, so an edit elsewhere renders nothing;
        # an announcement also shows the events that come next, so every one is rendered again.
        self._builds = {key: value for key, value in self._builds.items() if ":week:" in key}

    def today(self, project: Project) -> date:
        return self.fixed_today or today_in(project.settings)

    def load(self) -> Project:
        """The project as its files are now: read again only where a change was seen."""
        if self._project is None:
            if not self._use_cache:
                self._project = load_project(self.config, self.events_dir, cache=False)
                return self._project
            from newsletter.sources.cache import ParseCache

            cached = self._parse_cache
            first = cached is None or cached.context != ParseCache.context_of(self.config, self.events_dir)
            if not first and self._last is not None and self._files is not None:
                project = self._reread(*self._last)
                if project is not None:
                    self._project = project
                    return project
            if first or cached is None:  # the settings changed: every file is read again (or found in the cache on disk)
                if cached is not None:
                    cached.save()
                cached = self._parse_cache = ParseCache.beside(self.config, self.events_dir)
            # After a change the watcher could not pin on event files (a save by rename leaves a temporary
            # file's name among them), which files changed is unknown: every one is checked against the cache.
            unknown = first or self._files is None
            files = self._files
            if files is None or unknown:
                from newsletter.sources.events import event_files

                files = self._files = set(event_files(self.events_dir))
                self._changed = set()
            try:
                self._project = load_project(self.config, self.events_dir, cached,
                                             files=sorted(files, key=lambda p: p.parts),  # as event_files
                                             changed=None if unknown else self._changed)
                self._changed, self._last = set(), (self._project, None)
            finally:
                if first:
                    cached.save()
        return self._project

    def _reread(self, last: Project, position: dict[str, int] | None) -> Project | None:
        """`last` with the files changed since read again; None when that takes reading every file."""
        from msgspec.structs import replace

        from newsletter.sources.events import reread_events

        found = reread_events(self.events_dir, last.settings, last.events, self._changed, self._parse_cache, position)
        if found is None:
            return None
        if found.problems:
            raise InvalidInput(found.problems)
        project = replace(last, events=found.events)
        self._delta = (last, project, found.removed, found.added)
        self._changed, self._last = set(), (project, found.position)
        return project

    def _edited(self, before, project: Project) -> tuple[list, list] | None:
        """What the last edit removed and added, when it went from `before` to `project`."""
        delta = self._delta
        if delta is not None and delta[0] is before and delta[1] is project:
            return delta[2], delta[3]
        return None

    def close(self) -> None:
        """Keep what the preview read for the next command."""
        if self._parse_cache is not None:
            self._parse_cache.save()

    def build(self, edition: Project, week: Week, language: str | None) -> Build:
        """The week's digest in `edition` (the edition of `language`, None for the primary), rendered once for each
        version of the week's events: an edit elsewhere renders nothing."""
        from newsletter.outputs.manifest import Fingerprints

        fingerprint = self._keys
        if fingerprint is None or fingerprint.size > 4 * len(edition.events) + 1000:
            fingerprint = self._keys = Fingerprints()  # each event hashed once while it lives; edits leave old ones
        settings = edition.settings
        known = self._digests.get(week.id)
        if known is not None and known[0] is edition:  # the page and its email, asked for one after the other
            digest, key = known[1], known[2]
        else:
            digest = digest_for_week(self.events_by_week(edition).near(week, settings), week, settings,
                                     drafts=self.drafts)
            key = f"week:{week.id}:{fingerprint(digest, settings)}"
            self._digests[week.id] = (edition, digest, key)
        hint = None  # as many shortened as in the week's last version: after an edit, usually still right
        for stale in [k for k in self._builds if k.startswith(f"{language or ''}:week:{week.id}:")
                      and not k.endswith(key)]:
            if isinstance(previous := self._builds.pop(stale), Build):
                hint = previous.fit_step or len(previous.shortened)
        return self._cached(key, language, lambda: render_week(edition, week, drafts=self.drafts, hint=hint,
                                                              digest=digest))

    def events_by_week(self, project: Project) -> WeekIndex:
        """The week index of `project`'s events, built once for each loaded project (or edition)."""
        known = self._week_index
        if known is None or known[0] is not project:
            edit = self._edited(known[0], project) if known is not None else None
            try:
                index = known[1].update(*edit) if edit and known is not None else WeekIndex(project.events)
            except LookupError:
                index = WeekIndex(project.events)
            self._week_index = known = (project, index)
        return known[1]

    def announcement(self, edition: Project, event, reminder: bool, language: str | None) -> Announcement:
        """An event's announcement (or reminder) in `edition`, rendered once until a file changes."""
        return self._cached(f"{'reminder' if reminder else 'announce'}:{event.id}", language,
                            lambda: render_announcement_files(edition, edition.localized(event), self.today(edition),
                                                              reminder))

    def _cached(self, key: str, language: str | None, render):
        """What `render` gives for the edition of `language`, kept (a failure too) until a file changes."""
        key = f"{language or ''}:{key}"
        cached = self._builds.get(key)
        if cached is None:
            try:
                cached = render()
            except NewsletterError as exc:
                cached = exc
            self._builds[key] = cached
            if self._project is not None and self._project.compiled is not None:
                self._project.compiled.save()  # for the next render, and the commands after the preview
        if isinstance(cached, NewsletterError):
            raise cached
        return cached

    def weeks(self, project: Project) -> list[Week]:
        """The weeks with events; a series without an end is followed a few weeks past "Coming up"."""
        ahead = timedelta(weeks=project.settings.coming_up_weeks + PREVIEW_WEEKS_AHEAD)
        if self._event_weeks.get("") != project.settings:  # settings can change every event's weeks
            self._event_weeks = {"": project.settings}
        until = self.today(project) + ahead
        known, key = self._week_list, (project.settings, until)
        if known is None or known[0] is not project:
            edit = self._edited(known[0], project) if known is not None and known[1] == key else None
            if edit and known is not None:
                counted = known[2].update(*edit)
            else:
                counted = EventWeeks(project.events, project.settings, until, self.drafts, self._weeks_of)
            self._week_list = known = (project, key, counted)
        return known[2].weeks()

    def _weeks_of(self, event, settings, until) -> list[Week]:
        """An event's weeks, remembered while it is the same event (the parse cache gives the same object)."""
        from newsletter.schedule.digest import _weeks_of

        known = self._event_weeks.get(event.id)
        if known is not None and known[0] is event and known[1] == until:
            return known[2]
        weeks = _weeks_of(event, settings, until)
        self._event_weeks[event.id] = (event, until, weeks)
        return weeks
