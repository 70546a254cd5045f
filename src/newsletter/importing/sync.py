"""Keeping imported event files in step with their source, without losing what people wrote in them.

Each import records, in `imported.json` beside newsletter.toml, what it
wrote for each event of each source (its file, front matter and
description). The next import compares three versions of every field: what
was imported last time, what the file says now, and what the source says
now. A field only the source changed is updated; one only a person changed
is kept; one both changed differently is a conflict, reported and left as
the file has it (`--theirs` takes the source's). A single event whose start
the source moved becomes `status: rescheduled` with `rescheduled_from`, so
that `list` offers its change notice; an event gone from the source (within
the import window) or cancelled there becomes `status: cancelled`, never
deleted. Nothing is written unless something changed, and every file is
replaced in one step.
"""

from __future__ import annotations

import json
import os
import tempfile
from msgspec import Struct, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsletter.importing.fetch import ImportProblem
from newsletter.importing.ical import Incoming
from newsletter.importing.writing import event_text
from newsletter.sources.imports import STATE


class Plan(Struct):
    """What an import would do: the files to write (path → text), what to say, and the record to keep."""

    writes: dict[Path, str] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    recorded: bool = False  # imported.json changes: something was written, or the record differs
    checked: datetime | None = None  # when the source was read, kept in the project's cache for `list`
    added: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    conflicts: int = 0


def load_state(root: Path) -> dict[str, Any]:
    path = root / STATE
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"sources": {}}
    except (OSError, ValueError) as exc:
        raise ImportProblem(f"{path.name}: cannot be read ({exc}): it records what earlier imports wrote; "
                            "restore it from your copy, or move it away to import afresh") from None
    if not isinstance(found, dict) or not isinstance(found.get("sources"), dict):
        raise ImportProblem(f"{path.name}: is not what newsletter writes there; restore it, or move it away")
    return found


def plan(incoming: list[Incoming], source: str, root: Path, events_dir: Path, since: datetime, until: datetime,
         theirs: bool, now: datetime, cancel_missing: bool = True) -> Plan:
    """What importing `incoming` from `source` changes in `events_dir`. `cancel_missing`: an event gone from
    the source is cancelled (a calendar's; a form's responses are only ever added to)."""
    from newsletter.outputs.scaffold import slugify

    state = load_state(root)
    record = state["sources"].get(source, {"events": {}})
    known: dict[str, Any] = record.get("events", {})
    found = Plan(state=state)
    kept: dict[str, Any] = {}
    taken = {p.resolve() for p in events_dir.rglob("*.md")} if events_dir.is_dir() else set()
    placed = _files_of(source, events_dir)
    for event in sorted(incoming, key=lambda e: (e.start, e.key)):
        before = known.get(event.key)
        theirs_front = {**event.front, "source": {"calendar": source, "uid": event.key}}
        # Where the event's file is now: renamed or moved into a folder, it still names its source.
        path = placed.get(event.key) or (root / before["file"] if before else None)
        if path is not None and not path.exists():
            found.said.append(f"{before['file']}: deleted since the last import, so not written again "  # type: ignore[index]
                              f"({event.front['title']})")
            kept[event.key] = before
            continue
        if path is None:
            path = _free_name(events_dir, f"{event.start.date().isoformat()}-{slugify(event.front['title'])}", taken)
            taken.add(path.resolve())
            found.writes[path] = event_text(theirs_front, event.body)
            found.said.append(f"added {_shown(path, root)}")
            found.added += 1
            kept[event.key] = {"file": _relative(path, root), "front": theirs_front, "body": event.body}
            continue
        merged = _merge(path, root, before, theirs_front, event.body, theirs, found)  # type: ignore[arg-type]
        kept[event.key] = {"file": _relative(path, root), "front": theirs_front, "body": event.body}
        if merged is not None:
            found.writes[path] = merged
    for key, before in known.items():
        if key in kept:
            continue
        if not cancel_missing:
            kept[key] = before
            continue
        path = placed.get(key) or root / before["file"]
        if not path.exists() or not _in_window(before["front"], since, until):
            kept[key] = before  # outside this import's window: not the source's to cancel
            continue
        gone = {**before["front"], "status": "cancelled"}
        gone.pop("rescheduled_from", None)
        merged = _merge(path, root, before, gone, before.get("body", ""), theirs, found, gone_from_source=True)
        if merged is not None:
            found.writes[path] = merged
        kept[key] = {**before, "front": gone}
    if kept != known or found.writes or source not in state["sources"]:
        state["sources"][source] = {"imported": now.isoformat(timespec="seconds"), "events": kept}
        found.recorded = True
    found.checked = now
    return found


