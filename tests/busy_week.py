"""A generated busy week: many events with long descriptions, for the size and layout tests and the benchmark."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

KIND_WORDS = (
    ("rally", ("Rally", "March", "Picket", "Vigil", "Delegation", "court watch")),
    ("panel", ("Panel",)),
    ("study-group", ("Reading group", "Study group")),
    ("meeting", ("assembly", "committee", "meeting", "orientation", "planning", "training", "clinic", "workshop")),
)
TITLES = (
    "Building committee: repairs at 88 Elm Street", "Rent strike assembly", "Eviction defense training",
    "Housing court watch", "Door knocking on Dudley Street", "Tenant rights clinic", "Picket at the landlord's office",
    "Phone bank for the rent control bill", "Reading group: The Shock Doctrine", "City council hearing on rent control",
    "New members' orientation", "Childcare collective planning", "Spanish-language tenant meeting",
    "March for housing justice", "Panel: Public housing then and now", "Banner-making party",
    "Delegation to the housing authority", "Know your rights workshop", "Potluck and film night",
    "Canvass for the Elm Street petition", "Study group: Organizing the unorganized", "Coalition meeting with the nurses' union",
    "Rally against the Maple Street evictions", "Testimony practice for the hearing", "Repair-request letter writing night",
    "Panel: Fighting displacement in Boston", "Outreach table at the farmers' market", "Strike fund committee",
    "Vigil for the Fairmount tenants", "Tenants' union general assembly",
)
SENTENCES = (
    "Tenants from every floor are invited, and newcomers are welcome.",
    "We will go over the demands the building committee agreed on last month.",
    "Bring a copy of your lease if you have one, and any letters from the management company.",
    "Interpretation in Spanish and Haitian Creole is available on request.",
    "The landlord has ignored repair requests for heat, hot water and pests since October.",
    "A lawyer from the legal aid clinic will answer questions about notices to quit.",
    "Childcare and a light dinner are provided; tell us in advance how many children are coming.",
    "Last year the union won rent freezes in four buildings by acting together.",
    "Our petition has 300 signatures so far, and we want 500 before the hearing.",
    "The city council votes on the rent stabilization ordinance at the end of the month.",
    "Wear red to show that the neighborhood stands together.",
    "We meet at the corner and walk over together at the start time.",
)
FIRST_DAY = date(2018, 1, 22)  # a Monday: the week 2018-W04


def sentence(seed: int, length: int = 0) -> str:
    return SENTENCES[seed % len(SENTENCES)]


def description(seed: int, paragraphs: int = 4) -> str:
    return "\n\n".join(" ".join(SENTENCES[(seed + p * 5 + s * 7) % len(SENTENCES)] for s in range(7))
                       for p in range(paragraphs))


def event_text(number: int, paragraphs: int = 4) -> str:
    """The file of event `number`: a day and hour of the week spread by number, some cancelled or without a summary."""
    day = FIRST_DAY + timedelta(days=number % 7)
    hour = 9 + (number * 5) % 12
    title = TITLES[(number - 1) % len(TITLES)]
    kind = next((kind for kind, words in KIND_WORDS if any(w in title for w in words)), "other")
    lines = [
        "---",
        f'title: "{title}"',
        f"kind: {kind}",
        f"start: {day.isoformat()} {hour:02d}:00",
        f"end: {day.isoformat()} {hour + 1:02d}:30",
        "location:",
        f"  name: Union Hall room {number}",
        f"  address: {100 + number} Example Street, Boston, MA",
        f"rsvp: https://example.org/rsvp/{number}",
    ]
    if number % 3:
        lines.append(f"summary: {sentence(number + 1)}")
    if number % 11 == 4:
        lines.append("status: cancelled")
    lines += ["---", "", description(number, paragraphs), ""]
    return "\n".join(lines)


def write_busy_week(events: Path, count: int = 30, paragraphs: int = 4) -> list[Path]:
    """`count` event files in `events` for the week of January 22, 2018, each with a long description."""
    events.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        slug = re.sub(r"[^a-z0-9]+", "-", TITLES[(number - 1) % len(TITLES)].lower()).strip("-")
        path = events / f"2018-01-{number:02d}-{slug}.md"
        path.write_text(event_text(number, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths
