"""`newsletter preview`: the pages of the local preview, built from the same pipeline as `build` and `announce`.

Everything is rendered in memory on request and cached until a watched file
changes; nothing is read from disk by URL and nothing is written.
"""

from __future__ import annotations

import re
import threading
from email.utils import parseaddr
from msgspec import Struct
from datetime import date, datetime, time
from pathlib import Path

from newsletter.outputs.announce import Announcement, reminder_problem
from newsletter.outputs.build import Build
from newsletter.outputs.project import Project
from newsletter.outputs.rendered import Rendered
from newsletter.schedule.dates import BadDate, coming_week, parse_week, week_containing, week_label
from newsletter.schedule.digest import digest_for_week
from newsletter.errors import InvalidInput, NewsletterError, NoEvents
from newsletter.models import Week
from newsletter.rendering.present import status_label
from newsletter.rendering.render import GMAIL_CLIP_BYTES
from newsletter.serving.live import LiveProject
from newsletter.serving.server import Page
from newsletter.i18n import N_, _
from newsletter.rendering.templates import builtin_dir

_WEEK = r"(\d{4}-W\d{2})"
_ROUTES = {
    "index": re.compile(r"^/$"),
    "week": re.compile(rf"^/week/{_WEEK}/$"),
    "email": re.compile(rf"^/week/{_WEEK}/email\.html$"),
    "dark": re.compile(rf"^/week/{_WEEK}/email-dark\.html$"),
    "text": re.compile(rf"^/week/{_WEEK}/digest\.txt$"),
    "shared": re.compile(rf"^/week/{_WEEK}/(share/[a-z]+\.(?:txt|png))$"),
    # An event's id may hold slashes (events in subfolders): the shortest id that leaves a valid ending.
    "announce": re.compile(r"^/announce/(.+?)/(reminder/)?"
                           r"(email\.html|email-dark\.html|announcement\.txt|share/[a-z]+\.(?:txt|png|pdf))?$"),
    # The project's own image files, which the emails name under archive_url before the archive is published.
    "image": re.compile(r"^/project-images/(.+)$"),
}
IMAGES = "/project-images/"
# Another language's edition is the same pages under its code: /es/week/2026-W10/.
_EDITION = re.compile(r"^/([a-z]{2,3}(?:-[A-Za-z]{2,4})?)(/.*)$")
_DARK_QUERY = re.compile(r"@media\s*\(prefers-color-scheme:\s*dark\)")


class WeekEntry(Struct):
    week: Week
    label: str
    count: int
    when: str  # "past", "this week", "coming" or "later": translated where shown


WHEN = (N_("past"), N_("this week"), N_("coming"), N_("later"))


