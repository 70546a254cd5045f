"""imported.json, beside newsletter.toml: what `newsletter import` wrote for each event of each source, and when
(written by importing/sync.py); and, in the project's cache, when each source was last read, which an import
that changes nothing notes there rather than in the project (read by `list` and the preview)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

STATE = "imported.json"
CHECKED = "imports.json"  # in .newsletter-cache/


def checked(root: Path, source: str, when: datetime) -> None:
    """Note in the project's cache that `source` was read at `when` (lost with the cache: only a display)."""
    from newsletter.sources.store import FOLDER, keep

    path = root / FOLDER / CHECKED
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    known[source] = when.isoformat(timespec="seconds")
    keep(path, json.dumps(known, sort_keys=True).encode("utf-8"))


def last_imports(root: Path) -> dict[str, datetime]:
    """When each source was last imported into the project at `root`; empty when nothing was, or the record
    cannot be read (`newsletter import` says why)."""
    from newsletter.sources.store import FOLDER

    found: dict[str, datetime] = {}
    try:
        record = json.loads((root / STATE).read_text(encoding="utf-8"))
        found = {name: datetime.fromisoformat(entry["imported"]) for name, entry in record["sources"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        for name, when in json.loads((root / FOLDER / CHECKED).read_text(encoding="utf-8")).items():
            moment = datetime.fromisoformat(when)
            found[name] = max(found.get(name, moment), moment)
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return found
