"""A build or an archive killed at any moment (SIGKILL, a closed laptop) leaves the last complete files in place.

Each run is killed after a different delay, a bounded number of times; then
one run to the end leaves no temporary file behind.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DELAYS = (0.15, 0.35, 0.5, 0.65, 0.8, 1.0)  # seconds after start: imports, rendering, writing
RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def run(sample: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsletter", *args], cwd=sample, capture_output=True, text=True,
                          timeout=120)


def killed(sample: Path, delay: float, *args: str) -> None:
    process = subprocess.Popen([sys.executable, "-m", "newsletter", *args], cwd=sample,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def retitle(sample: Path, number: int) -> None:
    path = sample / "events" / f"{RALLY}.md"
    text = path.read_text(encoding="utf-8")
    title = text.split("\n")[1]
    path.write_text(text.replace(title, f'title: "Rally for Siham and Naseem, take {number}"', 1), encoding="utf-8")


def whole_digest(folder: Path) -> None:
    from email import message_from_bytes, policy

    assert (folder / "digest.html").read_text(encoding="utf-8").endswith("</html>\n")
    assert json.loads((folder / "digest.json").read_text(encoding="utf-8"))["subject"]
    message = message_from_bytes((folder / "digest.eml").read_bytes(), policy=policy.default)
    assert message.get_body(("html",)).get_content().rstrip().endswith("</html>")
    assert (folder / "events.ics").read_bytes().endswith(b"END:VCALENDAR\r\n")


def temporary_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tmp"))


def test_a_killed_build_leaves_the_last_digest_whole(sample):
    assert run(sample, "build", "--week", "2018-W04", "--out", "out").returncode == 0
    for number, delay in enumerate(DELAYS):
        retitle(sample, number)
        killed(sample, delay, "build", "--week", "2018-W04", "--out", "out")
        whole_digest(sample / "out")
    done = run(sample, "build", "--week", "2018-W04", "--out", "out")
    assert done.returncode == 0, done.stderr
    whole_digest(sample / "out")
    assert "take 5" in (sample / "out" / "digest.txt").read_text(encoding="utf-8")
    assert temporary_files(sample / "out") == []


def test_a_killed_archive_leaves_every_page_whole(sample):
    assert run(sample, "archive", "--today", "2018-01-18", "--out", "site").returncode == 0
    for number, delay in enumerate(DELAYS):
        retitle(sample, number)
        killed(sample, delay, "archive", "--today", "2018-01-18", "--out", "site")
        for page in (sample / "site").rglob("*.html"):
            assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
        assert (sample / "site" / "feed.xml").read_text(encoding="utf-8").rstrip().endswith("</feed>")
    done = run(sample, "archive", "--today", "2018-01-18", "--out", "site")
    assert done.returncode == 0, done.stderr
    assert "take 5" in (sample / "site" / "2018-W04" / "index.html").read_text(encoding="utf-8")
    assert temporary_files(sample / "site") == []


def test_the_next_run_removes_what_a_killed_run_left_half_written(sample):
    # What a run killed between writing its temporary files and renaming them leaves behind.
    (sample / "out").mkdir()
    (sample / "out" / ".digest.html.k3j9x2.tmp").write_text("<!DOCTYPE html><html><body><p>half", encoding="utf-8")
    (sample / "site" / "2018-W04").mkdir(parents=True)
    (sample / "site" / "2018-W04" / ".index.html.q81zz0.tmp").write_text("<!DOCTYPE", encoding="utf-8")
    assert run(sample, "build", "--week", "2018-W04", "--out", "out").returncode == 0
    assert run(sample, "archive", "--today", "2018-01-18", "--out", "site").returncode == 0
    assert temporary_files(sample / "out") == [] and temporary_files(sample / "site") == []
    whole_digest(sample / "out")


def test_a_run_killed_while_writing_leaves_files_the_next_run_finds_from_the_manifest(sample):
    """A run lists what it is about to write in the manifest under an empty key: the next run looks in those
    files' folders for what it left half written, without walking the whole site."""
    from newsletter.outputs.manifest import manifest_path, read_manifest, write_manifest

    assert run(sample, "archive", "--today", "2018-01-18", "--out", "site").returncode == 0
    manifest = manifest_path(sample / "newsletter.toml", sample / "site")
    files = read_manifest(manifest)
    write_manifest(manifest, {**files, "2018-W04/index.html": ("", -1)})  # as a killed run leaves it
    half = sample / "site" / "2018-W04" / ".index.html.q81zz0.tmp"
    half.write_text("<!DOCTYPE", encoding="utf-8")
    assert run(sample, "archive", "--today", "2018-01-18", "--out", "site").returncode == 0
    assert not half.exists() and temporary_files(sample / "site") == []
    assert read_manifest(manifest)["2018-W04/index.html"][0]  # rendered again, under its key
