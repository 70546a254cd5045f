"""Writes a decade-sized events folder to measure newsletter at scale: deterministic for a given seed.

    python benchmarks/corpus.py OUT --files 10000 [--seed 7]

About 20 events a week from 2017-01-02 on, of every built-in kind, with
50–600-word Markdown bodies, locations, hosts, speakers and links; one in
fifty is a weekly series that runs for ten weeks. OUT gets a newsletter.toml
(the sample's settings) and an events/ folder, one year per subfolder.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("rally", "meeting", "panel", "study-group", "other", "meeting")
PLACES = (
    ("Cambridge Community Center", "5 Callender St, Cambridge, MA 02139"),
    ("Boston City Hall Plaza", "1 City Hall Square, Boston, MA 02201"),
    ("Encuentro 5", "9 Hamilton Place, Boston, MA 02108"),
    ("Democracy Center", "45 Mt Auburn St, Cambridge, MA 02138"),
    ("Haley House", "23 Dartmouth St, Boston, MA 02116"),
)
WORDS = ("tenants", "organize", "union", "rent", "housing", "solidarity", "meeting", "strike", "city", "council",
         "workers", "together", "neighbours", "campaign", "justice", "history", "reading", "debate", "march",
         "coalition", "landlord", "eviction", "defend", "community", "fund", "bring", "friends", "discussion")
SUBJECTS = ("Rent Strike", "Eviction Defense", "Study Group", "Solidarity", "Housing Justice", "Know Your Rights",
            "Tenant Assembly", "Fund Drive", "Film Night", "Panel")


def paragraph(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    chosen[0] = chosen[0].capitalize()
    if words > 8:
        chosen[words // 2] = f"**{chosen[words // 2]}**"
    return " ".join(chosen) + "."


def body(rng: random.Random) -> str:
    left, parts = rng.randint(50, 600), []
    while left > 0:
        size = min(left, rng.randint(30, 90))
        parts.append(paragraph(rng, size))
        left -= size
    if rng.random() < 0.3:
        parts.insert(1, "\n".join(f"- {paragraph(rng, 6)}" for _ in range(3)))
    return "\n\n".join(parts)


def event_file(rng: random.Random, day: date, number: int) -> tuple[str, str]:
    kind = rng.choice(KINDS)
    title = f"{rng.choice(SUBJECTS)} {number}: {paragraph(rng, 4).rstrip('.')}"
    hour = rng.choice((10, 12, 14, 18, 19))
    place, address = rng.choice(PLACES)
    slug = f"{day.isoformat()}-{kind}-{number}"
    lines = ["---", f'title: "{title}"', f"kind: {kind}", f"start: {day.isoformat()} {hour}:00",
             f"end: {hour + 2}:00", "location:", f"  name: {place}", f"  address: {address}",
             "hosts:", "  - Tenants Together", f"summary: {paragraph(rng, 14)}"]
    if rng.random() < 0.3:
        lines += ["speakers:", f"  - name: Speaker {number}", f"    bio: {paragraph(rng, 10)}"]
    if rng.random() < 0.3:
        lines += ["links:", "  - label: Reading", f"    url: https://example.org/reading/{number}"]
    if rng.random() < 0.05:
        lines += ["status: cancelled", f"status_note: {paragraph(rng, 8)}"]
    if rng.random() < 0.02:
        lines += ["repeat:", "  every: week", "  count: 10"]
    lines += ["---", "", body(rng), ""]
    return f"{day.year}/{slug}.md", "\n".join(lines)


def write_corpus(out: Path, files: int, seed: int = 7, per_week: int = 20) -> Path:
    """A project folder with `files` event files; returns its newsletter.toml."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "newsletter.toml", out / "newsletter.toml")
    events = out / "events"
    first = date(2017, 1, 2)
    for number in range(files):
        day = first + timedelta(days=number * 7 // per_week)
        name, text = event_file(rng, day, number)
        path = events / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out / "newsletter.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    config = write_corpus(args.out, args.files, args.seed)
    print(f"Wrote {args.files} event files under {config.parent / 'events'}")


if __name__ == "__main__":
    main()
