"""A folder of files written as one set: readers see the whole old set or the whole new one, never a mix.

The folder a command writes (dist/2018-W04/) is a symbolic link to a hidden
sibling folder that holds one complete set (.2018-W04.<pid>.<random>.set).
A run writes its set into a new hidden folder, then points the link at it
with one rename, which is atomic: a run killed at any moment leaves the
link on the last complete set. The next run removes the sets nothing points
to, unless the process that is writing one still runs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

LANGUAGE_FOLDER = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
_OWN = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.(?:set|link)")
_OLD_TEMPORARY = re.compile(r"\..+\.tmp")  # what an older version left while writing file by file


class ForeignFiles(Exception):
    """The folder holds files the command did not write, which replacing it as a set would lose."""

    def __init__(self, folder: Path, names: list[str]):
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        super().__init__(f"{folder}: holds {shown}, which newsletter did not write; it replaces this folder "
                         "as a whole, so move them elsewhere or write into another folder with --out")


class NotAFolder(ForeignFiles):
    """The place the command writes its folder is a file."""

    def __init__(self, path: Path):
        Exception.__init__(self, f"{path}: is a file, and newsletter writes a folder there: "
                                 "move the file or write into another folder with --out")


def write_set(target: Path, files: Mapping[str, bytes], keep: Iterable[str] = ()) -> tuple[list[Path], list[Path]]:
    """Write `files` (relative path → bytes) as the folder `target`, in one swap; the written and the removed paths.

    What an earlier set of this command held is replaced; what else is in it
    (the group's own notes, the entries named in `keep`: another command's
    own set inside it, such as an announcement's reminder/) is carried into
    the new set. An earlier set's own files that this one lacks (the other
    language layout) are the removed paths. A real folder (an older version's,
    or one named with --out) is taken over only when it holds nothing else:
    ForeignFiles, raised before anything is written. OSError when the disk
    refuses.
    """
    target = Path(target)
    if target.name in ("", ".", ".."):  # "." or "..": the folder's own name, for its hidden sets beside it
        target = Path(os.path.abspath(target))
    keep = set(keep)
    names = {Path(relative).name for relative in files}
    folders = {part for relative in files for part in Path(relative).parts[:-1]}  # share/, a language's en/
    if target.exists() and not target.is_dir():
        raise NotAFolder(target)
    before = _listing(target) if target.is_dir() else []
    foreign = [entry for entry in before if not _own(target, entry, names, keep, folders)]
    if foreign and not target.is_symlink():
        raise ForeignFiles(target, foreign)
    earlier = _earlier_files(target, [entry for entry in before if entry not in foreign and entry not in keep
                                      and not _kept_set(entry, keep) and not _OLD_TEMPORARY.fullmatch(entry)])
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_unused(target)
    staged = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.set"
    try:
        staged.mkdir()
        for relative, data in files.items():
            path = staged / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(path, 0o644)
        for entry in sorted(keep & set(before) | set(foreign)):
            _carry(target / entry, staged / entry)
            if (target / entry).is_symlink() and _kept_set(os.readlink(target / entry), keep):
                _carry(target / os.readlink(target / entry), staged / os.readlink(target / entry))
        _swap_in(target, staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    _remove_unused(target)
    return [target / relative for relative in files], [target / relative for relative in earlier
                                                        if relative not in files and Path(relative).name in names]


def _earlier_files(target: Path, entries: list[str]) -> list[str]:
    """The relative paths of the files an earlier set of this command had: its own files, and its folders'."""
    found = []
    for entry in entries:
        if (target / entry).is_dir():
            found += [f"{entry}/{name}" for name in _earlier_files(target / entry, _listing(target / entry))]
        else:
            found.append(entry)
    return found


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except FileNotFoundError:
        return []


def _own(target: Path, entry: str, names: set[str], keep: set[str], folders: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether `entry` in the folder is something a run of this command (or a kept one) wrote: one of its files,
    or a folder of them (a language's, the share folder) holding nothing else."""
    path = target / entry
    if entry in keep or _kept_set(entry, keep) or _OLD_TEMPORARY.fullmatch(entry):
        return True
    if path.is_file() and not path.is_symlink():
        return entry in names
    if path.is_dir() and not path.is_symlink() and (LANGUAGE_FOLDER.fullmatch(entry) or entry in folders):
        return all(_own(path, name, names, set(), folders) for name in _listing(path))
    return False


def _kept_set(entry: str, keep: set[str]) -> bool:
    """Whether `entry` is the hidden set of a kept entry that is a set itself (.reminder.<pid>.<random>.set)."""
    found = _OWN.fullmatch(entry)
    return found is not None and found["name"] in keep


def _carry(source: Path, destination: Path) -> None:
    """Put `source` into the new set as it is: links as links, files as hard links (no copy of the bytes)."""
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
    elif source.is_dir():
        shutil.copytree(source, destination, symlinks=True, copy_function=_link_unless_there, dirs_exist_ok=True)
    else:
        os.link(source, destination)


def _link_unless_there(source: str, destination: str) -> None:
    """Hard-link `source` as `destination`, unless the new set has its own file there."""
    if not os.path.lexists(destination):
        os.link(source, destination)


def _swap_in(target: Path, staged: Path) -> None:
    """Point `target` at `staged` with one rename; a real folder an older version wrote is moved aside first."""
    link = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.link"
    os.symlink(staged.name, link)
    try:
        if target.is_dir() and not target.is_symlink():
            # No rename puts a link over a folder: for this one run a reader may find no folder for a moment.
            os.rename(target, target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.set")
        os.replace(link, target)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _remove_unused(target: Path) -> None:
    """Remove the hidden sets and links of `target` that it does not point to, unless their process still writes."""
    current = os.readlink(target) if target.is_symlink() else None
    for entry in _listing(target.parent):
        found = _OWN.fullmatch(entry)
        if found is None or found["name"] != target.name or entry == current:
            continue
        if int(found["pid"]) != os.getpid() and _running(int(found["pid"])):
            continue
        path = target.parent / entry
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether the process `pid` still runs (a concurrent run's set is not stale)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # there, and another user's
        return True
    return True