class PreviewSite:
    """Answers the preview's URLs; `invalidate()` after any change to the group's files."""

    def __init__(self, config: Path, events_dir: Path, today: date | None = None, drafts: bool = True,
                 cache: bool = True):
        self.config = config
        self.events_dir = events_dir
        self.drafts = drafts
        self.live = LiveProject(config, events_dir, today, drafts, cache)
        self._lock = threading.Lock()
        self._language: str | None = None  # the edition the page being answered is in; None for the primary
        self._images: tuple[Project, set[str]] | None = None  # the project's image files, for the project read

    # What to watch ---------------------------------------------------------------

    def watched_folders(self) -> list[Path]:
        return [self.events_dir, self.config.parent / "templates", builtin_dir()]

    def watched_files(self) -> list[Path]:
        return [self.config]

    def invalidate(self, paths: set[str] | None = None) -> None:
        """Forget what the change of `paths` (None: of anything) may have changed."""
        with self._lock:
            self.live.invalidate(paths)

    def close(self) -> None:
        """Keep what the preview read for the next command."""
        with self._lock:
            self.live.close()

    # Pages -----------------------------------------------------------------------

    def respond(self, path: str, version: int) -> Page | None:
        language = None
        if (edition := _EDITION.match(path)) and not path.startswith(("/week/", "/announce/")):
            language, path = edition.groups()
        for name, pattern in _ROUTES.items():
            found = pattern.match(path)
            if found:
                with self._lock:
                    self._language = language
                    try:
                        if language is not None and not self._has_edition(language):
                            return None
                        return getattr(self, f"_{name}")(version, *found.groups())
                    finally:
                        self._language = None
        return None

    def _has_edition(self, language: str) -> bool:
        try:
            editions = self._load().settings.editions
        except NewsletterError:
            return False
        return language in editions[1:]

    def _edition(self, project: Project) -> Project:
        """The project in the language of the page being answered."""
        return project.edition(self._language) if self._language else project

    def _links(self, project: Project, here: str) -> dict:
        """`prefix` for the page's links in its own edition, and the same page in every edition."""
        from newsletter.i18n import language_name

        editions = project.settings.editions
        current = self._language or editions[0]
        prefix = f"/{self._language}" if self._language else ""
        found = [{"language": code, "name": language_name(code), "current": code == current,
                  "href": ("" if code == editions[0] else f"/{code}") + here} for code in editions]
        return {"prefix": prefix, "editions": found if len(editions) > 1 else []}

    def _index(self, version: int) -> Page:
        try:
            project = self._load()
        except NewsletterError as exc:
            return self._error_page(exc, version)
        return self._html("index.html", version=version, weeks=self.week_entries(project),
                          name=project.settings.name, drafts=self.drafts, **self._links(project, "/"))

    def _week(self, version: int, week_id: str) -> Page | None:
        try:
            project = self._load()
            week = self._parse_week(project, week_id)
        except NewsletterError as exc:
            return self._error_page(exc, version)
        except BadDate:
            return None
        try:
            result = self._build(project, week)
        except NoEvents as exc:
            return self._html("week.html", version=version, week=week, label=week_label(week), empty=str(exc),
                              name=project.settings.name, nav=self._neighbours(project, week), drafts=self.drafts,
                              **self._links(project, f"/week/{week.id}/"))
        except NewsletterError as exc:
            return self._error_page(exc, version)
        imports = _last_imports(project) if any(e.source for e in result.digest.events) else {}
        return self._html(
            "week.html", version=version, week=week, label=week_label(week), empty=None,
            drafts=self.drafts, draft_count=sum(1 for e in result.digest.events if e.draft),
            nav=self._neighbours(project, week),
            announcements=[self._announcement_entry(project, e, imports) for e in result.digest.events],
            **self._message(project, result), **self._links(project, f"/week/{week.id}/"),
        )

    def _email(self, version: int, week_id: str) -> Page | None:
        return self._with_local_images(_files(self._built(week_id), "digest.html"))

    def _dark(self, version: int, week_id: str) -> Page | None:
        return self._with_local_images(_files(self._built(week_id), "dark"))

    def _image(self, version: int, quoted: str) -> Page | None:
        """An image file of the project that an event or the theme names, and nothing else of the folder."""
        import mimetypes
        from urllib.parse import unquote

        try:
            project = self._load()
        except NewsletterError:
            return None
        relative = unquote(quoted)
        if relative not in self._images_of(project):
            return None
        try:
            data = (project.settings.root / relative).read_bytes()
        except OSError:
            return None
        return Page(data, mimetypes.guess_type(relative)[0] or "application/octet-stream")

    def _images_of(self, project: Project) -> set[str]:
        """The project's image files, worked out once for each reading of the events (thousands, in a big folder)."""
        if self._images is None or self._images[0] is not project:
            self._images = (project, _project_images(project))
        return self._images[1]

    def _with_local_images(self, page: Page | None) -> Page | None:
        """The email with the project's own images taken from the preview, not the archive not yet published:
        a missing image would otherwise show as broken, and a phone-width page would stretch around it."""
        if page is None:
            return None
        try:
            project = self._load()
        except NewsletterError:
            return page
        base = project.settings.archive_url
        html = page.body.decode("utf-8")
        for relative in self._images_of(project) if base else ():
            from urllib.parse import quote

            html = html.replace(f'src="{base}{quote(relative)}"', f'src="{IMAGES}{quote(relative)}"')
        return Page(html.encode("utf-8"), page.content_type, page.status)

    def _shared(self, version: int, week_id: str, name: str) -> Page | None:
        return _files(self._built(week_id), name)

    def _text(self, version: int, week_id: str) -> Page | None:
        return _files(self._built(week_id), "digest.txt")

    def _announce(self, version: int, event_id: str, reminder: str | None, name: str | None) -> Page | None:
        try:
            project = self._load()
        except NewsletterError as exc:
            return None if name else self._error_page(exc, version)
        from newsletter.schedule.recurrence import find

        event = find(project.events, event_id)
        if event is None or event.is_series:
            return None
        try:
            result = self._announcement(project, event, bool(reminder))
        except NewsletterError as exc:
            return None if name else self._error_page(exc, version, "reminder" if reminder else "announcement")
        if name:
            found = _files(result, {"email.html": "announcement.html", "email-dark.html": "dark",
                                    "announcement.txt": "announcement.txt"}.get(name, name))
            return found if name.endswith((".txt", ".png", ".pdf")) else self._with_local_images(found)
        settings = project.settings
        week = week_containing(event.start.astimezone(settings.timezone).date(), settings.week_start, settings.timezone)
        here = f"/announce/{event.id}/{'reminder/' if reminder else ''}"
        return self._html("announce.html", version=version, event=event, reminder=bool(reminder), week_id=week.id,
                          can_remind=self._announcement_entry(project, event)["reminder"],
                          **self._message(project, result), **self._links(project, here))

    def _message(self, project: Project, result: Rendered) -> dict:
        """What message.html shows of any email: the inbox line, size and text."""
        settings = project.settings
        size = result.html_bytes
        return dict(result=result, email=result.email, name=settings.name, sender=parseaddr(settings.sender),
                    size=size, limit=GMAIL_CLIP_BYTES, over=size > GMAIL_CLIP_BYTES, text=result.email.text)

    def _announcement_entry(self, project: Project, event, imports: dict | None = None) -> dict:
        """One line of the week page's list of events: can it have a reminder today, and if not, why."""
        as_of = datetime.combine(self.today(project), time(0), tzinfo=project.settings.timezone)
        why = reminder_problem(event, as_of)
        with self._speaking(project):
            short = None if why is None else (_("already over") if event.ends_at <= as_of
                                              else status_label(event.status).lower())
            imported = None
            if event.source is not None:  # newsletter import: which calendar or form, and when last imported
                when = (imports or {}).get(event.source.calendar)
                imported = (_("from %(source)s, last imported %(when)s")
                            % {"source": event.source.calendar,
                               "when": f"{when.astimezone(project.settings.timezone):%Y-%m-%d %H:%M}"}
                            if when else _("from %(source)s") % {"source": event.source.calendar})
            return {"id": event.id, "title": event.title, "status": event.status if event.changed else None,
                    "status_label": status_label(event.status).lower() if event.changed else None,
                    "reminder": why is None, "imported": imported,
                    "why_no_reminder": _("no reminder: %(why)s") % {"why": short} if short else None}

    def _speaking(self, project: Project | None):
        """The preview's own words are in the language of the edition shown."""
        from newsletter.i18n import speaking

        if project is None:
            return speaking("en")
        settings = self._edition(project).settings
        return speaking(settings.language, settings.clock)

    # What the pages show, from the live project ----------------------------------

    def today(self, project: Project) -> date:
        return self.live.today(project)

    def _load(self) -> Project:
        return self.live.load()

    def _build(self, project: Project, week: Week) -> Build:
        return self.live.build(self._edition(project), week, self._language)

    def _announcement(self, project: Project, event, reminder: bool) -> Announcement:
        return self.live.announcement(self._edition(project), event, reminder, self._language)

    def _weeks(self, project: Project) -> list[Week]:
        return self.live.weeks(project)

    def _parse_week(self, project: Project, week_id: str) -> Week:
        settings = project.settings
        return parse_week(week_id, settings.week_start, settings.timezone)

    def _built(self, week_id: str) -> Build | None:
        try:
            project = self._load()
            return self._build(project, self._parse_week(project, week_id))
        except (NewsletterError, BadDate):
            return None

    def week_entries(self, project: Project) -> list[WeekEntry]:
        settings = project.settings
        today = self.today(project)
        this = week_containing(today, settings.week_start, settings.timezone)
        coming = coming_week(today, settings.week_start, settings.timezone)
        entries = []
        index = self.live.events_by_week(project)
        for week in self._weeks(project):
            digest = digest_for_week(index.near(week, settings), week, settings, drafts=self.drafts)
            count = len(digest.events)
            if week.id == coming.id:
                when = "coming"
            elif week.id == this.id:
                when = "this week"
            elif week.last_day < today:
                when = "past"
            else:
                when = "later"
            entries.append(WeekEntry(week, week_label(week), count, when))
        return entries

    def _neighbours(self, project: Project, week: Week) -> dict[str, str | None]:
        ids = [w.id for w in self._weeks(project)]
        earlier = [i for i in ids if i < week.id]
        later = [i for i in ids if i > week.id]
        return {"previous": earlier[-1] if earlier else None, "next": later[0] if later else None}

    # Rendering the preview's own pages --------------------------------------------

    def _error_page(self, exc: NewsletterError, version: int, what: str = "digest") -> Page:
        problems = [str(p) for p in exc.problems] if isinstance(exc, InvalidInput) else [str(exc)]
        return self._html("error.html", version=version, problems=problems, what=what)

    def _html(self, template: str, **context) -> Page:
        try:
            project = self._load()
        except NewsletterError:
            project = None
        with self._speaking(project):
            return Page(render_page(template, context).encode("utf-8"))


