"""Reads a group's own files safely: regular files only, inside the project, and not too big.

A group's repository takes pull requests from many hands. A file that is
not what it seems must give one line, not a hang (a FIFO), a read without end
(a link to /dev/zero) or a copy of something outside the project (a link to
../secret.png) published with the archive.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

EVENT_BYTES = 1_000_000  # an event file, or its translation
SETTINGS_BYTES = 256_000  # newsletter.toml, intro.md
IMAGE_BYTES = 20_000_000  # an image file the archive publishes


class Refused(OSError):
    """A file that is not read; its message says why, in words to act on."""


def read_regular(path: Path | str, limit: int, inside: tuple[Path, ...] = ()) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; raises Refused or OSError.

    `inside`: folders the file must resolve into once links are followed.
    """
    _inside(path, inside)
    # Opened without waiting, so that a FIFO does not hang the command; its kind is looked at before any read.
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(handle, "rb") as stream:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise Refused(f"is not a regular file but {_kind(mode)}: only plain files are read")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"is over {limit // 1000:,} KB, more than such a file needs: is it the right file?")
    return data


def check_regular(path: Path | str, inside: tuple[Path, ...] = ()) -> None:
    """Raise Refused unless `path` is a regular file (inside `inside`), without opening it."""
    _inside(path, inside)
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise Refused(f"is not a regular file but {_kind(mode)}: only plain files are read")


def _inside(path: Path | str, folders: tuple[Path, ...]) -> None:
    if folders:
        real = Path(os.path.realpath(path))
        if not any(real.is_relative_to(Path(os.path.realpath(folder))) for folder in folders):
            raise Refused(f"is a link to {real}, outside the project folder: copy the file into the project instead")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "something else"
