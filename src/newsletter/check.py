"""`newsletter check`: every problem in every file at once, then a trial build of the week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from newsletter.build import Project, choose_week, render_week
from newsletter.config import load_settings
from newsletter.errors import InvalidInput, NewsletterError, NoEvents
from newsletter.events import event_files, load_events
from newsletter.models import Week


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)  # invalid files: path:line: field: message
    findings: list = field(default_factory=list)  # lint.Finding for the rendered digest
    notes: list[str] = field(default_factory=list)
    files: int = 0
    week: Week | None = None
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
          spam: bool = False) -> Report:
    """Validate settings and events, then render the week in memory and lint it."""
    from newsletter.lint import Finding, lint

    report = Report()
    try:
        settings = load_settings(config)
    except InvalidInput as exc:
        report.problems.extend(str(p) for p in exc.problems)
        return report
    events, problems = load_events(events_dir, settings)
    report.files = len(event_files(events_dir)) if events_dir.is_dir() else 0
    report.problems.extend(str(p) for p in sorted(problems, key=lambda p: (p.path, p.line or 0)))
    if problems:
        return report
    try:
        report.week = choose_week(settings, week, today)
        result = render_week(Project(settings, events), report.week)
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
    report.findings = lint(result.email, settings)
    if spam:
        from newsletter.spam import spam_report

        report.spam = verdict = spam_report(result.outputs["digest.eml"])
        if verdict.score >= verdict.required:
            report.findings.insert(0, Finding("error", f"SpamAssassin scores the message {verdict.score:g}, "
                                              f"at or over its {verdict.required:g} spam threshold",
                                              "see the rules below and change what they point at"))
        elif verdict.score >= 1.0:
            report.findings.append(Finding("warning", f"SpamAssassin scores the message {verdict.score:g}",
                                           "see the rules below; well-behaved newsletters score under 1"))
        if "MPART_ALT_DIFF" in verdict.names:
            report.findings.append(Finding("warning", "SpamAssassin finds the text and HTML parts say different things",
                                           "keep digest.txt and digest.mjml in step"))
    return report
