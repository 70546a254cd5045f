"""The send log: `sent.log` next to newsletter.toml, one JSON object per line.

It is what stops the same thing going to the same people twice. A send is
known by what it is (the week's digest, or one event's announcement, change
notice or reminder), its language and its recipients, never by its bytes: a
digest corrected after it went out is still that week's digest.

Each send writes two lines: the attempt, before the message is handed over,
and its outcome, right after the server accepts it (or refuses it). An attempt
with no outcome is a send that was cut off and may have gone out.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from msgspec import Struct, field
from msgspec.structs import asdict, replace
from datetime import datetime
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from newsletter.errors import NewsletterError

LOG_NAME = "sent.log"
LOCK_NAME = "sent.log.lock"
DELIVERED = ("sent", "partly sent")
INTERRUPTED = "interrupted"  # an attempt with no outcome: the message may have gone out


class Entry(Struct):
    time: str  # ISO 8601 with its offset
    what: str  # "digest 2018-W04", "reminder 2018-01-27-rally"
    message_id: str
    subject: str
    recipients: list[str]  # an attempt: who it is for; an outcome: who the server accepted it for
    result: str  # "sending" (an attempt), "sent", "partly sent" or "failed"; INTERRUPTED once read back
    refused: dict[str, str] = field(default_factory=dict)
    language: str | None = None  # the edition's language, for a group that writes one per language
    attempt: str | None = None  # joins an attempt to its outcome; None on lines of older versions

    @property
    def went_out(self) -> bool:
        """The message reached, or may have reached, `recipients`."""
        return self.result in DELIVERED or self.result == INTERRUPTED


def log_path(root: Path) -> Path:
    return root / LOG_NAME


def read_log(path: Path) -> list[Entry]:
    """Every line as written, oldest first; a line that is not an entry is an error naming it."""
    return read_lines(path, Entry, "send")


Line = TypeVar("Line")


def read_lines(path: Path, kind: Callable[..., Line], what: str) -> list[Line]:
    """A log of one JSON object per line (sent.log, posted.log), each made into `kind`; a line that is not one is
    an error naming it, and each line is one `what`."""
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            entries.append(kind(**json.loads(line)))
        except (ValueError, TypeError):
            raise NewsletterError(f"{path.name}:{number}: not a line newsletter wrote; "
                                  f"fix or remove it (each line is one {what}, in JSON)") from None
    return entries


def sends(entries: list[Entry]) -> list[Entry]:
    """One entry per send, oldest first: an attempt replaced by its outcome, or marked INTERRUPTED without one."""
    merged: dict[object, Entry] = {}
    for index, entry in enumerate(entries):
        key = entry.attempt or index
        if entry.result == "sending":
            merged[key] = replace(entry, result=INTERRUPTED)
        elif key in merged:
            merged[key] = replace(entry, time=merged[key].time)
        else:
            merged[key] = entry
    return list(merged.values())


def append(path: Path, entry: Any) -> None:
    """Add one line, an entry (a dataclass) as JSON, flushed to disk before anything else happens."""
    line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line)
        stream.flush()
        os.fsync(stream.fileno())


def earlier_send(entries: list[Entry], what: str, language: str | None,
                 recipients: list[str]) -> tuple[Entry, list[str]] | None:
    """The latest send of the same thing in the same language that went, or may have gone, to any of `recipients`."""
    wanted = {r.lower() for r in recipients}
    for entry in reversed(sends(entries)):
        if entry.what == what and entry.language == language and entry.went_out:
            again = [r for r in entry.recipients if r.lower() in wanted]
            if again:
                return entry, again
    return None


def sent_whats(entries: list[Entry]) -> set[str]:
    """What has gone out to someone, in any language: "change notice …", "digest …"."""
    return {entry.what for entry in sends(entries) if entry.went_out}


def when(entry: Entry) -> str:
    """The entry's time as a person reads it: "Tue Dec 8 09:12"."""
    try:
        moment = datetime.fromisoformat(entry.time)
    except ValueError:
        return entry.time
    return f"{moment:%a %b} {moment.day} {moment:%H:%M}"


class Busy(NewsletterError):
    """Another send holds the log."""


@contextmanager
def held(root: Path, holder: str) -> Iterator[None]:
    """Hold the send log for one check-and-send; raises Busy naming the send that holds it now.

    The lock is the operating system's (flock) on a file beside the log, so it
    is let go when the process ends, however it ends.
    """
    import fcntl

    path = root / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stream.seek(0)
            other = stream.read().strip() or "another send"
            raise Busy(f"Not sent: another send is under way ({other}); wait for it to end, "
                       "then run this again") from None
        try:
            stream.seek(0)
            stream.truncate()
            stream.write(f"{holder}, process {os.getpid()}, started {datetime.now():%H:%M:%S}")
            stream.flush()
            yield
        finally:
            stream.seek(0)
            stream.truncate()
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
