"""`newsletter archive`: a static website of every digest, with an Atom feed and calendars.

Layout under the output folder, all linked absolutely under `archive_url`:

    index.html                    every digest, newest first
    <language>/...                the same again in each other language, for a
                                  group with separate editions (hreflang links
                                  and a language switch join them)
    2018-W04/index.html           one week, as a web page
    events/<id>/index.html        one event, with its calendar links; for a
                                  recurring event, its rule, next dates and
                                  changed dates (#2018-01-11 anchors)
    events/<id>.ics               one event's calendar file (a whole series)
    calendar.ics                  upcoming events and the last few weeks
    feed.xml                      an Atom feed of the digests
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import lru_cache, partial
from msgspec import Struct, field
from msgspec.structs import replace
from datetime import date, datetime, time, timedelta, UTC
from pathlib import Path
from typing import TypeVar
from collections.abc import Callable, Iterable
from xml.etree import ElementTree

from newsletter.outputs import calendars
from newsletter.rendering import calendar_links
from newsletter.schedule import recurrence
from newsletter.outputs.project import Project
from newsletter.schedule.dates import format_clock, week_containing, week_label
from newsletter.schedule.digest import digest_for_week, weeks_with_events
from newsletter.errors import NewsletterError
from newsletter.models import Digest, Settings
from newsletter.i18n import _, join_names, ngettext
from newsletter.rendering.present import digest_view, event_view, theme_view
from newsletter.rendering.share import Share
from newsletter.rendering.templates import builtin_dir, bytecode_cache

RECENT_WEEKS = 4  # how far back calendar.ics reaches
SERIES_PAGE_DATES = 12  # how many next dates a recurring event's page lists
SERIES_PAGE_AHEAD = timedelta(weeks=60)
ATOM = "http://www.w3.org/2005/Atom"


class SiteReport(Struct):
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0  # rendered, and the same bytes as the file already there
    skipped: int = 0  # not rendered at all: made from the same inputs as last time (the manifest says)
    weeks: int = 0
    events: int = 0


def site_files(project: Project, today: date) -> Iterable[tuple[str, Callable[[], bytes]]]:
    """(relative path, renderer) for every file of the site, each rendered in its edition's language when called."""
    for name, _inputs, render in site_plan(project, today):
        yield name, render


def site_plan(project: Project, today: date, out: Path | None = None) -> Iterable[tuple[str, tuple, Callable[[], bytes]]]:
    """(relative path, what it is made from, renderer) for every file of the site.

    A group with an edition per language gets the whole site once per
    language: the primary at the top, each other under its code. What a file
    is made from is hashed into its key in the manifest (outputs/manifest.py).
    `out`: where the site was written before, whose feed keeps the time each unchanged entry was updated.
    """
    from newsletter.outputs.manifest import files_fingerprint, fingerprint

    from newsletter.sources.store import tools_version

    primary = project.settings.primary
    code = files_fingerprint(_made_with(project.settings)) + tools_version(*PAGE_LIBRARIES)
    for language in project.settings.editions:
        edition = project.edition(language)
        common = fingerprint(code, edition.settings)
        prefix = "" if language == primary else f"{language}/"
        earlier = _earlier_entries(out / prefix / "feed.xml") if out is not None else {}
        for name, inputs, render in _files(edition, today, images=not prefix, earlier=earlier):
            # An image file is copied as it is: its key is the file alone, which `check` can work out too.
            yield (prefix + name, inputs if inputs[0] == "image" else (common, *inputs),
                   partial(_spoken, edition.settings, render))


# Whose output the pages are: a page made with another installed version of any of them is made again.
PAGE_LIBRARIES = ("jinja2", "markupsafe", "babel", "markdown_it", "icalendar", "mjml", "premailer", "cssutils", "lxml",
                  "cssselect", "yaml", "dateutil", "tzdata", "PIL", "regex")


def _made_with(settings: Settings) -> list[Path]:
    """What every page depends on besides its events: newsletter's code and catalogs, and every template."""
    from newsletter.rendering.templates import search_path

    package = Path(__file__).resolve().parents[1]
    return [package, builtin_dir("archive"), *search_path(settings)]


