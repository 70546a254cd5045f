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
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    week: Week | None = None
    html_bytes: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check(config: Path, events_dir: Path, week: str | None = None, today: date | None = None) -> Report:
    """Validate settings and events, then render the week in memory and measure it."""
    from newsletter.render import GMAIL_CLIP_BYTES

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
    if result.html_bytes > GMAIL_CLIP_BYTES:
        report.problems.append(
            f"digest.html: {result.html_bytes / 1000:.1f} KB is over Gmail's 102 KB limit: "
            "Gmail would clip it (shorten descriptions or move events to the archive)"
        )
    return report
