"""Jinja's compiled templates, kept between runs in .newsletter-cache/jinja/: read only when the command's cache
is on, signed with this user's key, and written only when the command saves.

Compiled templates are Python code: a file that this user's newsletter did
not write (copied in with a project, say) would run as soon as it was
loaded, so each one is signed like the other cache files and ignored unless
the signature holds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2

from newsletter.sources.store import FOLDER, keep, signed, signing_key, tools_version, verified


class HeldBytecode(jinja2.BytecodeCache):
    """Jinja's BytecodeCache (its public hook for this): what this run compiles is held in memory until save()."""

    def __init__(self, folder: Path, kind: str):
        code = hashlib.sha256(tools_version("jinja2", "markupsafe").encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.folder, self.prefix = folder, f"{kind}-{code}"
        self.key: bytes | None = None  # set by open(): until then nothing is read or kept
        self._held: dict[str, bytes] = {}

    def open(self, key: bytes | None) -> None:
        """Read and keep, signed with `key`: the command's cache is on."""
        self.key = key

    def _path(self, name: str) -> Path:
        return self.folder / f"{self.prefix}-{name}.cache"

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
        self._held.clear()


_HELD: dict[tuple[Path, str], HeldBytecode] = {}


def held(root: Path, kind: str) -> HeldBytecode:
    """The compiled templates of environment `kind` for the project at `root`, one holder a process."""
    root = root.resolve()
    if (root, kind) not in _HELD:
        _HELD[(root, kind)] = HeldBytecode(root / FOLDER / "jinja", kind)
    return _HELD[(root, kind)]


def open_held(root: Path) -> list[HeldBytecode]:
    """Turn on reading and keeping for every environment of the project at `root`; the holders, to save."""
    key = signing_key()
    found = [held(root, kind) for kind in ("email", "settings", "archive")]
    for holder in found:
        holder.open(key)
    return found
