"""imported.json, beside newsletter.toml: what `newsletter import` wrote for each event of each source, and when
each source was last imported (read by `list` and the preview; written by importing/sync.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

STATE = "imported.json"


def last_imports(root: Path) -> dict[str, datetime]:
    """When each source was last imported into the project at `root`; empty when nothing was, or the record
    cannot be read (`newsletter import` says why)."""
    try:
        found = json.loads((root / STATE).read_text(encoding="utf-8"))
        return {name: datetime.fromisoformat(record["imported"]) for name, record in found["sources"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
