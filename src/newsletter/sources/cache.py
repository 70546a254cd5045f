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
import hmac
import json
import os
import pickle
import secrets
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Iterable

FOLDER = ".newsletter-cache"
NAME = "events"  # the folder of the parse cache's files
INDEX = "index.pickle"
BODIES = "bodies.json"  # in compiled/: descriptions already turned into HTML and text
HINTS = "fit-hints.json"  # in compiled/: how many entries each week's last fit shortened
MAGIC = b"newsletter-cache 1\n"
_Stamp = tuple[str, int, int]  # path, size, modification time in nanoseconds
# an index entry: the files' stamps, their hash while they are new, the shard, the times spanned
_Entry = tuple[tuple[_Stamp, ...], bytes | None, str, tuple[float, float] | None]
OUTSIDE = object()  # ParseCache.get: unchanged, and outside the window asked about
RECENT_NS = 3_000_000_000


def _unchanged(stamps: tuple[_Stamp, ...], digest: bytes | None) -> bool:
    """Whether the files of `stamps` still have those sizes and times (and, while new, the bytes of `digest`)."""
    for stamp in stamps:  # most entries have one file: no generator for each of 10,000
        if _stamp(stamp[0]) != stamp:
            return False
    return digest is None or digest == _digest(stamp[0] for stamp in stamps)


def _stamp(path: Path | str) -> _Stamp | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return str(path), found.st_size, found.st_mtime_ns


def folder_in(root: Path, name: str) -> Path | None:
    """The cache's folder `name` in the project at `root`, made if it was not there; None when the project has no
    cache folder (a run with --no-cache makes none) or it cannot be made (the cache is only lost)."""
    folder = root / FOLDER / name
    try:
        if (root / FOLDER).is_dir():
            folder.mkdir(exist_ok=True)
            return folder
    except OSError:
        pass
    return None


def keep(path: Path, data: bytes) -> bool:
    """Replace a file of the cache folder in one step; False when it cannot be written (the cache is only lost).

    The folder is made with a .gitignore of its own, so it keeps itself out of git.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        top = next((folder for folder in path.parents if folder.name == FOLDER), path.parent)
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def _digest(paths: Iterable[Path | str], first: bytes = b"") -> bytes | None:
    """The files' bytes, one hash: `first` is the first file's, when it has been read already."""
    from newsletter.sources.files import EVENT_BYTES, read_regular

    found = hashlib.sha256(first)
    try:
        for path in paths:
            found.update(read_regular(path, EVENT_BYTES if str(path).endswith(".md") else 1 << 30))
    except OSError:
        return None
    return found.digest()


def _signed(key: bytes, payload: bytes, about: bytes = b"") -> bytes:
    """`payload` behind its HMAC-SHA256 with this user's key, over `about` (what it is) and the payload."""
    return hmac.new(key, about + payload, hashlib.sha256).digest() + payload


def _verified(key: bytes | None, data: bytes, about: bytes = b"") -> bytes | None:
    """The payload of `data` if this user's key signed it (as `about`), else None: never trusted, never loaded."""
    if key is None or len(data) < 32:
        return None
    payload = data[32:]
    return payload if hmac.compare_digest(data[:32], hmac.new(key, about + payload, hashlib.sha256).digest()) else None


@lru_cache(maxsize=1)
def _code_version() -> str:
    """newsletter's version and its own source files' sizes and times: a changed reader is a new cache."""
    import newsletter

    package = Path(newsletter.__file__).parent
    stamps = sorted(_stamp(path) or (str(path), 0, 0) for path in package.rglob("*.py"))
    return f"{newsletter.__version__} {stamps}"


