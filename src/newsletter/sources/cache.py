"""Keeps each event file's parsed, checked result between runs, so a big events folder is read once.

The cache is `.newsletter-cache/events/` beside newsletter.toml: an index,
and the readings in one file per month of start, so that an edit in a
folder of 10,000 events rewrites one month of it and a command about one
week unpickles the months around it. An entry is used only while the file it was read from (and
any image file it names) has the size and modification time it had then,
and, for a file written in the seconds before it was read, the same bytes; the
whole cache only while the settings file, the events folder, the working
folder, Python and newsletter's own code are those it was written with. A
file with a problem is never cached, so its problem is reported on every
run. Anything else, a truncated or corrupt cache included, is read again from
the event files, and `--no-cache` skips the cache altogether.

The cache is signed with a key kept in the user's own newsletter folder: a
cache file that this user's newsletter did not write (copied in with a
project, say) is ignored, never unpickled.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from pathlib import Path
from typing import Any

from newsletter.sources.store import (FOLDER, MAGIC, Stamp, digest_of, keep, signed, signing_key, stamp_of, tools_version,
                                      verified)

NAME = "events"  # the folder of the parse cache's files

INDEX = "index.pickle"

# an index entry: the files' stamps, their hash while they are new, the shard, the times spanned
_Entry = tuple[tuple[Stamp, ...], bytes | None, str, tuple[float, float] | None]

OUTSIDE = object()  # ParseCache.get: unchanged, and outside the window asked about

RECENT_NS = 3_000_000_000


def _unchanged(stamps: tuple[Stamp, ...], digest: bytes | None) -> bool:
    """Whether the files of `stamps` still have those sizes and times (and, while new, the bytes of `digest`)."""
    for stamp in stamps:  # most entries have one file: no generator for each of 10,000
        if stamp_of(stamp[0]) != stamp:
            return False
    return digest is None or digest == digest_of(stamp[0] for stamp in stamps)


class ParseCache:
    """What each event file was read as, by its name under the events folder.

    An index (`index.pickle`: each file's stamps, where its reading is kept,
    and the time its event spans) is read whole; the readings themselves are
    in one file per month of start (a series' in `series.pickle`), unpickled
    only when asked for. So a command about one week, given its `windows`,
    loads the months around it and not ten years of events.
    """

    def __init__(self, path: Path | None = None, context: str = "", key: bytes | None = None):
        self.path = path  # its folder; None: kept in memory only (the preview's copy between saves, and tests)
        self.context = context
        self.key = key
        self.entries: dict[str, _Entry] = {}  # the index, by name
        self.values: dict[str, Any] = {}  # the readings unpickled so far, or put
        self.loaded: set[str] = set()  # the shards unpickled so far
        self.kept: set[str] = set()
        self.dirty: set[str] = set()  # the shards to write again
        self.index_dirty = False
        self.hits = self.misses = 0

    @property
    def changed(self) -> bool:
        return bool(self.dirty) or self.index_dirty

    @staticmethod
    def context_of(config: Path, events_dir: Path) -> str:
        """What every entry depends on: the settings, where the files are, and the code that read them."""
        from newsletter.sources.files import SETTINGS_BYTES, read_regular

        try:
            settings = read_regular(config, SETTINGS_BYTES)
        except OSError:  # not there, or not a file to read: load_settings says so
            settings = b""
        return hashlib.sha256(repr((
            tools_version(*READING), settings, str(events_dir.resolve()), os.getcwd(),
        )).encode("utf-8", "surrogateescape")).hexdigest()

    @classmethod
    def beside(cls, config: Path, events_dir: Path) -> ParseCache:
        """The cache of the project whose settings are `config`, its index loaded if it is there, valid and this user's."""
        cache = cls(config.resolve().parent / FOLDER / NAME, cls.context_of(config, events_dir), signing_key())
        cache._load_index()
        return cache

    def get(self, name: str, trusted: bool = False, windows: list[tuple[float, float]] | None = None) -> Any | None:
        """The value cached for `name`, if neither its file nor what it depends on has changed.

        `trusted`: the caller knows the file has not changed (the preview's file watcher said which did).
        `windows` (POSIX times since, until): an unchanged event that spans none of them gives OUTSIDE, unloaded.
        """
        found = self.entries.get(name)
        if found is not None:
            stamps, digest, shard, span = found
            if trusted or _unchanged(stamps, digest):
                if windows is not None and not within(span, windows):
                    self.kept.add(name)
                    self.hits += 1
                    return OUTSIDE
                if name not in self.values and shard not in self.loaded:
                    self._load_shard(shard)
                if name in self.values:
                    self.kept.add(name)
                    self.hits += 1
                    return self.values[name]
        self.misses += 1
        return None

    def put(self, name: str, paths: list[Path], value: Any, raw: bytes, near: Any = None) -> None:
        """Keep `value`, read as `raw` from paths[0] and depending on the other paths too.

        `near`: the event whose shard and span a translation shares.
        """
        found = tuple(stamp_of(path) for path in paths)
        stamps = tuple(stamp for stamp in found if stamp is not None)
        if len(stamps) != len(found):
            return
        # A file changed moments ago may change again within the file system's clock tick, keeping its size
        # and time: its contents are compared too, until it has been left alone for a while.
        recent = time.time_ns() - max(stamp[2] for stamp in stamps) < RECENT_NS
        shard, span = placed(near if near is not None else value)
        if (old := self.entries.get(name)) is not None:
            self.dirty.add(old[2])
        self.entries[name] = (stamps, digest_of(paths[1:], raw) if recent else None, shard, span)
        self.values[name] = value
        self.kept.add(name)
        self.dirty.add(shard)
        self.index_dirty = True

    def forget(self, name: str) -> None:
        """Drop the entry of a file that is gone."""
        if (old := self.entries.pop(name, None)) is not None:
            self.dirty.add(old[2])
            self.index_dirty = True
        self.values.pop(name, None)
        self.kept.discard(name)

    def forget_others(self) -> None:
        """Drop what no file read since the last call gave: deleted files, and files that now have problems."""
        for name in set(self.entries) - self.kept:
            self.forget(name)
        self.kept = set()

    def save(self) -> None:
        """Write the files whose entries changed, then the index; a cache that cannot be written is simply not kept."""
        if self.path is None or self.key is None or not self.changed:
            return
        for shard in self.dirty - self.loaded:  # its other entries, to write them again
            self._load_shard(shard)
        members: dict[str, dict] = {shard: {} for shard in self.dirty}
        for name, (stamps, _, shard, _) in self.entries.items():
            if shard in members and name in self.values:
                members[shard][name] = (stamps, self.values[name])
        if not (self.path / INDEX).exists():  # the first save of this layout: the files of earlier versions go
            for path in [self.path.parent / "events.pickle", *self.path.glob("[0-9][0-9].pickle")]:
                path.unlink(missing_ok=True)
        for shard, entries in sorted(members.items()):
            path = self.path / f"{shard}.pickle"
            if not entries:
                path.unlink(missing_ok=True)
                self.dirty.discard(shard)
            elif keep(path, MAGIC + signed(self.key, _pickled((self.context, entries)), shard.encode())):
                self.dirty.discard(shard)
        if not self.dirty and keep(self.path / INDEX, MAGIC + signed(self.key, _pickled((self.context, self.entries)))):
            self.index_dirty = False

    def _load_index(self) -> None:
        found = self._unpickled(INDEX)
        if isinstance(found, dict):
            self.entries = found

    def _load_shard(self, shard: str) -> None:
        """Unpickle one month's readings: those whose index entry they still match."""
        self.loaded.add(shard)
        found = self._unpickled(f"{shard}.pickle", shard.encode())
        if not isinstance(found, dict):
            return  # damaged: its entries are read from their files again
        for name, (stamps, value) in found.items():
            entry = self.entries.get(name)
            if entry is not None and entry[2] == shard and entry[0] == stamps and name not in self.values:
                self.values[name] = value

    def _unpickled(self, file: str, about: bytes = b"") -> Any:
        """What a file of the cache holds, if this user's key signed it for this context; else None."""
        if self.path is None or self.key is None:
            return None
        try:
            data = (self.path / file).read_bytes()
        except OSError:
            return None
        payload = verified(self.key, data.removeprefix(MAGIC), about) if data.startswith(MAGIC) else None
        if payload is None:
            return None
        try:
            context, found = pickle.loads(payload)
        except Exception:  # signed but unreadable: an older Python's pickle, say; read the files again
            return None
        return found if context == self.context else None


def _pickled(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def within(span: tuple[float, float] | None, windows: list[tuple[float, float]]) -> bool:
    """Whether the times an event spans (None: a series, always) meet any of `windows` (POSIX since, until)."""
    return span is None or any(span[0] < until and span[1] >= since for since, until in windows)


def placed(value: Any) -> tuple[str, tuple[float, float] | None]:
    """Which file of the cache keeps an event's reading, and the times it spans (None: a series, always loaded)."""
    if getattr(value, "repeat", None) is not None or bool(getattr(value, "changes", None)):
        return "series", None
    start = getattr(value, "start", None)
    if start is None:
        return "other", None
    return f"{start:%Y-%m}", (start.timestamp(), value.ends_at.timestamp())


READING = ("yaml", "dateutil", "markdown_it", "babel", "tzdata")  # what an event's checked reading depends on
