"""Hostile and odd input, run as an organizer would meet it: the `newsletter` command in a process of its own.

Each case changes a copy of the sample, runs a command under a time and a
memory limit, and expects what a volunteer can act on: exit status 1, one
line per problem naming the file (or the setting), no traceback, no file
written, and nothing run that the input asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MEMORY = 1 << 30  # 1 GiB of address space is plenty for the sample, and stops a runaway read early
SECONDS = 60


def newsletter(root: Path, *args: str) -> subprocess.CompletedProcess:
    def limited() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-m", "newsletter", *args], cwd=root, capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=limited, stdin=subprocess.DEVNULL)


def refused(root: Path, *args: str) -> list[str]:
    """The problems a refused command printed, one line each; it wrote nothing and showed no traceback."""
    done = newsletter(root, *args)
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.split("\n")[0][:6], done.stderr
    assert not (root / "dist").exists() and not (root / "site").exists()
    return [line for line in done.stderr.split("\n") if line]


def set_setting(root: Path, key: str, value: str) -> None:
    """Replace (or add) `key = value` in the sample's newsletter.toml; `value` is written as TOML."""
    config = root / "newsletter.toml"
    lines = [line for line in config.read_text().split("\n") if not line.startswith(f"{key} =")]
    at = lines.index("") if "" in lines else len(lines)
    lines.insert(at, f"{key} = {value}")
    config.write_text("\n".join(lines))


# Code run from settings -----------------------------------------------------------------

@pytest.mark.parametrize("template, words", [
    ("{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}", "is unsafe"),
    ("{{ lipsum.__globals__['os'].system('touch PWNED') }}", "is unsafe"),
    ("{{ 1/0 }}", "template: division by zero"),
    ("{% for i in range(100000000) %}x{% endfor %}", "range() over 1,000 items is not allowed here"),
    ("{{ 'x' * 100000000 }}", "repeating text or a list more than 100 times is not allowed here"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
     "writes more than 10,000 characters"),
    ("{{ name.nope }}", "template: "),
])
@pytest.mark.parametrize("key", ["subject", "announce_subject", "preheader"])
def test_a_template_in_the_settings_runs_in_a_sandbox(sample, key, template, words):
    set_setting(sample, key, f"'''{template}'''")
    args = ("announce", "2018-01-27-justice-for-siham-and-naseem-rally", "--today", "2018-01-20") \
        if key == "announce_subject" else ("build", "--week", "2018-W04")
    [line] = refused(sample, *args)
    assert line.startswith(f"newsletter.toml:") and f": {key}: " in line and words in line, line
    assert not (sample / "PWNED").exists()