T = TypeVar("T")


def _spoken(settings: Settings, render: Callable[[], T]) -> T:
    from newsletter.i18n import speaking

    with speaking(settings.language, settings.clock):
        return render()


def _files(project: Project, today: date, images: bool = True,
           earlier: dict[str, tuple[str, ...]] | None = None) -> Iterable[tuple[str, tuple, Callable[[], bytes]]]:
    """(relative path, inputs, renderer) for every file of the site; rendering is deferred to the caller."""
    from newsletter.schedule.digest import WeekIndex

    settings = project.settings
    if not settings.archive_url:
        raise NewsletterError(f"{settings.path}: archive_url: set the address the archive will be published at, "
                              "such as archive_url = \"https://example.org/news/\"")
    stamp = datetime.combine(today, time(0), tzinfo=UTC)
    # The archive opens with the present: digests up to next week's. What is further ahead is on the event and
    # series pages and in the calendar, not in weeks of digests nobody has sent yet.
    last = week_containing(today + timedelta(weeks=1), settings.week_start, settings.timezone)
    weeks = sorted((w for w in weeks_with_events(project.events, settings, until=last.last_day)
                    if w.first_day <= last.first_day), key=lambda w: w.id, reverse=True)
    index = WeekIndex(project.events)
    digests = [digest_for_week(index.near(week, settings), week, settings) for week in weeks]
    digests = [d for d in digests if d.events]
    listed = [(d.week.id, [e.title for e in d.events]) for d in digests]  # what the index and feed show of each
    yield ("index.html", ("index", listed),
           lambda: _page("index.html", settings, "", digests=[_summary(d) for d in digests]))
    # Link previews with a picture for what people still share: the weeks and events of the last RECENT_WEEKS and
    # what is to come. An older page keeps its tags without one, and is written again once, when it ages out.
    drawn = _cards_drawn(settings)
    since = datetime.combine(today - timedelta(weeks=RECENT_WEEKS), time(0), tzinfo=settings.timezone)
    for digest in digests:
        cards = drawn and digest.week.last_day >= since.date()
        yield f"{digest.week.id}/index.html", ("week", digest, cards), partial(_week_page, digest, settings, cards)
        if cards:  # keyed on what the card shows: an edited description leaves it alone
            shown_on_card = tuple((e.title, e.start, e.ends_at, e.all_day, e.status) for e in digest.events)
            yield f"{digest.week.id}/card.png", ("card", digest.week, shown_on_card), partial(_week_card, digest, settings)
    shown = [e for e in project.events if not e.draft]
    for event in shown:
        if event.is_series:
            yield (f"events/{event.id}/index.html", ("series", event, today),
                   partial(_series_page, event, settings, today))
        else:
            cards = drawn and _ends_after(event, since)
            yield (f"events/{event.id}/index.html", ("event", event, cards),
                   partial(_event_page, event, settings, today, cards))
            if cards:  # keyed on what the card shows: not the description, not the day
                card_of = replace(event, body="", summary=None)
                yield f"events/{event.id}/card.png", ("card", card_of), partial(_event_card, card_of, settings)
        # A calendar file is written again when its events change, not every day: its DTSTAMP stays the day
        # this version was first published, which is what RFC 5545 asks of it. The year is in its key
        # because an open-ended series' time zone is written out ten years past it.
        yield (f"events/{event.id}.ics", ("ics", event, today.year),
               partial(calendars.to_ics, [event], settings, stamp, name=event.title))
    current = sorted((e for e in shown if _ends_after(e, since)), key=lambda e: (e.start, e.id))
    yield "calendar.ics", ("calendar", current, today.year), lambda: calendars.to_ics(current, settings, stamp)
    entries = _spoken(settings, lambda: feed_entries(digests, settings, stamp, earlier))  # the summaries' words
    yield "feed.xml", ("feed", entries), lambda: atom_feed(entries, settings, stamp)
    if images:  # one copy, at the primary's address, which every edition's pages link to
        yield from _image_files([settings.theme.logo, *(e.image for e in shown)], settings)