def _signing_key() -> bytes | None:
    """This user's key, made on first use in their newsletter folder; None when it cannot be kept."""
    import click

    path = Path(click.get_app_dir("newsletter")) / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".cache-key.", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(32))
        os.replace(temp, path)
        return path.read_bytes()
    except OSError:
        return None


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
        cache = cls(config.resolve().parent / FOLDER / NAME, cls.context_of(config, events_dir), _signing_key())
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
        found = tuple(_stamp(path) for path in paths)
        stamps = tuple(stamp for stamp in found if stamp is not None)
        if len(stamps) != len(found):
            return
        # A file changed moments ago may change again within the file system's clock tick, keeping its size
        # and time: its contents are compared too, until it has been left alone for a while.
        recent = time.time_ns() - max(stamp[2] for stamp in stamps) < RECENT_NS
        shard, span = placed(near if near is not None else value)
        if (old := self.entries.get(name)) is not None:
            self.dirty.add(old[2])
        self.entries[name] = (stamps, _digest(paths[1:], raw) if recent else None, shard, span)
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
            elif keep(path, MAGIC + _signed(self.key, _pickled((self.context, entries)), shard.encode())):
                self.dirty.discard(shard)
        if not self.dirty and keep(self.path / INDEX, MAGIC + _signed(self.key, _pickled((self.context, self.entries)))):
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
        payload = _verified(self.key, data.removeprefix(MAGIC), about) if data.startswith(MAGIC) else None
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


class Results:
    """What pure functions returned in earlier runs, by a key of their arguments: one signed JSON file.

    It holds only JSON (strings, numbers, lists), never a pickle, and is
    dropped whole when newsletter or one of `tools` (the modules that worked
    the results out) changes. `save` writes it only when this run added to
    it, keeping the results this run used and the most recent others, up to
    `limit`.
    """

    def __init__(self, path: Path, key: bytes | None, tools: tuple[str, ...], limit: int):
        self.path, self.key, self.tools, self.limit = path, key, tools, limit
        self._kept: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._known = 0

    def load(self) -> tuple[dict[str, Any], set[str]]:
        """The results kept (to look up and add to), and the set to note the keys used in."""
        if self._kept is None:
            self._kept, self._used = {}, set()
            try:
                data = self.path.read_bytes()
            except OSError:
                data = b""
            if (payload := _verified(self.key, data)) is not None:
                try:
                    found = json.loads(payload)
                    if found.get("tools") == tools_version(*self.tools) and isinstance(found.get("kept"), dict):
                        self._kept = found["kept"]
                except ValueError:
                    pass
            self._known = len(self._kept)
        return self._kept, self._used

    def save(self) -> None:
        if self._kept is None or self.key is None or len(self._kept) == self._known:
            return
        used = [(k, v) for k, v in self._kept.items() if k in self._used]
        others = [(k, v) for k, v in self._kept.items() if k not in self._used]
        room = max(self.limit - len(used), 0)  # filled with the most recent of the others
        kept = dict(others[len(others) - room:] + used)
        payload = json.dumps({"tools": tools_version(*self.tools), "kept": kept}).encode("utf-8", "surrogateescape")
        if keep(self.path, _signed(self.key, payload)):
            self._known = len(self._kept)