def _files_of(source: str, events_dir: Path) -> dict[str, Path]:
    """The event files that say they came from `source`, by their key there (`source: uid:`), wherever they are
    in the events folder and whatever they are called now."""
    from newsletter.sources.events import event_files
    from newsletter.sources.frontmatter import FrontMatterError, decode, split

    found: dict[str, Path] = {}
    if not events_dir.is_dir():
        return found
    for path in event_files(events_dir):
        try:
            raw = path.read_bytes()
            if b"\nsource:" not in raw:
                continue
            origin = split(decode(raw)).data.get("source")
        except (OSError, FrontMatterError):
            continue
        if isinstance(origin, dict) and origin.get("calendar") == source and isinstance(origin.get("uid"), str):
            found.setdefault(origin["uid"], path)
    return found


def _merge(path: Path, root: Path, before: dict[str, Any], theirs: dict[str, Any], body: str, take_theirs: bool,
           found: Plan, gone_from_source: bool = False) -> str | None:
    """The file's new text after a three-way merge of each field, or None when nothing changes."""
    from newsletter.sources.frontmatter import FrontMatterError, decode, split

    shown = _shown(path, root)
    try:
        text = decode(path.read_bytes())
        current = split(text)
    except (OSError, FrontMatterError) as exc:
        found.said.append(f"{shown}: cannot be read ({exc}): left as it is")
        return None
    ours, our_body = current.data, current.body.strip("\n")
    base, base_body = _as_read(before["front"], before.get("body", ""))
    theirs_read, theirs_body = _as_read(theirs, body)
    merged: dict[str, Any] = dict(ours)
    changed: list[str] = []
    for key in list(dict.fromkeys([*base, *theirs_read, *ours])):
        b, t, o = base.get(key), theirs_read.get(key), ours.get(key)
        if t == b or t == o:
            continue
        if o == b or take_theirs:
            if t is None:
                merged.pop(key, None)
            else:
                merged[key] = t
            changed.append(key)
        else:
            found.conflicts += 1
            found.said.append(f"conflict in {shown}: {key}: the calendar now says {_brief(t)}, the file says "
                              f"{_brief(o)}: kept the file's (--theirs takes the calendar's)")
    new_body = our_body
    if theirs_body != base_body and theirs_body != our_body:
        if our_body == base_body or take_theirs:
            new_body = theirs_body
            changed.append("description")
        else:
            found.conflicts += 1
            found.said.append(f"conflict in {shown}: the description was edited here and in the calendar: kept "
                              "the file's (--theirs takes the calendar's)")
    if "start" in changed and "repeat" not in merged and merged.get("status") not in ("cancelled", "postponed") \
            and base.get("start") and not gone_from_source:
        merged["status"] = "rescheduled"
        merged["rescheduled_from"] = base["start"]
        found.said.append(f"moved {shown}: {base['start']} → {merged['start']} (status: rescheduled; "
                          "`newsletter list` offers its change notice)")
        found.updated += 1
    elif gone_from_source and "status" in changed:
        found.said.append(f"cancelled {shown}: gone from the calendar (status: cancelled; the file is kept)")
        found.cancelled += 1
    elif merged.get("status") == "cancelled" and ours.get("status") != "cancelled":
        found.said.append(f"cancelled {shown}: cancelled in the calendar")
        found.cancelled += 1
    elif changed:
        found.said.append(f"updated {shown}: {', '.join(changed)}")
        found.updated += 1
    if merged == ours and new_body == our_body:
        found.unchanged += 1
        return None
    return _edited(text, current, merged, new_body) or event_text(merged, new_body)