def _image_files(images: list, settings: Settings) -> Iterable[tuple[str, tuple, Callable[[], bytes]]]:
    """The project's own image files, at the path under archive_url that the emails link to."""
    files = sorted({image.file for image in images if image is not None and image.file})
    for relative in files:
        path = settings.root / relative
        yield relative, _image_inputs(settings.root, relative), partial(_image_bytes, path, settings.root)


def _image_bytes(path: Path, root: Path) -> bytes:
    """An image file to publish: a regular file inside the project, never what a link outside it points to."""
    from newsletter.sources.files import IMAGE_BYTES, read_regular

    try:
        return read_regular(path, IMAGE_BYTES, inside=(root,))
    except OSError as exc:
        raise NewsletterError(f"{path}: {exc if exc.strerror is None else exc.strerror}") from None


def _image_inputs(root: Path, relative: str) -> tuple:
    try:
        found = (root / relative).stat()
        return "image", relative, found.st_size, found.st_mtime_ns
    except OSError:
        return "image", relative, None


def unpublished(settings: Settings, files: Iterable[str]) -> dict[str, str]:
    """The project image files among `files` that no `archive` run wrote as they are now: "missing" or "changed".

    Each archive run keeps a manifest of what it wrote, with each file's key;
    an image's key is made from its size and time alone, so it is worked out
    here the same way.
    """
    from newsletter.outputs.manifest import Fingerprints, manifests, read_manifest

    written: dict[str, set[str]] = {}
    for path in manifests(settings.root):
        for relative, (key, _size) in read_manifest(path).items():
            written.setdefault(relative, set()).add(key)
    fingerprint = Fingerprints()
    found = {}
    for relative in sorted(set(files)):
        if relative not in written:
            found[relative] = "missing"
        elif fingerprint(_image_inputs(settings.root, relative)) not in written[relative]:
            found[relative] = "changed"
    return found


def _summary(digest: Digest) -> dict:
    return {"id": digest.week.id, "label": week_label(digest.week), "count": len(digest.events),
            "titles": [e.title for e in digest.events]}


def _week_page(digest: Digest, settings: Settings, cards: bool = False) -> bytes:
    view = digest_view(digest, settings)
    here = f"{settings.archive_url}{digest.week.id}/"
    share = Share(view, settings)
    preview = {"title": f"{settings.name}: {week_label(digest.week)}", "description": view.preheader, "url": here,
               "image": f"{here}card.png" if cards else None, "alt": " ".join(share.alt_text().split()) if cards else None}
    return _page("week.html", settings, f"{digest.week.id}/", view=view, week=digest.week, label=week_label(digest.week),
                 preview=preview)


def _event_page(event, settings: Settings, today: date, cards: bool = False) -> bytes:
    view = event_view(event, settings, event.start.year, heading="h2")  # under the page's <h1>
    page = calendar_links.event_page(event, settings)
    place = view.location["name"] if view.location and not view.location["tbd"] else None
    said = [part for part in (view.when, place, event.summary) if part]
    preview = {"title": event.title, "description": " · ".join(said), "url": page,
               "image": f"{page}card.png" if cards else None,
               "alt": " ".join(_event_share(event, settings, event.start.date()).alt_text().split()) if cards else None,
               "start": event.start.isoformat(), "end": event.ends_at.isoformat()}
    return _page("event.html", settings, f"events/{event.id}/", event=view, page=page, preview=preview)


def _cards_drawn(settings: Settings) -> bool:
    """Whether the archive publishes share cards (the link previews' image): the setting, and the fonts there."""
    from newsletter.rendering.cards import MissingFonts, fonts_for

    if not settings.share.images:
        return False
    try:
        fonts_for("", settings.language)
    except MissingFonts:
        return False
    return True


def _event_share(event, settings: Settings, today: date) -> Share:
    """What an event's link preview shows: its announcement's card, as of `today` (a change first)."""
    from newsletter.rendering.present import announcement_view

    return Share(announcement_view(event, settings, today), settings)


