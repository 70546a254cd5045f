"""Orchestrates a build: settings and events in, the week's digest rendered and written out."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar
from datetime import date, datetime, UTC
from pathlib import Path

from newsletter.sources.config import load_settings
from newsletter.schedule.dates import BadDate, coming_week, parse_week, week_label
from newsletter.schedule.digest import digest_for_week, digest_window
from newsletter.errors import InvalidInput, NewsletterError, NoEvents
from newsletter.outputs.fileset import ForeignFiles, write_set
from newsletter.sources.events import load_events
from newsletter.models import Digest, Event, Finding, RenderedEmail, Settings, Week

if TYPE_CHECKING:
    from newsletter.rendering.fit import Step
    from newsletter.sources.cache import ParseCache
    from newsletter.sources.compiled import CompiledCache

OUTPUT_NAMES = ("digest.html", "digest.txt", "digest.eml", "digest.json", "events.ics")


@dataclass
class Project:
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


class Outputs(Mapping):
    """An email's files by name; one given as a function is made the first time it is asked for.

    `build` writes every file; the preview shows only the HTML and the text,
    and never pays for the .eml, the JSON or the calendar after a save.
    """

    def __init__(self, files: dict[str, bytes | Callable[[], bytes]]):
        self._files = dict(files)

    def __getitem__(self, name: str) -> bytes:
        found = self._files[name]
        if callable(found):
            found = self._files[name] = found()
        return found

    def __iter__(self):
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


@dataclass(kw_only=True)
class Rendered:
    """An email rendered to its files in memory (`<stem>.html`, `.txt`, `.eml`...), and where they were written."""

    stem: ClassVar[str]
    settings: Settings
    email: RenderedEmail
    outputs: Mapping[str, bytes] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # files of the other layout (one folder, or one per language)
    warnings: list[Finding] = field(default_factory=list)  # printed by the command, listed by check
    translations: Sequence[Rendered] = field(default_factory=list)  # the other languages' editions, when separate

    @property
    def language(self) -> str:
        return self.settings.language

    @property
    def editions(self) -> list[Rendered]:
        """This email and its editions in the group's other languages, the primary first."""
        return [self, *self.translations]

    def edition(self, language: str | None) -> Rendered:
        """The edition in `language` (None: the primary); raises NewsletterError naming the editions."""
        if language is None:
            return self
        for edition in self.editions:
            if edition.language.lower() == language.lower():
                return edition
        written = ", ".join(e.language for e in self.editions)
        raise NewsletterError(f"--language: there is no '{language}' edition (the editions are: {written}); "
                              "the group's languages are set by languages = [...] in newsletter.toml")

    @property
    def html_bytes(self) -> int:
        return len(self.outputs[f"{self.stem}.html"])

    @property
    def sent_bytes(self) -> int:
        """The HTML part's size as sent, quoted-printable: a little more than the file's."""
        from newsletter.rendering.render import sent_bytes

        return sent_bytes(self.email.html)

    @property
    def clipped(self) -> bool:
        """Over the size at which Gmail hides the rest of a message behind "View entire message"."""
        from newsletter.rendering.render import GMAIL_CLIP_BYTES

        return self.sent_bytes > GMAIL_CLIP_BYTES

    @property
    def eml_name(self) -> str:
        return f"{self.stem}.eml"


@dataclass(kw_only=True)
class Build(Rendered):
    """One week's digest."""

    stem = "digest"
    week: Week
    digest: Digest
    shortened: list[Event] = field(default_factory=list)  # entries shown compact, linking to their page
    fit_warnings: list[Finding] = field(default_factory=list)  # what [digest] layout could not do
    fit_step: Step | None = None  # what the fit learnt, for the next one's hint (rendering/fit.py)
    squeeze: str | None = None  # a week too big with every entry compact: "brief" entries, or the "agenda" alone


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