class CompiledCache:
    """Email HTML already compiled from MJML and inlined, by a hash of the MJML, the CSS and the tools.

    `check`, `build` and `send` one after the other render the same week three
    times; from the second time on, MJML and premailer (a third of a build,
    most of it importing premailer and cssutils) are skipped. Each entry is
    one file in .newsletter-cache/compiled/, signed like the parse cache, and
    only the most recently used LIMIT are kept. premailer's output for an
    email's shape (rendering/inline.py) is kept the same way.
    """

    LIMIT = 128
    BODY_LIMIT = 512  # descriptions' conversions: a few busy weeks' worth

    def __init__(self, folder: Path, key: bytes | None):
        self.folder = folder
        self.key = key
        self._known_hints: dict | None = None
        self._hints_changed = False
        self._pending: dict[Path, str] = {}  # what this run made, written by save()
        self._room = 0  # how many more compiled files fit before _prune must look (the first put always looks)
        # descriptions already turned into HTML and text, so that a week built again does not import markdown-it
        self._bodies = Results(folder / BODIES, key, ("markdown_it",), self.BODY_LIMIT)

    @classmethod
    def beside(cls, config: Path) -> CompiledCache:
        return cls(config.resolve().parent / FOLDER / "compiled", _signing_key())

    def _name(self, inputs: bytes) -> Path:
        if self.key is None:
            raise ValueError("a cache without a key keeps nothing")
        return self.folder / (hmac.new(self.key, inputs, hashlib.sha256).hexdigest()[:40] + ".html")

    def get(self, inputs: bytes) -> str | None:
        if self.key is None:
            return None
        path = self._name(inputs)
        if path in self._pending:
            return self._pending[path]
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: the last to be pruned
        except OSError:
            return None
        html = _verified(self.key, data, about=path.name.encode())
        return None if html is None else html.decode("utf-8", "surrogateescape")

    def put(self, inputs: bytes, html: str) -> None:
        """Keep `html` for `inputs`: found by get() at once, on disk once the command saves."""
        if self.key is not None:
            self._pending[self._name(inputs)] = html

    def save(self) -> None:
        """Write what this run made and used: the compiled emails, the fit hints and the converted descriptions.

        Rendering only adds to the cache in memory; the command decides, when
        its files are written, that what it made is worth keeping.
        """
        if self.key is not None:
            for path, html in self._pending.items():
                data = html.encode("utf-8", "surrogateescape")
                if keep(path, _signed(self.key, data, about=path.name.encode())):
                    self._prune()
        self._pending.clear()
        if self._hints_changed and self._known_hints is not None:
            keep(self.folder / HINTS, json.dumps(self._known_hints, sort_keys=True).encode("utf-8"))
            self._hints_changed = False
        self._bodies.save()

    def bodies(self) -> tuple[dict[str, str], set[str]]:
        """Descriptions turned into HTML and text before (sources/body.py), and the set to note those used in."""
        return self._bodies.load()


    def hint(self, key: str) -> int | None:
        """How many entries the last fit of `key` (a week, in a language) shortened, if it is known."""
        found = self._hints().get(key)
        return found if isinstance(found, int) else None

    def remember(self, key: str, count: int) -> None:
        hints = self._hints()
        if hints.get(key) != count:
            hints[key] = count
            self._hints_changed = True

    def _hints(self) -> dict:
        """Only a starting point for the fit (rendering checks it), so a damaged file costs renders, never a wrong email."""
        if self._known_hints is None:
            try:
                found = json.loads((self.folder / HINTS).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                found = {}
            self._known_hints = found if isinstance(found, dict) else {}
        return self._known_hints

    def _prune(self) -> None:
        """Keep the LIMIT most recently used; the folder is looked through only when this run may have filled it."""
        if self._room > 0:
            self._room -= 1
            return
        try:
            found = [(entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(self.folder)
                     if entry.name.endswith(".html")]
        except OSError:
            return
        for _, path in sorted(found)[:max(len(found) - self.LIMIT, 0)]:
            Path(path).unlink(missing_ok=True)
        self._room = max(self.LIMIT - len(found), 0)  # new files this run can add before the next look


@lru_cache(maxsize=8)
def tools_version(*modules: str) -> str:
    """newsletter's own code, Python's version, and the installed libraries `modules` (found without importing
    them); once per run, as every email compiled asks (the code running cannot change under it).

    A library is known by its module's file and by the folder it is installed in: installing, upgrading or
    removing any package changes that folder (its `<name>-<version>.dist-info` comes and goes), so an entry
    made with another version of any library there is never taken for this one's.
    """
    import importlib.util

    stamps = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            stamps.append((name, 0, 0))
            continue
        origin = Path(spec.origin)
        home = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        stamps += [_stamp(origin) or (str(origin), 0, 0), _stamp(home) or (str(home), 0, 0)]
    return f"{_code_version()} {sys.version} {sorted(set(map(str, stamps)))}"


READING = ("yaml", "dateutil", "markdown_it", "babel", "tzdata")  # what an event's checked reading depends on