def _event_card(event, settings: Settings) -> bytes:
    """An event's card, which shows nothing that depends on the day: as of the day it starts."""
    from newsletter.rendering.cards import CARD

    return _event_share(event, settings, event.start.date()).drawn(CARD).png


def _week_card(digest: Digest, settings: Settings) -> bytes:
    from newsletter.rendering.cards import CARD

    return Share(digest_view(digest, settings), settings).drawn(CARD).png


def _series_page(series, settings: Settings, today: date) -> bytes:
    """A recurring event: what it is, how often, its next dates and every changed date, each with an anchor."""
    since = datetime.combine(today, time(0), tzinfo=settings.timezone)
    coming = recurrence.occurrences(series, since, since + SERIES_PAGE_AHEAD)[:SERIES_PAGE_DATES]
    plain = replace(series, changes=())
    shown = next((o for o in coming if not o.changed), None) or recurrence.occurrence(plain, recurrence.first(series))
    view = event_view(shown, settings, shown.start.year, heading="h2")
    view.when = format_clock(shown)
    view.status_label = view.change_note = view.status_note = None
    listed = {o.occurrence for o in coming}
    changed = [changed for day, changed in series.changes if day not in listed]
    page = calendar_links.event_page(series, settings)
    place = view.location["name"] if view.location and not view.location["tbd"] else None
    preview = {"title": series.title, "url": page, "image": None, "alt": None,
               "description": " · ".join(part for part in (view.repeats, view.when, place, series.summary) if part)}
    return _page("series.html", settings, f"events/{series.id}/", event=view, series=series, repeats=view.repeats,
                 coming=[_date_entry(o, plain, settings) for o in coming],
                 changed=[_date_entry(o, plain, settings) for o in changed], page=page, preview=preview)


def _date_entry(occurrence, plain, settings: Settings) -> dict:
    """One date of a series on its page: when, and what is different that day."""
    usual = recurrence.occurrence(plain, occurrence.occurrence)
    view = event_view(occurrence, settings, occurrence.start.year)
    different = []
    if occurrence.location != usual.location and view.location:
        different.append(f"{_('Where:')} {view.location['name'] or view.location['address']}")
    if occurrence.speakers != usual.speakers and view.speakers:
        different.append(_("With %(names)s") % {"names": join_names(s["name"] for s in view.speakers)})
    if occurrence.title != usual.title:
        different.append(occurrence.title)
    return {"id": occurrence.occurrence.isoformat(), "when": view.when, "status": view.status_label,
            "notes": [n for n in (view.change_note, view.status_note) if n], "different": different}


def _ends_after(event, since: datetime) -> bool:
    if not event.is_series:
        return event.ends_at >= since
    if event.repeat.until is None and event.repeat.count is None:
        return True
    return recurrence.last(event) >= since.date()


def _page(name: str, settings: Settings, here: str, **context) -> bytes:
    """The page `here` (its folder under archive_url) from the template `name`."""
    from newsletter.i18n import language, translations

    env = _environment(settings.root)
    env.install_gettext_translations(translations(language()), newstyle=True)
    html = env.get_template(name).render(site=settings, base=settings.archive_url, colors=theme_view(settings),
                                         editions=_editions(settings, here), **context)
    return html.encode("utf-8")


def _editions(settings: Settings, here: str) -> list[dict]:
    """The same page in each language, for hreflang links and the language switch; none for one language."""
    from newsletter.outputs.project import site_root
    from newsletter.i18n import language_name

    if len(settings.editions) < 2:
        return []
    root = site_root(settings)
    return [{"language": code, "name": language_name(code), "current": code == settings.language,
             "href": f"{root}{'' if code == settings.primary else code + '/'}{here}"} for code in settings.editions]


@lru_cache(maxsize=4)
def _environment(root: Path):
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(builtin_dir("archive"))),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                             bytecode_cache=bytecode_cache("archive", root, builtin_dir("archive")))
    env.filters["markup"] = Markup
    return env


