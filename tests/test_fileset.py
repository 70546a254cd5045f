"""A build's five files are one set: whoever reads the folder finds the old set or the new one, never a mix."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import require
from newsletter.outputs.fileset import ForeignFiles, write_set

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"
DELAYS = (0.2, 0.5, 0.8, 0.95, 1.05, 1.15, 1.3, 6.0)  # seconds after the build starts writing, slowed; the last lets it end

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links and SIGKILL are POSIX")


class Killed(BaseException):
    """The process is gone: nothing after this point happens, not even clean-up."""


def stopping_at(step: int, monkeypatch) -> None:
    """Make the file system calls write_set makes fail from the `step`-th on, as if the process were killed there."""
    calls = []

    def wrap(owner, name):
        real = getattr(owner, name)

        def stopped(*args, **kwargs):
            calls.append(name)
            if len(calls) >= step:
                raise Killed(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, stopped)

    import builtins

    wrap(builtins, "open")
    for name in ("fsync", "chmod", "mkdir", "symlink", "rename", "replace", "link", "unlink", "rmdir"):
        wrap(os, name)
    wrap(shutil, "rmtree")


def as_read(folder: Path) -> dict[str, bytes]:
    """The folder's files as a reader finds them, without the reminder/ set inside it."""
    found = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {name: data for name, data in found.items() if not name.startswith(("reminder/", ".reminder."))}


OLD = {"digest.html": b"old html", "digest.txt": b"old text", "en/digest.json": b"old json"}
NEW = {"digest.html": b"new html", "digest.txt": b"new text", "es/digest.json": b"new json", "events.ics": b"new ics"}


@pytest.mark.parametrize("first", ["a set", "an older version's folder"])
def test_a_run_stopped_at_any_step_leaves_the_old_set_or_the_new_one(tmp_path, monkeypatch, first):
    step, gaps = 1, []
    while True:
        base = tmp_path / str(step)
        out = base / "out"
        if first == "a set":
            write_set(out, OLD, keep=("reminder",))
            write_set(out / "reminder", {"digest.txt": b"reminder"})
        else:  # a real folder, as earlier versions wrote it, with a half-written file of theirs
            for name, data in OLD.items():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                (out / name).write_bytes(data)
            (out / ".digest.html.k3j9x2.tmp").write_bytes(b"half")
        with monkeypatch.context() as patched:
            stopping_at(step, patched)
            try:
                write_set(out, NEW, keep=("reminder",))
                finished = True
            except Killed:
                finished = False
        seen = as_read(out)
        seen.pop(".digest.html.k3j9x2.tmp", None)
        if not out.exists():  # only once: between moving an older version's real folder aside and the swap
            assert first != "a set" and not gaps, f"stopped at step {step}: no folder"
            gaps.append(step)
        else:
            assert seen in (OLD, NEW), f"stopped at step {step}: {seen}"
        if first == "a set":
            assert (out / "reminder" / "digest.txt").read_bytes() == b"reminder", f"stopped at step {step}"
        # The next run finds its way from whatever was left, and leaves one set and nothing else.
        write_set(out, NEW, keep=("reminder",))
        assert as_read(out) == NEW
        assert [p.name for p in base.iterdir() if p.name != "out"] == [os.readlink(out)]
        if finished:
            break
        step += 1
    assert step > 10  # every write, the swap and the clean-up were each a place to stop


def test_a_real_folder_holding_other_files_is_not_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "digest.html").write_bytes(b"an older version's")
    (out / "budget.ods").write_bytes(b"the group's")
    with pytest.raises(ForeignFiles, match=r"out: holds budget\.ods, which newsletter did not write"):
        write_set(out, NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not out.is_symlink()
    assert (out / "digest.html").read_bytes() == b"an older version's"


def test_build_into_the_project_folder_is_refused_and_writes_nothing(sample):
    before = sorted(p.name for p in sample.iterdir())
    run = subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", ".",
                          "--no-cache"],
                         cwd=sample, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "which newsletter did not write" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in sample.iterdir()) == before


