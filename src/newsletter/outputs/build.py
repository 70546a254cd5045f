"""`newsletter build`: a week's digest rendered in memory, then written out with its text, message, summary and
calendar."""

from __future__ import annotations

from msgspec import field
from msgspec.structs import replace
from datetime import date, datetime, UTC
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter import aside
from newsletter.errors import NoEvents
from newsletter.models import Digest, Event, Finding, Week
from newsletter.outputs import warmup
from newsletter.outputs.project import Project, choose_week, load_project, message_ident
from newsletter.outputs.rendered import Outputs, Rendered, remembered_bodies, shared_findings, write_editions
from newsletter.schedule.dates import week_label
from newsletter.schedule.digest import digest_for_week, digest_window
from newsletter.sources.config import load_settings

if TYPE_CHECKING:
    from newsletter.rendering.fit import Step


OUTPUT_NAMES = ("digest.html", "digest.txt", "digest.eml", "digest.json", "events.ics")


class Build(Rendered, kw_only=True):
    """One week's digest."""

    stem = "digest"
    week: Week
    digest: Digest
    shortened: list[Event] = field(default_factory=list)  # entries shown compact, linking to their page
    fit_warnings: list[Finding] = field(default_factory=list)  # what [digest] layout could not do
    fit_step: Step | None = None  # what the fit learnt, for the next one's hint (rendering/fit.py)
    squeeze: str | None = None  # a week too big with every entry compact: "brief" entries, or the "agenda" alone


def render_week(project: Project, week: Week, drafts: bool = False, now: datetime | None = None,
                hint: int | Step | None = None, digest: Digest | None = None) -> Build:
    """Everything for one week, in memory; raises NoEvents for an empty week.

    `hint`: how many entries the last build of this week shortened, or its fit_step (see fit_digest);
    `digest`: the week's digest, when the caller has it already.
    """
    from newsletter.outputs.calendars import to_ics
    from newsletter.outputs.mime import build_message, to_bytes
    from newsletter.rendering.fit import Fitted, fit_digest
    from newsletter.rendering.render import digest_share
    from newsletter.rendering.share import Share
    from newsletter.outputs.summary import digest_summary, to_json

    settings = project.settings
    digest = digest or digest_for_week(project.events, week, settings, drafts=drafts)
    if not digest.events:
        raise NoEvents(f"no events in week {week.id} ({week_label(week)}): nothing to send")
    compiled, remembered = project.compiled, f"{settings.language}:{week.id}"
    if hint is None and compiled is not None:
        hint = compiled.hint(remembered)
    now = now or datetime.now(UTC)
    # The calendar file is made in a helper process while the email is rendered, if the command started one for it.
    calendar = aside.submit(to_ics, list(digest.events), settings, now, f"{settings.name}: {week_label(week)}")
    shares: list[Share] = []

    def share_of(fitted: Fitted) -> None:
        """The share folder, known once the HTML fits: its images start in a helper process, if one runs for
        them, while this one writes the text part."""
        shares.append(digest_share(fitted.view, settings, compiled))
        if aside.running():
            shares[0].prepare()

    with remembered_bodies(compiled):
        fitted = fit_digest(digest, settings, compiled, hint, share_of)
    if compiled is not None:
        compiled.remember(remembered, len(fitted.shortened))
    email = fitted.email
    share = shares[0]
    outputs = Outputs({
        "digest.html": email.html.encode("utf-8"),
        "digest.txt": email.text.encode("utf-8"),
        "digest.eml": lambda: to_bytes(build_message(email, settings, message_ident(week.id, settings), now)),
        "digest.json": lambda: to_json(digest_summary(digest, email, settings, fitted.shortened)).encode("utf-8"),
        "events.ics": calendar.result,
        **share.files(),
    })
    result = Build(settings=settings, week=week, digest=digest, email=email, outputs=outputs,
                   shortened=fitted.shortened, fit_warnings=fitted.warnings, fit_step=fitted.step,
                   squeeze=fitted.view.squeeze, share=share)
    result.warnings.extend(fitted.warnings)
    if result.clipped and not any(w.severity == "error" for w in fitted.warnings):
        result.warnings.append(Finding(
            "warning", f"digest.html is {result.sent_bytes / 1000:.1f} KB as sent: Gmail clips messages over 102 KB, "
            "and its readers will not see the end of this digest", "shorten the longest descriptions"))
    return result


def build(config: Path, events_dir: Path, week: str | None = None, today: date | None = None,
          out: Path | None = None, drafts: bool = False, preheader: str | None = None, cache: bool = True) -> Build:
    """`newsletter build`: render the week and write digest.html, .txt, .eml and .json; `preheader` overrides the setting.

    A bilingual group with separate editions gets one folder per language,
    dist/<week>/<language>/; the result is the primary edition, carrying the others.
    """
    warmup.for_build(config, cache)
    try:
        return _build(config, events_dir, week, today, out, drafts, preheader, cache)
    finally:
        aside.stop()


def _build(config: Path, events_dir: Path, week: str | None, today: date | None, out: Path | None, drafts: bool,
           preheader: str | None, cache: bool) -> Build:
    settings = load_settings(config)
    chosen = choose_week(settings, week, today)
    project = load_project(config, events_dir, cache, settings, windows=[digest_window(chosen, settings)])
    if aside.running():  # once the project's cache is open, so that email.css is not compiled twice
        from newsletter.rendering.render import warm_inliner

        warm_inliner(project.settings)
    if preheader is not None:
        project.settings = replace(project.settings, preheader=preheader)
    results = [render_week(project.edition(language), chosen, drafts=drafts)
               for language in project.settings.editions]
    target = out if out is not None else Path("dist") / chosen.id
    results[0].removed = write_editions(target, results, "digest")
    for result in results:
        result.warnings.extend(shared_findings(result))
    if project.compiled is not None:  # written: what rendering made is worth keeping for the next command
        project.compiled.save()
    results[0].translations = results[1:]
    return results[0]


