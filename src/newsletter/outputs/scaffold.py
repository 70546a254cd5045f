"""`newsletter new`: a new event file with every optional field listed, commented out."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from newsletter.schedule.dates import BadDate, parse_end, parse_when
from newsletter.errors import NewsletterError
from newsletter.sources.events import display_path
from newsletter.models import Settings
from newsletter.sources.fields import unknown_kind

SCAFFOLD = """\
---
title: {title}
kind: {kind}
start: {start}
{end}{location}# summary: One line that makes people want to come
# timezone: America/New_York       # only if not the newsletter's own
# online: https://example.org/stream
# hosts:
#   - Name of a host
# speakers:
#   - name: Speaker's name
#     bio: One line about them
# links:
#   - label: Reading for the discussion
#     url: https://example.org/reading
# short_title: CERSC               # a short name for the buttons: "Donate to CERSC"
# rsvp: https://example.org/rsvp
# donate: https://example.org/donate
# accessibility: Step-free entrance; ASL interpretation on request
# image:
#   src: images/poster.jpg         # a file in this folder, or an https:// address
#   alt: What the image shows
# status: scheduled                # rescheduled, postponed or cancelled
# rescheduled_from: 2018-01-04 19:00
# status_note: Moved because of the storm  # with a status: why the plan changed
# repeat:                          # one file for a meeting that comes round
#   every: week                    # day, week or month
#   on: thursday                   # weekly: weekdays; monthly: first thursday, last friday or 15
#   until: 2018-06-28              # or count: 20; or neither, for no end
#   except: [2018-02-22]           # dates with no meeting
# changes:                         # a date that differs: any field but repeat and kind
#   2018-03-01: {{status: cancelled, status_note: Snow day}}
# draft: true                      # kept out of the digest until removed
---

Describe the event here in Markdown: why it matters, what to bring, what
people will do. Lists, **emphasis** and [links](https://example.org) work.
"""


def slugify(title: str) -> str:
    """'#MeToo: The Fight' -> 'metoo-the-fight'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "event"


def _quote(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def new_event(events_dir: Path, settings: Settings, kind: str, title: str, start: str,
              end: str | None = None, location: str | None = None) -> Path:
    """Write events/<date>-<slug>.md; never replaces an existing file."""
    known = [k.id for k in settings.kinds]
    if kind not in known:
        raise NewsletterError(f"KIND: {unknown_kind(kind, known)}")
    if not title.strip():
        raise NewsletterError("TITLE: the event needs a title")
    try:
        begins, _ = parse_when(start, settings.timezone)
    except BadDate as exc:
        raise NewsletterError(f"--start: {exc}") from None
    if end:
        try:
            parse_end(end, begins, settings.timezone)
        except BadDate as exc:
            raise NewsletterError(f"--end: {exc}") from None
    text = SCAFFOLD.format(
        title=_quote(title.strip()),
        kind=kind,
        start=start.strip(),
        end=f"end: {end.strip()}\n" if end else "# end: 21:00                      # a time, a date-time or a date\n",
        location=f"location: {_quote(location.strip())}\n" if location else (
            "# location:\n#   name: Where it is\n#   address: Street, city\n#   notes: Entrance on the side street\n"),
    )
    path = events_dir / f"{begins.date().isoformat()}-{slugify(title)}.md"
    events_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError:
        raise NewsletterError(f"{display_path(path)} already exists: not overwriting it") from None
    return path