def test_a_reminder_stays_when_its_announcement_is_written_again(sample):
    def announce(*args):
        run = subprocess.run([sys.executable, "-m", "newsletter", "announce", RALLY, *args], cwd=sample,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr

    folder = sample / "dist" / "announce" / RALLY
    announce("--reminder", "--today", "2018-01-26")  # first: the announcement's folder is made for it
    announce("--today", "2018-01-20")
    announce("--today", "2018-01-20")
    reminder = (folder / "reminder" / "announcement.txt").read_text(encoding="utf-8")
    announce("--reminder", "--today", "2018-01-26")
    assert (folder / "reminder" / "announcement.txt").read_text(encoding="utf-8") == reminder
    assert (folder / "announcement.html").is_file()
    assert len([p for p in folder.parent.iterdir() if p.name.startswith(f".{RALLY}.")]) == 1


def takes(folder: Path) -> set[str]:
    """Which run wrote each of the five files, by the rally's title ("take 3"), read as a recipient's software would."""
    import icalendar

    found = set()
    found |= set(re.findall(r"take \d+", (folder / "digest.html").read_text(encoding="utf-8")))
    found |= set(re.findall(r"take \d+", (folder / "digest.txt").read_text(encoding="utf-8")))
    found |= set(re.findall(r"take \d+", json.dumps(json.loads((folder / "digest.json").read_bytes()))))
    message = message_from_bytes((folder / "digest.eml").read_bytes(), policy=policy.default)
    found |= set(re.findall(r"take \d+", message.get_body(("plain",)).get_content()))
    calendar = icalendar.Calendar.from_ical((folder / "events.ics").read_bytes())
    found |= {m for event in calendar.walk("VEVENT") for m in re.findall(r"take \d+", str(event["SUMMARY"]))}
    return found


def retitle(sample: Path, number: int) -> None:
    path = sample / "events" / f"{RALLY}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^title: .*$", f'title: "Rally for Siham and Naseem, take {number}"', text, count=1),
                    encoding="utf-8")


def test_a_build_killed_while_it_writes_and_swaps_leaves_one_whole_set(sample):
    """The file system calls of the writing are slowed (strace), and the build is killed at many moments in them."""
    require(shutil.which("strace") is not None, "strace (`sudo apt-get install strace`)")
    build = ["build", "--week", "2018-W04", "--out", "out", "--no-cache"]
    retitle(sample, 0)
    assert subprocess.run([sys.executable, "-m", "newsletter", *build], cwd=sample, timeout=120).returncode == 0
    slowed = ["strace", "-f", "-qq", "-o", os.devnull, "-e", "trace=fsync,rename,renameat,renameat2,symlink,symlinkat",
              "-e", "inject=fsync,rename,renameat,renameat2,symlink,symlinkat:delay_enter=150000"]
    seen = set()
    for number, delay in enumerate(DELAYS, start=1):
        retitle(sample, number)
        earlier = {p.name for p in sample.iterdir()}
        process = subprocess.Popen([*slowed, sys.executable, "-m", "newsletter", *build], cwd=sample,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".out.") and p.name not in earlier for p in sample.iterdir()) \
                and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # until the build starts writing its set
        time.sleep(delay)  # then at a later moment each time: writing, swapping, cleaning up
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # it finished first
            pass
        process.wait(timeout=30)
        found = takes(sample / "out")
        assert len(found) == 1, f"run {number}: a mixed set {found}"
        seen |= found
    assert len(seen) > 1  # some runs were killed before their swap, some after it
    assert subprocess.run([sys.executable, "-m", "newsletter", *build], cwd=sample, timeout=120).returncode == 0
    assert takes(sample / "out") == {f"take {len(DELAYS)}"}
    assert sorted(p.name for p in sample.iterdir() if p.name.startswith(".out.")) == [os.readlink(sample / "out")]