def render_week(project: Project, week: Week, drafts: bool = False, now: datetime | None = None,
                hint: int | Step | None = None, digest: Digest | None = None) -> Build:
    """Everything for one week, in memory; raises NoEvents for an empty week.

    `hint`: how many entries the last build of this week shortened, or its fit_step (see fit_digest);
    `digest`: the week's digest, when the caller has it already.
    """
    from newsletter.outputs.calendars import to_ics
    from newsletter.outputs.mime import build_message, to_bytes
    from newsletter.rendering.fit import fit_digest
    from newsletter.outputs.summary import digest_summary, to_json

    settings = project.settings
    digest = digest or digest_for_week(project.events, week, settings, drafts=drafts)
    if not digest.events:
        raise NoEvents(f"no events in week {week.id} ({week_label(week)}): nothing to send")
    compiled, remembered = project.compiled, f"{settings.language}:{week.id}"
    if hint is None and compiled is not None:
        hint = compiled.hint(remembered)
    with remembered_bodies(compiled):
        fitted = fit_digest(digest, settings, compiled, hint)
    if compiled is not None:
        compiled.remember(remembered, len(fitted.shortened))
    email = fitted.email
    now = now or datetime.now(UTC)
    outputs = Outputs({
        "digest.html": email.html.encode("utf-8"),
        "digest.txt": email.text.encode("utf-8"),
        "digest.eml": lambda: to_bytes(build_message(email, settings, message_ident(week.id, settings), now)),
        "digest.json": lambda: to_json(digest_summary(digest, email, settings, fitted.shortened)).encode("utf-8"),
        "events.ics": lambda: to_ics(list(digest.events), settings, now, name=f"{settings.name}: {week_label(week)}"),
    })
    result = Build(settings=settings, week=week, digest=digest, email=email, outputs=outputs,
                   shortened=fitted.shortened, fit_warnings=fitted.warnings, fit_step=fitted.step,
                   squeeze=fitted.view.squeeze)
    result.warnings.extend(fitted.warnings)
    if result.clipped and not any(w.severity == "error" for w in fitted.warnings):
        result.warnings.append(Finding(
            "warning", f"digest.html is {result.sent_bytes / 1000:.1f} KB as sent: Gmail clips messages over 102 KB, "
            "and its readers will not see the end of this digest", "shorten the longest descriptions"))
    return result


@contextmanager
def remembered_bodies(compiled: CompiledCache | None):
    """While an email is rendered: descriptions converted in earlier runs are taken from the cache, and
    this run's are noted there, for the command to save (sources/body.py)."""
    from newsletter.sources import body

    if compiled is None:
        yield
        return
    with body.remembering(*compiled.bodies()):
        yield


def build(config: Path, events_dir: Path, week: str | None = None, today: date | None = None,
          out: Path | None = None, drafts: bool = False, preheader: str | None = None, cache: bool = True) -> Build:
    """`newsletter build`: render the week and write digest.html, .txt, .eml and .json; `preheader` overrides the setting.

    A bilingual group with separate editions gets one folder per language,
    dist/<week>/<language>/; the result is the primary edition, carrying the others.
    """
    settings = load_settings(config)
    chosen = choose_week(settings, week, today)
    project = load_project(config, events_dir, cache, settings, windows=[digest_window(chosen, settings)])
    if preheader is not None:
        project.settings = replace(project.settings, preheader=preheader)
    results = [render_week(project.edition(language), chosen, drafts=drafts)
               for language in project.settings.editions]
    target = out if out is not None else Path("dist") / chosen.id
    results[0].removed = write_editions(target, results, "digest")
    if project.compiled is not None:  # written: what rendering made is worth keeping for the next command
        project.compiled.save()
    results[0].translations = results[1:]
    return results[0]


def write_editions(target: Path, editions: Sequence[Rendered], what: str, keep: tuple[str, ...] = ()) -> list[Path]:
    """Write every edition's files as one set in `target` (a folder per language when there are several), noting
    each edition's paths in its `written`; the paths an earlier run's other layout had. Raises NewsletterError."""
    folders = {edition.language: target / edition.language if len(editions) > 1 else target for edition in editions}
    files = {str(folders[edition.language].relative_to(target) / name): edition.outputs[name]
             for edition in editions for name in edition.outputs}
    try:
        written, removed = write_set(target, files, keep)
    except ForeignFiles as exc:
        raise NewsletterError(str(exc)) from None
    except OSError as exc:
        raise NewsletterError(f"{target}: cannot write the {what}: {exc.strerror or exc}") from None
    for edition in editions:
        edition.written = [path for path in written if path.parent == folders[edition.language]]
    return removed
