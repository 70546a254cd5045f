"""What in a group's settings and events would embarrass it in front of its list, found before it sends.

These are findings about the project rather than the rendered email (that
is lint.py): the example text of `newsletter new` left in, settings left at
their defaults, and events that are over or cancelled without a word.
"""

from __future__ import annotations

from datetime import date, datetime, time
from email.utils import parseaddr

from newsletter.schedule.dates import around_gap, clock_change, format_day, format_time
from newsletter.models import Event, Finding, Settings

PLACEHOLDER = "Describe the event here in Markdown"  # the first words of the scaffold's body
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def readiness(settings: Settings, events: list[Event], shown: list[Event], today: date | None) -> list[Finding]:
    """Findings for the whole project (`events`) and for what this email shows (`shown`), as of `today`."""
    return (_placeholders(events) + _settings_left(settings, events) + _language(settings)
            + _over(shown, settings, today) + _unexplained(shown) + _untranslated(settings, shown)
            + _kinds_untranslated(settings, events) + _clock_changes(shown))


def _placeholders(events: list[Event]) -> list[Finding]:
    return [Finding("error", f"{e.path}: the description is still the example text of `newsletter new`",
                    "write what the event is about under the --- line, or delete that paragraph")
            for e in events if PLACEHOLDER in e.body]


def _settings_left(settings: Settings, events: list[Event]) -> list[Finding]:
    found = []
    if events and "timezone" not in settings.lines:
        found.append(Finding("warning", "events are read as UTC, the default time zone",
                             f"set timezone in {settings.path}, such as timezone = \"America/New_York\""))
    domain = parseaddr(settings.sender)[1].rpartition("@")[2].lower()
    if "from" not in settings.lines:
        found.append(Finding("warning", f"there is no from address, so the email would come from {settings.sender}",
                             f"set from in {settings.path}, such as from = \"Our Group <news@our-group.org>\""))
    elif domain in EXAMPLE_DOMAINS:
        found.append(Finding("warning", f"the from address {settings.sender} is an example address, which no one "
                             "can reply to and spam filters distrust",
                             f"set from in {settings.path} to the group's own address"))
    smtp = settings.smtp
    if smtp is not None and smtp.password_in_clear:
        found.append(Finding("warning", f"smtp.security = \"none\" sends the password for {smtp.username} "
                             f"unencrypted to {smtp.host}, and `send` refuses to",
                             f"set security = \"starttls\" (port 587) or \"ssl\" (port 465) under [smtp] in "
                             f"{settings.path}"))
    return found


def _language(settings: Settings) -> list[Finding]:
    from newsletter.i18n import LANGUAGES, has_catalog

    return [Finding("warning", f"newsletter has no catalog for '{code}' yet: the dates are in that "
                    "language, the labels in English",
                    f"use one of {', '.join(LANGUAGES)}, or add a catalog (see Development in newsletter's documentation)")
            for code in (settings.languages or (settings.language,)) if not has_catalog(code)]


def _untranslated(settings: Settings, shown: list[Event]) -> list[Finding]:
    """Each event this email shows that another of the group's languages still reads in the primary one."""
    from newsletter.i18n import english_name
    from newsletter.sources.translations import untranslated

    found = []
    events = list({(e.series or e.id): e for e in shown}.values())
    for code in settings.languages[1:]:
        for event in events:
            missing = untranslated(event, code, settings.primary)
            if not missing:
                continue
            own = event.path.removesuffix(".md") + f".{code}.md"
            if event.translation(code) is None:
                found.append(Finding("warning", f"{event.path}: '{event.title}' has no {english_name(code)} "
                                     f"translation yet, so it is shown in {english_name(settings.primary)}",
                                     f"write {own} with its title, summary and description"))
            elif event.occurrence is not None and "status_note" in missing:
                # A date's own change is translated under changes: and that date, not at the top of the file.
                found.append(Finding("warning", f"{own} leaves {', '.join(missing)} untranslated",
                                     f"add {'them' if len(missing) > 1 else 'it'} to {own}, the words of the "
                                     f"{event.occurrence} change under changes: and {event.occurrence}:"))
            else:
                found.append(Finding("warning", f"{own} leaves {', '.join(missing)} untranslated",
                                     f"add {'them' if len(missing) > 1 else 'it'} to {own}"))
    return found


