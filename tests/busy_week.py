"""A generated busy week: many events with long descriptions, for the size and layout tests and the benchmark."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

KINDS = ("rally", "meeting", "panel", "study-group", "other")
WORDS = ("tenants organize neighbors landlord repairs rent strike building committee city council hearing "
         "eviction defense housing court solidarity union dues childcare interpreters accessible entrance "
         "petition delegation testimony canvass door knocking phone bank march picket coalition demands").split()
FIRST_DAY = date(2018, 1, 22)  # a Monday: the week 2018-W04


def sentence(seed: int, length: int) -> str:
    words = [WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(length)]
    return " ".join(words).capitalize() + "."


def description(seed: int, paragraphs: int = 4) -> str:
    return "\n\n".join(" ".join(sentence(seed + p * 5 + s, 12 + (s * 3) % 9) for s in range(8))
                       for p in range(paragraphs))


def event_text(number: int, paragraphs: int = 4) -> str:
    """The file of event `number`: a day and hour of the week spread by number, some cancelled or without a summary."""
    day = FIRST_DAY + timedelta(days=number % 7)
    hour = 9 + (number * 5) % 12
    kind = KINDS[number % len(KINDS)]
    lines = [
        "---",
        f'title: "Busy week event {number:02d}: {sentence(number, 5)[:-1]}"',
        f"kind: {kind}",
        f"start: {day.isoformat()} {hour:02d}:00",
        f"end: {day.isoformat()} {hour + 1:02d}:30",
        "location:",
        f"  name: Union Hall room {number}",
        f"  address: {100 + number} Example Street, Boston, MA",
        f"rsvp: https://example.org/rsvp/{number}",
    ]
    if number % 3:
        lines.append(f"summary: {sentence(number + 1, 14)}")
    if number % 11 == 4:
        lines.append("status: cancelled")
    lines += ["---", "", description(number, paragraphs), ""]
    return "\n".join(lines)


def write_busy_week(events: Path, count: int = 30, paragraphs: int = 4) -> list[Path]:
    """`count` event files in `events` for the week of January 22, 2018, each with a long description."""
    events.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = events / f"2018-01-busy-{number:02d}.md"
        path.write_text(event_text(number, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths
