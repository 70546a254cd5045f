"""What each file of the archive was built from, so that a re-run renders only what changed.

Every file the archive writes has a key: a hash of everything it is made
from (the events it shows, the settings, the templates, the catalogs and
newsletter's own code, and the day for what depends on it). The manifest,
kept in .newsletter-cache/ and named after the output folder, records each
file's key and size. A file whose key and size are the same as last time is
not rendered again; a file the manifest lists that the archive no longer
produces (an event that was deleted) is removed, and nothing else is.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from pathlib import Path
from typing import Any

from newsletter.models import Event

VERSION = 1


class _StablePickler(pickle.Pickler):
    """Pickles equal values to equal bytes, in any process.

    Without a memo (`fast`), a value shared by two fields is written out
    twice, as two equal values are; a set is written in sorted order, as its
    own order changes from process to process with string hashing.
    """

    def __init__(self, file, known: Fingerprints | None = None, top: Any = None):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.fast = True
        self.known, self.top = known, top

    def persistent_id(self, obj):
        if isinstance(obj, (set, frozenset)):
            return type(obj).__name__, tuple(sorted(obj, key=repr))
        if self.known is not None and obj is not self.top and isinstance(obj, Event):
            return "event", self.known.event(obj)
        return None


def _hashed(value: Any, known: Fingerprints | None = None, top: Any = None) -> bytes:
    buffer = io.BytesIO()
    _StablePickler(buffer, known, top).dump(value)
    return hashlib.sha256(buffer.getvalue()).digest()


def fingerprint(*parts: Any) -> str:
    """A hash of `parts` (events, digests, settings...) that is the same in every run for the same values."""
    return _hashed(parts).hex()


class Fingerprints:
    """fingerprint(), with each event hashed once for all the keys that name it.

    The archive's 20,000 keys for 10,000 events name each event many times
    (its week, the weeks it is coming up in, its page, its calendar, the
    feed); pickling it again every time was most of an unchanged run. An event
    inside a key is written as its own hash, remembered while the event lives.
    """

    def __init__(self) -> None:
        self._events: dict[int, tuple[Event, bytes]] = {}

    def __call__(self, *parts: Any) -> str:
        return _hashed(parts, self).hex()

    @property
    def size(self) -> int:
        """How many events it remembers."""
        return len(self._events)

    def event(self, event: Event) -> bytes:
        found = self._events.get(id(event))
        if found is None or found[0] is not event:
            if _no_sets(event):  # as nearly every event: pickled by the C pickler alone, without a hook per object
                buffer = io.BytesIO()
                plain = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
                plain.fast = True
                plain.dump(event)
                digest = hashlib.sha256(buffer.getvalue()).digest()
            else:
                digest = _hashed(event, self, top=event)
            found = self._events[id(event)] = (event, digest)
        return found[1]


def _no_sets(event: Event) -> bool:
    """Whether the event holds no set to sort (`untranslated` is its only one), nor do its changed dates."""
    return not event.untranslated and all(_no_sets(changed) for _, changed in event.changes)


def files_fingerprint(folders: list[Path]) -> str:
    """The names, sizes and times of every file under `folders`: templates, catalogs, newsletter's code."""
    stamps = []
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                found = path.stat()
                stamps.append((str(path), found.st_size, found.st_mtime_ns))
    return fingerprint(stamps)


def manifest_path(config: Path, out: Path) -> Path:
    """Where the manifest of the archive written to `out` is kept."""
    from newsletter.sources.store import FOLDER

    name = hashlib.sha256(str(out.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return config.resolve().parent / FOLDER / f"archive-{name}.json"


def manifests(root: Path) -> list[Path]:
    """The manifest of every archive written from the project at `root`, one per output folder."""
    from newsletter.sources.store import FOLDER

    return sorted((root / FOLDER).glob("archive-*.json"))


def read_manifest(path: Path | None) -> dict[str, tuple[str, int]]:
    """{relative path: (key, size)}; empty when there is none or it cannot be read."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return {}
        return {str(name): (str(key), int(size)) for name, (key, size) in data["files"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def write_manifest(path: Path | None, files: dict[str, tuple[str, int]]) -> None:
    """Replace the manifest in one step; one that cannot be written only makes the next run slower."""
    from newsletter.sources.store import keep

    if path is not None:
        keep(path, json.dumps({"version": VERSION, "files": dict(sorted(files.items()))}, indent=0).encode("utf-8"))
