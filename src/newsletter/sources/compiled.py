"""Emails already compiled and inlined, premailer's output for an email's shape, the fit's hints and the
descriptions already converted: what rendering worked out, kept between runs in .newsletter-cache/compiled/.

Rendering only adds to it in memory; the command saves it once its work is done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.sources.folders import COMPILED
from newsletter.sources.store import FOLDER, keep, signed, signing_key, tools_version, verified

if TYPE_CHECKING:
    from newsletter.sources.bytecode import HeldBytecode

BODIES = "bodies.json"  # in compiled/: descriptions already turned into HTML and text

HINTS = "fit-hints.json"  # in compiled/: how many entries each week's last fit shortened

KINDS = (".html", ".card", ".flyer")  # in compiled/: emails and premailer's shapes; share images; flyers


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
            if (payload := verified(self.key, data)) is not None:
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
        if keep(self.path, signed(self.key, payload)):
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
        self._templates: list[HeldBytecode] = []  # Jinja's compiled templates, kept with the rest
        self._used: set[Path] = set()  # compiled files read this run: the last to be pruned

    @classmethod
    def beside(cls, config: Path) -> CompiledCache:
        from newsletter.sources.bytecode import open_held  # imports Jinja, which a command that renders loads anyway

        root = config.resolve().parent
        found = cls(root / FOLDER / COMPILED, signing_key())
        found._templates = open_held(root)
        return found

    def _name(self, inputs: bytes, suffix: str) -> Path:
        if self.key is None:
            raise ValueError("a cache without a key keeps nothing")
        return self.folder / (hmac.new(self.key, inputs, hashlib.sha256).hexdigest()[:40] + suffix)

    def get(self, inputs: bytes, suffix: str = ".html") -> str | None:
        """What was kept for `inputs`: compiled HTML (".html"), or another kind of result by its `suffix`."""
        if self.key is None:
            return None
        path = self._name(inputs, suffix)
        if path in self._pending:
            return self._pending[path]
        try:
            data = path.read_bytes()
        except OSError:
            return None
        html = verified(self.key, data, about=path.name.encode())
        if html is None:
            return None
        self._used.add(path)
        return html.decode("utf-8", "surrogateescape")

    def put(self, inputs: bytes, html: str, suffix: str = ".html") -> None:
        """Keep `html` for `inputs`: found by get() at once, on disk once the command saves."""
        if self.key is not None:
            self._pending[self._name(inputs, suffix)] = html

    def save(self) -> None:
        """Write what this run made and used: the compiled emails, the fit hints and the converted descriptions.

        Rendering only adds to the cache in memory; the command decides, when
        its files are written, that what it made is worth keeping.
        """
        for path in self._used:
            try:
                os.utime(path)  # recently used: the last to be pruned
            except OSError:
                pass
        self._used.clear()
        if self.key is not None:
            for path, html in self._pending.items():
                data = html.encode("utf-8", "surrogateescape")
                if keep(path, signed(self.key, data, about=path.name.encode())):
                    self._prune()
        self._pending.clear()
        if self._hints_changed and self._known_hints is not None:
            keep(self.folder / HINTS, json.dumps(self._known_hints, sort_keys=True).encode("utf-8"))
            self._hints_changed = False
        self._bodies.save()
        for holder in self._templates:
            holder.save()

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
                     if entry.name.endswith(KINDS)]
        except OSError:
            return
        for _, path in sorted(found)[:max(len(found) - self.LIMIT, 0)]:
            Path(path).unlink(missing_ok=True)
        self._room = max(self.LIMIT - len(found), 0)  # new files this run can add before the next look