def _earlier_entries(path: Path) -> dict[str, tuple[str, ...]]:
    """The entries of a feed written before, by id: (title, summary, published, updated); {} when none can be read."""
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except (OSError, ElementTree.ParseError):
        return {}
    found = {}
    for entry in root.iter(f"{{{ATOM}}}entry"):
        fields = [entry.findtext(f"{{{ATOM}}}{name}") or "" for name in ("id", "title", "summary", "published", "updated")]
        if all(fields):
            found[fields[0]] = tuple(fields[1:])
    return found


FeedEntry = tuple[str, str, str, str, str]  # id (the week's address), title, summary, published, updated (ISO 8601)


def feed_entries(digests: list[Digest], settings: Settings, stamp: datetime,
                 earlier: dict[str, tuple[str, ...]] | None = None) -> list[FeedEntry]:
    """One feed entry per digest, newest first.

    An entry whose title and summary are as in the `earlier` feed keeps its
    times from then, so a reader is not told of a change each day the archive
    is built; one that changed since is updated at `stamp`.
    """
    earlier = earlier or {}
    entries = []
    for digest in digests:
        url = f"{settings.archive_url}{digest.week.id}/"
        title = f"{settings.name}: {week_label(digest.week)}"
        count = len(digest.events)
        summary = (ngettext("%(num)d event: %(titles)s", "%(num)d events: %(titles)s", count)
                   % {"num": count, "titles": "; ".join(e.title for e in digest.events)})
        published = updated = _published(digest, settings, stamp)
        before = earlier.get(url)
        if before is not None:
            try:  # as written then, unless that was after today (a run with an earlier --today)
                published, updated = (min(datetime.fromisoformat(t), stamp, key=lambda d: d.timestamp())
                                      for t in before[2:])
            except ValueError:
                before = None
            if before is not None and before[:2] != (title, summary):
                updated = max(stamp.astimezone(settings.timezone), updated)
        entries.append((url, title, summary, published.isoformat(), updated.isoformat()))
    return entries


