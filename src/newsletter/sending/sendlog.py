"""The send log: `sent.log` next to newsletter.toml, one JSON object per line for every real send.

It is what stops the same message going to the same people twice: a digest
rebuilt without changes has the same Message-ID, so `send` can tell.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsletter.errors import NewsletterError

LOG_NAME = "sent.log"


@dataclass
class Entry:
    time: str  # ISO 8601 with its offset
    what: str  # "digest 2018-W04", "reminder 2018-01-27-rally"
    message_id: str
    subject: str
    recipients: list[str]  # who the server accepted it for
    result: str  # "sent" or "partly sent"
    refused: dict[str, str] = field(default_factory=dict)


def log_path(root: Path) -> Path:
    return root / LOG_NAME


def read_log(path: Path) -> list[Entry]:
    """Every entry, oldest first; a line that is not an entry is an error naming it."""
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entries.append(Entry(**data))
        except (ValueError, TypeError):
            raise NewsletterError(f"{path.name}:{number}: not a line newsletter wrote; "
                                  "fix or remove it (each line is one send, in JSON)") from None
    return entries


def append(path: Path, entry: Entry) -> None:
    """Add one line, flushed to disk before `send` reports success."""
    line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line)
        stream.flush()
        os.fsync(stream.fileno())


def earlier_send(entries: list[Entry], message_id: str, recipients: list[str]) -> tuple[Entry, list[str]] | None:
    """The first earlier send of this message to any of `recipients`, and which of them got it then."""
    wanted = {r.lower() for r in recipients}
    for entry in entries:
        if entry.message_id == message_id:
            again = [r for r in entry.recipients if r.lower() in wanted]
            if again:
                return entry, again
    return None