def _project_images(project: Project) -> set[str]:
    """The project's own image files that the theme and the events (their changed dates too) name."""
    images = [project.settings.theme.logo]
    for event in project.events:
        images += [event.image, *(changed.image for _, changed in event.changes)]
    return {image.file for image in images if image is not None and image.file}


def _files(result: Rendered | None, name: str) -> Page | None:
    """One of an email's files as the preview serves it; "dark" is the HTML with its dark rules always on."""
    if result is None:
        return None
    if name == "dark":
        # Apply the dark rules unconditionally, whatever the viewer's own setting.
        return Page(_DARK_QUERY.sub("@media all", result.email.html).encode("utf-8"))
    if name not in result.outputs:
        return None  # a share image a group turned off, or one its fonts are missing for
    if name.endswith(".txt"):
        return Page(result.outputs[name], "text/plain; charset=utf-8")
    if name.endswith(".png"):
        return Page(result.outputs[name], "image/png")
    if name.endswith(".pdf"):
        return Page(result.outputs[name], "application/pdf")
    return Page(result.outputs[name])


def render_page(name: str, context: dict) -> str:
    """A page of the preview's own, in the language being written."""
    from newsletter.models import direction_of
    from newsletter.i18n import language, translations

    env = _page_environment()
    env.install_gettext_translations(translations(language()), newstyle=True)
    return env.get_template(name).render(context, page_language=language(), page_direction=direction_of(language()))