def atom_feed(entries: list[FeedEntry], settings: Settings, stamp: datetime) -> bytes:
    """An Atom (RFC 4287) feed of `entries`."""
    ElementTree.register_namespace("", ATOM)

    def add(parent, tag, text=None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": settings.language})
    add(feed, "title", settings.name)
    add(feed, "id", settings.archive_url)
    add(feed, "link", href=settings.archive_url, rel="alternate", type="text/html")
    add(feed, "link", href=f"{settings.archive_url}feed.xml", rel="self", type="application/atom+xml")
    add(feed, "updated", max((e[4] for e in entries), key=datetime.fromisoformat, default=stamp.isoformat()))
    add(add(feed, "author"), "name", settings.organization or settings.name)
    for url, title, summary, published, updated in entries:
        entry = add(feed, "entry")
        add(entry, "title", title)
        add(entry, "id", url)
        add(entry, "link", href=url, rel="alternate", type="text/html")
        add(entry, "updated", updated)
        add(entry, "published", published)
        add(entry, "summary", summary)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _published(digest: Digest, settings: Settings, stamp: datetime) -> datetime:
    """A digest counts as published on the Monday (or Sunday) its week starts, at 8 am, or today if that is later.

    A week still to come is already on the site, written today: a feed
    reader must not be told it was updated in the future.
    """
    planned = datetime.combine(digest.week.first_day, time(8), tzinfo=settings.timezone)
    return min(planned, stamp.astimezone(settings.timezone))


Progress = Callable[[Iterable, int], Iterable]
PARALLEL_FROM = 200  # fewer files to render than this are done in this process: starting workers costs more


def write_site(plan: Iterable[tuple[str, tuple, Callable[[], bytes]]], out: Path,
               progress: Progress = lambda items, total: items, manifest: Path | None = None,
               reuse: bool = True, workers: int = 1) -> SiteReport:
    """Render and write what changed, atomically; leave alone a file whose bytes are the same.

    With a `manifest`, a file made from the same inputs as last time is not
    rendered at all (unless `reuse` is False), and a file it lists that
    `plan` no longer has is removed. `workers` > 1 renders in that many
    processes when there are enough files to make it worth it.
    """
    from newsletter.outputs.manifest import Fingerprints, read_manifest, write_manifest

    fingerprint = Fingerprints()
    report = SiteReport()
    before = read_manifest(manifest)
    _remove_stale(out, before if manifest is not None else None)
    folder = str(out)
    after: dict[str, tuple[str, int]] = {}
    todo: list[tuple[str, str, Callable[[], bytes]]] = []
    for relative, inputs, render in plan:
        if relative.endswith("/index.html") and relative.count("/") == 1:
            report.weeks += 1
        if relative.endswith(".ics") and relative.startswith("events/"):
            report.events += 1
        key = fingerprint(inputs)
        known = before.get(relative)
        if reuse and known is not None and known[0] == key and _size(os.path.join(folder, relative)) == known[1]:
            after[relative] = known
            report.skipped += 1
        else:
            todo.append((relative, key, render))
    if todo and manifest is not None:
        # Listed before they are written, under a key nothing matches: should this run be killed, the
        # next one knows these files are its own, to render again or to remove if their event is gone.
        write_manifest(manifest, {**before, **after, **{relative: ("", -1) for relative, _, _ in todo}})
    for relative, key, size, written in progress(_render_all(todo, out, workers), len(todo)):
        after[relative] = (key, size)
        if written:
            report.written.append(out / relative)
        else:
            report.unchanged += 1
    for relative in sorted(set(before) - set(after)):  # what an earlier run wrote and this one does not
        path = out / relative
        if path.is_file():
            path.unlink()
            report.removed.append(path)
            _remove_empty(path.parent, out)
    if after != before:
        write_manifest(manifest, after)
    return report


def _remove_stale(out: Path, before: dict[str, tuple[str, int]] | None) -> None:
    """Remove the temporary files of a run killed before it could rename them.

    Such a run listed what it was about to write in the manifest under an
    empty key (see write_site), so only those files' folders are looked in;
    without a manifest, the whole site is.
    """
    if not out.is_dir():
        return
    if not before:
        stale = out.rglob(".*.tmp")
    else:
        folders = {(out / relative).parent for relative, (key, _) in before.items() if not key}
        stale = (path for folder in sorted(folders) for path in folder.glob(".*.tmp"))
    for path in stale:
        path.unlink(missing_ok=True)


def _size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _remove_empty(folder: Path, out: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


_JOBS: list = []  # what the worker processes render, by position: they inherit it when forked


def _render_all(todo: list, out: Path, workers: int) -> Iterable[tuple[str, str, int, bool]]:
    """(relative path, key, size, written) for each file of `todo`, in this process or in `workers` forked ones."""
    import multiprocessing

    # Forking is safe and quick on Linux; macOS's system libraries may not survive it, and Windows has none.
    forked = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or len(todo) < PARALLEL_FROM or not forked:
        for relative, key, render in todo:
            yield relative, key, *_write_one(out / relative, render())
        return
    global _JOBS
    _JOBS = todo
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            chunk = max(1, min(64, len(todo) // (workers * 8)))
            for number, size, written in pool.imap_unordered(_work, ((n, out) for n in range(len(todo))), chunk):
                yield todo[number][0], todo[number][1], size, written
    finally:
        _JOBS = []


def _work(job: tuple[int, Path]) -> tuple[int, int, bool]:
    number, out = job
    relative, _, render = _JOBS[number]
    return (number, *_write_one(out / relative, render()))


def _write_one(path: Path, data: bytes) -> tuple[int, bool]:
    """Write `data` to `path` in one step unless it holds those bytes already; (size, whether it was written).

    A failure (a full disk, a folder it may not write to) is a NewsletterError naming the file.
    """
    if path.exists() and path.read_bytes() == data:
        return len(data), False
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise NewsletterError(f"{path}: cannot write it: {exc.strerror or exc}") from None
    except BaseException:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise
    return len(data), True