def _over(shown: list[Event], settings: Settings, today: date | None) -> list[Finding]:
    if today is None:
        return []
    now = datetime.combine(today, time(0), tzinfo=settings.timezone)
    return [Finding("warning", f"'{e.title}' ended on {format_day(e.last_day, today.year)}, before today, and is "
                    "still listed as scheduled",
                    "send the digest before its week begins; if the event did not happen, set its status")
            for e in shown if e.status == "scheduled" and e.ends_at <= now]


def _unexplained(shown: list[Event]) -> list[Finding]:
    return [Finding("warning", f"{e.path}: '{e.title}' is {e.status} without a word why",
                    "add status_note: one line saying why, such as status_note: Called off for the snowstorm")
            for e in shown if e.is_off and not e.status_note]


def _clock_changes(shown: list[Event]) -> list[Finding]:
    """Times that the clocks skip or pass twice, which calendars and the email would read differently.

    A single event's own start is refused when it is read; a date of a
    series, or the end of an event, can still land on one.
    """
    found = []
    for event in shown:
        if event.all_day:
            continue
        for name, moment in (("starts", event.start), ("ends", None if event.end_is_date else event.end)):
            change = clock_change(moment) if moment is not None else None
            if change is None or moment is None:
                continue
            day = format_day(moment.date(), moment.year)
            where = f"{event.path}: '{event.title}' {name} at {format_time(moment.time())} on {day}"
            field = name.removesuffix("s")
            where_fix = f"under changes:, give {event.occurrence} a {field} of" if event.occurrence else f"write {field}:"
            if change == "skipped":
                before, after = around_gap(moment)
                found.append(Finding(
                    "error", f"{where}, a time that does not exist in {moment.tzinfo}: the clocks go forward then, "
                    f"and calendars would show {format_time(after.time())}",
                    f"{where_fix} {after:%Y-%m-%d %H:%M} (or {before:%H:%M})"))
            else:
                found.append(Finding(
                    "warning", f"{where}, which happens twice in {moment.tzinfo} as the clocks go back: "
                    f"newsletter means the first, {moment:%H:%M} {moment.tzname()} (UTC{_offset(moment)})",
                    f"to mean the second, {where_fix} {moment.replace(fold=1):%Y-%m-%d %H:%M}"
                    f"{_offset(moment.replace(fold=1))}, with its offset"))
    return found


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def _kinds_untranslated(settings: Settings, events: list[Event]) -> list[Finding]:
    """The group's own kinds, used by its events, that another edition's language has no words for."""
    from newsletter.models import DEFAULT_KINDS
    from newsletter.i18n import english_name

    used = {e.kind for e in events}
    found = []
    for code in settings.editions:
        if code == settings.primary:
            continue
        for kind in settings.kinds:
            builtin = next((k for k in DEFAULT_KINDS if k.id == kind.id), None)
            own = [word for word, value in (("heading", kind.heading), ("label", kind.label))
                   if builtin is None or getattr(builtin, word) != value]
            heading, label = kind.words(code)
            missing = [word for word in own if not {"heading": heading, "label": label}[word]]
            if kind.id in used and missing:
                found.append(Finding(
                    "warning", f"the kind '{kind.id}' has no {' or '.join(missing)} in {english_name(code)}, so the "
                    f"{code} edition shows '{kind.heading if 'heading' in missing else kind.label}' as written",
                    f"add translations = {{ {code} = {{ heading = \"…\", label = \"…\" }} }} to its [[kinds]] in "
                    f"{settings.path}"))
    return found
