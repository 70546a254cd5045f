"""The cache folder's files: where they are, written in one step, signed with this user's key, and keyed on the
code and the installed libraries they were made with.

The key is kept in the user's own newsletter folder: a cache file that this
user's newsletter did not write (copied in with a project, say) is ignored,
never read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from newsletter.sources.folders import FOLDER

MAGIC = b"newsletter-cache 1\n"

Stamp = tuple[str, int, int]  # path, size, modification time in nanoseconds


def stamp_of(path: Path | str) -> Stamp | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return str(path), found.st_size, found.st_mtime_ns


def keep(path: Path, data: bytes) -> bool:
    """Replace a file of the cache folder in one step; False when it cannot be written (the cache is only lost).

    A project's cache folder is made with a .gitignore of its own, so it keeps itself out of git.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        top = next((folder for folder in path.parents if folder.name == FOLDER), None)
        if top is not None and not (top / ".gitignore").exists():
            (top / ".gitignore").write_text("*\n")
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


def digest_of(paths: Iterable[Path | str], first: bytes = b"") -> bytes | None:
    """The files' bytes, one hash: `first` is the first file's, when it has been read already."""
    from newsletter.sources.files import EVENT_BYTES, read_regular

    found = hashlib.sha256(first)
    try:
        for path in paths:
            found.update(read_regular(path, EVENT_BYTES if str(path).endswith(".md") else 1 << 30))
    except OSError:
        return None
    return found.digest()


def signed(key: bytes, payload: bytes, about: bytes = b"") -> bytes:
    """`payload` behind its HMAC-SHA256 with this user's key, over `about` (what it is) and the payload."""
    return hmac.new(key, about + payload, hashlib.sha256).digest() + payload


def verified(key: bytes | None, data: bytes, about: bytes = b"") -> bytes | None:
    """The payload of `data` if this user's key signed it (as `about`), else None: never trusted, never loaded."""
    if key is None or len(data) < 32:
        return None
    payload = data[32:]
    return payload if hmac.compare_digest(data[:32], hmac.new(key, about + payload, hashlib.sha256).digest()) else None


@lru_cache(maxsize=1)
def code_version() -> str:
    """newsletter's version and its own source files' sizes and times: a changed reader is a new cache."""
    import newsletter

    package = Path(newsletter.__file__).parent
    stamps = sorted(stamp_of(path) or (str(path), 0, 0) for path in package.rglob("*.py"))
    return f"{newsletter.__version__} {stamps}"


def user_cache_dir() -> Path:
    """This user's cache folder for newsletter: $XDG_CACHE_HOME/newsletter (~/.cache/newsletter), or
    ~/Library/Caches/newsletter on macOS. What is kept there is the same for every project."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "newsletter"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsletter"


def signing_key() -> bytes | None:
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
        stamps += [stamp_of(origin) or (str(origin), 0, 0), stamp_of(home) or (str(home), 0, 0)]
    return f"{code_version()} {sys.version} {sorted(set(map(str, stamps)))}"