_ENV = None


def _page_environment():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(builtin_dir("preview"))),
            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],  # compiled once a session, which is long
        )
    return _ENV


def first_url(site: PreviewSite, week: str | None, base: str) -> str:
    """The page to open first: the chosen week's, or the index."""
    if not week:
        return base
    try:
        project = site._load()
        settings = project.settings
        chosen = parse_week(week, settings.week_start, settings.timezone)
    except (NewsletterError, BadDate):
        return base
    return f"{base}week/{chosen.id}/"


def start(config: Path, events_dir: Path, host: str, port: int, today: date | None, drafts: bool, cache: bool = True):
    """A preview server watching the group's files; returns (server, site, stop event)."""
    from newsletter.serving.server import LiveServer, watch

    site = PreviewSite(config, events_dir, today=today, drafts=drafts, cache=cache)
    try:
        server = LiveServer(host, port, site.respond)
    except OSError as exc:
        hint = f" (try --port {port + 1})" if port else ""
        raise NewsletterError(f"cannot serve on {host}:{port}: {exc.strerror or exc}{hint}") from None
    stop = threading.Event()

    def changed(paths: set[str]) -> None:
        site.invalidate(paths)
        server.changed()

    watch(site.watched_folders(), site.watched_files(), changed, stop)
    return server, site, stop


def _last_imports(project: Project) -> dict:
    """When each source of the project was last imported: read once for a page, whatever it lists."""
    from newsletter.sources.imports import last_imports

    return last_imports(project.settings.root)
