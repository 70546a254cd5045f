"""`newsletter check`: every problem in every file at once, then a trial build of the week or of one event's email."""

from __future__ import annotations

from msgspec import Struct, field
from msgspec.structs import replace
from datetime import date
from pathlib import Path

from newsletter.outputs.build import render_week
from newsletter.outputs.project import Project, choose_week, compiled_cache, read_events, today_in
from newsletter.outputs.rendered import Rendered, shared_findings
from newsletter.sources.config import load_settings
from newsletter.errors import InvalidInput, NewsletterError, NoEvents
from newsletter.models import Finding, Week


class Report(Struct):
    problems: list[str] = field(default_factory=list)  # invalid files: path:line: field: message
    findings: list = field(default_factory=list)  # lint.Finding for the rendered digest
    notes: list[str] = field(default_factory=list)
    files: int = 0  # event files
    translations: int = 0  # translation files beside them
    week: Week | None = None
    target: str = ""  # what was rendered: the week's id, or the event's
    html_name: str = "digest.html"
    html_bytes: int | None = None
    spam: object | None = None  # spam.SpamReport with --spam

    @property
    def errors(self) -> int:
        return len(self.problems) + sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    def ok(self, strict: bool = False) -> bool:
        return self.errors == 0 and not (strict and self.warnings)


def check(config: Path, events_dir: Path, week: str | None = None, today: date | None = None,
          spam: bool = False, event: str | None = None, reminder: bool = False, cache: bool = True) -> Report:
    """Validate settings and events, then render the week (or `event`'s email) in memory and lint it."""
    from newsletter.checks.lint import image_findings, lint
    from newsletter.checks.readiness import readiness

    report = Report()
    try:
        settings = load_settings(config)
    except InvalidInput as exc:
        report.problems.extend(str(p) for p in exc.problems)
        return report
    events, problems = read_events(config, events_dir, settings, cache)
    if events_dir.is_dir():
        from newsletter.sources.events import count_files

        report.files, report.translations = count_files(events_dir)
    report.problems.extend(str(p) for p in sorted(problems, key=lambda p: (p.path, p.line or 0)))
    if problems:
        return report
    try:
        if event is None:
            report.week = choose_week(settings, week, today)
            report.target = report.week.id
            project = Project(settings, events, compiled_cache(config, cache))
            editions = [render_week(project.edition(language), report.week) for language in settings.editions]
            built = editions[0]
            built.translations = editions[1:]
            report.findings.extend(built.fit_warnings)
            result: Rendered = built
            shown = list(built.digest.events)
        else:
            from newsletter.outputs.announce import announcement_for

            project = Project(settings, events, compiled_cache(config, cache))
            announced = announcement_for(project, events_dir, event, reminder, today)
            report.target, report.html_name = announced.event.id, "announcement.html"
            report.findings.extend(announced.warnings)
            result = announced
            shown = [announced.event]
    except NoEvents as exc:
        report.notes.append(str(exc))
        return report
    except InvalidInput as exc:
        report.problems.extend(str(p) for p in exc.problems)
        return report
    except NewsletterError as exc:
        report.problems.append(str(exc))
        return report
    report.html_bytes = result.html_bytes
    images = [settings.theme.logo, *(e.image for e in shown)]
    report.findings.extend(image_findings([i for i in dict.fromkeys(images) if i is not None]))
    report.findings.extend(_unpublished_images(settings, [i.file for i in images if i is not None and i.file]))
    report.findings.extend(readiness(settings, events, shown, today or today_in(settings)))
    subject_fix = "shorten the event's title, or the announce_subject setting" if event else "shorten the subject setting"
    report.findings = lint(result.email, settings, subject_fix) + report.findings
    report.findings.extend(shared_findings(result))
    for edition in result.translations:  # another language's edition: what differs is its words and its size
        found = edition.warnings if event is None else []
        found = [f for f in lint(edition.email, edition.settings, subject_fix) + found
                 if str(f) not in {str(g) for g in report.findings}]
        report.findings.extend(replace(f, message=f"{edition.language} edition: {f.message}") for f in found)
    if spam:
        from newsletter.checks.spam import spam_report

        report.spam = verdict = spam_report(result.outputs[result.eml_name])
        if verdict.score >= verdict.required:
            report.findings.insert(0, Finding("error", f"SpamAssassin scores the message {verdict.score:g}, "
                                              f"at or over its {verdict.required:g} spam threshold",
                                              "see the rules below and change what they point at"))
        elif verdict.score >= 1.0:
            report.findings.append(Finding("warning", f"SpamAssassin scores the message {verdict.score:g}",
                                           "see the rules below; well-behaved newsletters score under 1"))
        if "MPART_ALT_DIFF" in verdict.names:
            stem = report.html_name.removesuffix(".html")
            report.findings.append(Finding("warning", "SpamAssassin finds the text and HTML parts say different things",
                                           f"keep {stem}.txt and {stem}.mjml in step"))
    if project.compiled is not None:  # the email as checked is the one `build` and `send` will want next
        project.compiled.save()
    return report


def _unpublished_images(settings, files: list[str]) -> list[Finding]:
    """The email's own image files that the archive at archive_url does not have as they are now."""
    from newsletter.outputs.archive import unpublished

    words = {"missing": "no `newsletter archive` run has written it", "changed": "it changed since the last "
             "`newsletter archive` run wrote it"}
    return [Finding("warning", f"the email shows {settings.archive_url}{relative}, but {words[state]}, so readers "
                    "would see a broken or old image", "run `newsletter archive` and publish the site before sending")
            for relative, state in unpublished(settings, files).items()]