def _edited(text: str, current: Any, merged: dict[str, Any], body: str) -> str | None:
    """The file with only the lines of the fields that changed rewritten (so comments, quoting and order that
    people wrote stay), or None when that does not read back as `merged`: then the whole file is written.

    A field written over several lines (a `location:` with its name and address below it) is its own line and
    those under it up to the next field; comments and blank lines just before the next field stay, as they
    are more likely about it."""
    from newsletter.importing.writing import field_lines
    from newsletter.sources.frontmatter import FrontMatterError, split

    ours = current.data
    lines = text.split("\n")
    close = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    starts = sorted(current.lines[key] - 1 for key in ours if key in current.lines)
    replaced: dict[int, list[str]] = {}
    dropped: set[int] = set()
    added: list[str] = []
    for key in dict.fromkeys([*ours, *merged]):
        if merged.get(key) == ours.get(key):
            continue
        if key in ours:
            if key not in current.lines:
                return None
            start = current.lines[key] - 1
            end = min((line for line in starts if line > start), default=close)
            while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
                end -= 1
            replaced[start] = field_lines(key, merged[key]) if key in merged else []
            dropped.update(range(start + 1, end))
        else:
            added += field_lines(key, merged[key])
    out = []
    for number, line in enumerate(lines[:close]):
        if number not in dropped:
            out += replaced.get(number, [line])
    out += added + ["---"]
    edited = "\n".join(out) + "\n" + ("\n" + body.strip("\n") + "\n" if body.strip() else "")
    if current.body.strip("\n") == body.strip("\n"):  # the description as it was, blank lines and all
        edited = "\n".join(out) + "\n" + "\n".join(lines[close + 1:])
    try:
        again = split(edited)
    except FrontMatterError:
        return None
    return edited if again.data == merged and again.body.strip("\n") == body.strip("\n") else None


def _as_read(front: dict[str, Any], body: str) -> tuple[dict[str, Any], str]:
    """`front` and `body` as the reader gives them back from the written file (every value as text)."""
    from newsletter.sources.frontmatter import split

    written = split(event_text(front, body))
    return written.data, written.body.strip("\n")


def _in_window(front: dict[str, Any], since: datetime, until: datetime) -> bool:
    """Whether an event imported earlier starts in this import's window (a series always counts)."""
    if "repeat" in front:
        return True
    start = str(front.get("start", ""))[:10]
    return since.date().isoformat() <= start < until.date().isoformat()


def _free_name(folder: Path, stem: str, taken: set[Path]) -> Path:
    path, number = folder / f"{stem}.md", 2
    while path.resolve() in taken or path.exists():
        path, number = folder / f"{stem}-{number}.md", number + 1
    return path


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _shown(path: Path, root: Path) -> str:
    """The file as the project names it: events/2027-03-06-rally.md."""
    return _relative(path, root)


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def apply(found: Plan, root: Path, source: str) -> None:
    """Write every file of the plan, then the record: each file replaced in one step, the new ones made
    first in temporary files beside them, so that a failure leaves no half-written file. An import that
    changes nothing writes nothing into the project: when it read the source is kept in its cache."""
    from newsletter.sources.imports import checked

    if found.checked is not None:
        checked(root, source, found.checked)
    if not found.writes and not found.recorded:
        return
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in found.writes.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            temps.append((temp, path))
        handle, temp = tempfile.mkstemp(prefix=f".{STATE}.", suffix=".tmp", dir=root)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            json.dump(found.state, stream, ensure_ascii=False, indent=1, sort_keys=True)
            stream.write("\n")
        temps.append((temp, root / STATE))
    except OSError as exc:
        for temp, _ in temps:
            Path(temp).unlink(missing_ok=True)
        raise ImportProblem(f"cannot write the imported events: {exc.strerror or exc}; nothing was changed") from None
    for temp, path in temps:
        os.replace(temp, path)
