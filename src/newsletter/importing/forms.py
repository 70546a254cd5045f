"""Volunteers' submissions: a form's responses (a Google Form's sheet, downloaded as CSV) read through the
[import.form] column mapping, each row an event file with `draft: true` for an organizer to review."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from typing import Any

from newsletter.importing.fetch import ImportProblem
from newsletter.importing.ical import Incoming, KindOf, Reading
from newsletter.importing.markdown import description
from newsletter.importing.writing import end_text, when_text
from newsletter.models import Settings

# Where dates are written month first (3/5/2026 is March 5): the United States and its neighbours in usage.
MONTH_FIRST = frozenset({"US", "PR", "PH", "CA", "BZ", "FM", "MH", "PW", "GU", "AS", "VI", "UM", "MP"})
_SEPARATED = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")


def read_form(data: bytes, name: str, settings: Settings, kind_of: KindOf) -> tuple[Reading, list[str]]:
    """The rows of a form's responses as events, and a one-line problem for each row that does not read."""
    columns = dict(settings.importing.form)
    if not columns:
        raise ImportProblem(f"{name}: a CSV file is read as a form's responses, and newsletter.toml has no "
                            "[import.form] table saying which column holds which field "
                            "(title = \"Event name\", start = \"Date and time\", …)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(f"{name}: not UTF-8 text: download the responses again as CSV (UTF-8)") from None
    rows = csv.DictReader(io.StringIO(text, newline=""))
    headings = rows.fieldnames or []
    missing = [(key, heading) for key, heading in columns.items() if heading not in headings]
    if missing:
        key, heading = missing[0]
        raise ImportProblem(f"{name}: no column '{heading}' ([import.form] {key} names it); the file's columns are: "
                            + ", ".join(f"'{h}'" for h in headings))
    ident = columns.get("id") or ("Timestamp" if "Timestamp" in headings else None)
    events, problems = [], []
    for number, row in enumerate(rows, start=2):  # the headings are row 1
        if not any((value or "").strip() for value in row.values()):
            continue
        try:
            events.append(_event(row, columns, ident, settings, kind_of))
        except _RowProblem as exc:
            heading = columns.get(exc.key, exc.key)
            problems.append(f"{name}: row {number}: column '{heading}' ({exc.key}): {exc}")
    return Reading(events, []), problems


class _RowProblem(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def _event(row: dict[str, Any], columns: dict[str, str], ident: str | None, settings: Settings,
           kind_of: KindOf) -> Incoming:
    from newsletter.schedule.dates import BadDate, parse_end

    def value(key: str) -> str:
        return " ".join(str(row.get(columns[key]) or "").split()) if key in columns else ""

    title = value("title")
    if not title:
        raise _RowProblem("title", "is empty: every event needs a name")
    start, all_day = _when(value("start"), settings)
    front: dict[str, Any] = {"title": title}
    chosen = value("kind")
    known = {k.id.lower(): k.id for k in settings.kinds} | {k.label.lower(): k.id for k in settings.kinds}
    front["kind"] = known.get(chosen.lower()) or kind_of(title, [chosen] if chosen else [])
    front["start"] = start.date().isoformat() if all_day else when_text(start)
    if end := value("end"):
        try:
            ends, is_date = parse_end(end, start, settings.timezone)
        except BadDate:
            try:
                ends, is_date = _when(end, settings, start.date())
            except _RowProblem as exc:
                raise _RowProblem("end", str(exc)) from None
        if ends <= start and not is_date:
            raise _RowProblem("end", f"'{end}' is not after the start")
        front["end"] = ends.date().isoformat() if is_date else (
            end_text(start, ends))
    place, address = value("location"), value("address")
    if place and address:
        front["location"] = {"name": place, "address": address}
    elif place or address:
        front["location"] = place or {"address": address}
    for key in ("online", "rsvp", "donate"):
        if link := value(key):
            if not re.match(r"(?i)^(https?://\S+|mailto:\S+)$", link):
                raise _RowProblem(key, f"'{link}' is not a web address (https://…)")
            front[key] = link
    if summary := value("summary"):
        front["summary"] = summary
    if hosts := value("hosts"):
        front["hosts"] = [name.strip() for name in hosts.split(",") if name.strip()]
    if accessibility := value("accessibility"):
        front["accessibility"] = accessibility
    front["draft"] = True  # a volunteer's submission: an organizer reviews it and removes this line
    body = description(str(row.get(columns["description"]) or "")) if "description" in columns else ""
    key = str(row.get(ident) or "").strip() if ident else ""
    if not key:  # no column tells the responses apart: the answers themselves do
        key = hashlib.sha256("\0".join(str(v) for v in row.values()).encode("utf-8")).hexdigest()[:16]
    return Incoming(f"response {key}", front, body, start)


def _when(text: str, settings: Settings, day: date | None = None) -> tuple[datetime, bool]:
    """A form's date and time as typed or as a spreadsheet wrote it: 2026-03-05 19:00, 3/5/2026 19:00:00 (month
    first where the group's region writes it so), 5.3.2026 19:00, Thursday, March 5, 2026 7:00 PM."""
    from newsletter.schedule.dates import BadDate, parse_when

    if not text:
        raise _RowProblem("start", "is empty: when does the event start?")
    try:
        return parse_when(text, settings.timezone)
    except BadDate:
        pass
    from babel.core import get_global
    from dateutil import parser

    territory = get_global("zone_territories").get(settings.timezone_name or "")
    try:
        found = parser.parse(text, dayfirst=territory not in MONTH_FIRST,
                             default=datetime.combine(day or date.today(), datetime.min.time()))
    except (ValueError, OverflowError):
        raise _RowProblem("start", f"'{text}' is not a date and time newsletter can read: write 2026-03-05 19:00") from None
    has_time = bool(re.search(r"\d:\d\d|\d\s*(am|pm)\b|noon", text, re.IGNORECASE))
    if found.tzinfo is not None:
        found = found.astimezone(settings.timezone).replace(tzinfo=None)
    return found.replace(tzinfo=settings.timezone), not has_time

