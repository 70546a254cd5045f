"""Jinja's compiled templates, kept between runs: read only when the command's cache is on, signed with this
user's key, and written only when the command saves.

A group's own templates and subject lines are kept in the project's
.newsletter-cache/jinja/; the templates shipped with newsletter, the same
for every project, once for this user in their cache folder
(`user_cache_dir()`), so a group's first build does not compile them again.

Compiled templates are Python code: a file that this user's newsletter did
not write (copied in with a project, say) would run as soon as it was
loaded, so each one is signed like the other cache files and ignored unless
the signature holds.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import jinja2

from newsletter.sources.store import FOLDER, keep, signed, signing_key, tools_version, user_cache_dir, verified

STALE_DAYS = 30  # a shared entry another version of newsletter made, left this long unread, is removed


class HeldBytecode(jinja2.BytecodeCache):
    """Jinja's BytecodeCache (its public hook for this): what this run compiles is held in memory until save()."""

    def __init__(self, folder: Path, kind: str, shared: Path | None = None):
        code = hashlib.sha256(tools_version("jinja2", "markupsafe").encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.folder, self.prefix = folder, f"{kind}-{code}"
        self.shared = shared  # the built-in templates' folder: what is compiled from there is kept for the user
        self.key: bytes | None = None  # set by open(): until then nothing is read or kept
        self._held: dict[str, bytes] = {}
        self._builtin: set[str] = set()  # the buckets of built-in templates

    def open(self, key: bytes | None) -> None:
        """Read and keep, signed with `key`: the command's cache is on."""
        self.key = key

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        if filename is not None and self.shared is not None:
            if os.path.normpath(filename).startswith(os.path.join(os.path.normpath(self.shared), "")):
                self._builtin.add(self.get_cache_key(name, filename))
        return super().get_bucket(environment, name, filename, source)

    def _path(self, name: str) -> Path:
        folder = user_cache_dir() / "jinja" if name in self._builtin else self.folder
        return folder / f"{self.prefix}-{name}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._held.get(bucket.key)
        if data is None and self.key is not None:
            try:
                data = verified(self.key, self._path(bucket.key).read_bytes(), about=self.prefix.encode())
            except OSError:
                data = None
        if data is not None:
            bucket.bytecode_from_string(data)  # Jinja checks its own version and the template's source

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._held[bucket.key] = bucket.bytecode_to_string()

    def save(self) -> None:
        if self.key is not None:
            for name, data in self._held.items():
                keep(self._path(name), signed(self.key, data, about=self.prefix.encode()))
            if self._builtin & self._held.keys():
                _prune(user_cache_dir() / "jinja", self.prefix)
        self._held.clear()


def _prune(folder: Path, current: str) -> None:
    """Remove what other versions of newsletter compiled into the user's folder more than a month ago.

    The running version's own entries are never removed; another version
    still in use compiles a removed template once again.
    """
    old = time.time() - STALE_DAYS * 86400
    try:
        for path in folder.iterdir():
            if not path.name.startswith(current) and path.stat().st_mtime < old:
                path.unlink(missing_ok=True)
    except OSError:
        pass  # the cache is only a cache


_HELD: dict[tuple[Path, str], HeldBytecode] = {}


def held(root: Path, kind: str, builtin: Path | None = None) -> HeldBytecode:
    """The compiled templates of environment `kind` for the project at `root`, one holder a process; those
    compiled from the folder `builtin` (newsletter's own templates) are kept for the user, not the project."""
    root = root.resolve()
    if (root, kind) not in _HELD:
        _HELD[(root, kind)] = HeldBytecode(root / FOLDER / "jinja", kind)
    if builtin is not None:
        _HELD[(root, kind)].shared = builtin
    return _HELD[(root, kind)]


def open_held(root: Path) -> list[HeldBytecode]:
    """Turn on reading and keeping for every environment of the project at `root`; the holders, to save."""
    key = signing_key()
    found = [held(root, kind) for kind in ("email", "settings", "archive")]
    for holder in found:
        holder.open(key)
    return found
