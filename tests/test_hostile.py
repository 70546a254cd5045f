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
    ("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}"
     "{% endfor %}", "takes more than 100,000 steps"),  # silent, so no output limit stops it
    ("{% macro m() %}{% for a in range(1000) %}{% endfor %}{% endmacro %}"
     "{% for b in range(1000) %}{% for c in range(1000) %}{{ m() }}{% endfor %}{% endfor %}", "takes more than"),
    ("{% set a = 'x' * 100 %}{% set b = a ~ a ~ a ~ a %}{% set c = b ~ b ~ b ~ b %}{% set d = c ~ c ~ c ~ c %}"
     "{% set e = d ~ d ~ d ~ d %}{% set f = e ~ e ~ e ~ e %}{{ f|length }}", "makes text or a list over 10,000"),
    ("{{ 'x'.ljust(999999999) }}", "a number over 10,000 is not allowed"),
    ("{{ 'x'|center(999999999) }}", "a number over 10,000 is not allowed"),
    ("{{ ('x' * 100) * 100 * 100 }}", "makes text or a list over 10,000"),
])
@pytest.mark.parametrize("key", ["subject", "announce_subject", "preheader"])
def test_a_template_in_the_settings_runs_in_a_sandbox(sample, key, template, words):
    set_setting(sample, key, f"'''{template}'''")
    args = ("announce", "2018-01-27-justice-for-siham-and-naseem-rally", "--today", "2018-01-20") \
        if key == "announce_subject" else ("build", "--week", "2018-W04")
    [line] = refused(sample, *args)
    assert line.startswith("newsletter.toml:") and f": {key}: " in line and words in line, line
    assert not (sample / "PWNED").exists()


# Files that are not what they seem -------------------------------------------------------

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"


def with_image(root: Path, src: str) -> None:
    rally = root / "events" / f"{RALLY}.md"
    rally.write_text(rally.read_text().replace("summary:", f"image:\n  src: {src}\n  alt: A poster\nsummary:", 1))


def test_an_image_linked_from_outside_the_project_is_refused_not_published(sample, tmp_path_factory):
    from test_images import png

    secret = tmp_path_factory.mktemp("elsewhere") / "SECRET.png"
    secret.write_bytes(png(100, 100) + b"private words")
    (sample / "images").mkdir()
    (sample / "images" / "poster.png").symlink_to(secret)
    with_image(sample, "images/poster.png")
    [line] = refused(sample, "archive", "--today", "2018-01-20")
    assert line.startswith(f"events/{RALLY}.md:") and "image.src: images/poster.png is a link to " in line
    assert "outside the project folder" in line


@pytest.mark.parametrize("make", ["fifo", "dev-zero", "too-big"])
def test_an_event_file_that_is_not_a_plain_small_file_is_one_line(sample, make):
    path = sample / "events" / "2018-01-26-odd.md"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.write_text("---\ntitle: Big\nkind: rally\nstart: 2018-01-26 12:00\n---\n" + "words " * 200_000)
    [line] = refused(sample, "build", "--week", "2018-W04")
    expected = {"fifo": "is not a regular file but a named pipe (FIFO)",
                "dev-zero": "is a link to /dev/zero, outside the project folder",
                "too-big": "is over 1,000 KB"}[make]
    assert line.startswith("events/2018-01-26-odd.md: ") and expected in line, line


def test_settings_that_are_a_fifo_or_intro_md_that_is_not_utf8_are_one_line(sample):
    (sample / "intro.md").write_bytes("Bienvenue à tous".encode("latin-1"))
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line == "intro.md: is not UTF-8 text: save it as UTF-8"
    (sample / "intro.md").unlink()
    config = sample / "newsletter.toml"
    config.rename(sample / "settings.toml")
    os.mkfifo(config)
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line == "newsletter.toml: is not a regular file but a named pipe (FIFO): only plain files are read"


# Values out of range ---------------------------------------------------------------------

@pytest.mark.parametrize("key", ["from", "to", "reply_to", "list_id", "name", "unsubscribe", "subject"])
@pytest.mark.parametrize("mark", ["\\r", "\\n", "\\u2028", "\\u0085"])
def test_a_line_break_in_a_header_bound_setting_is_one_line_naming_it(sample, key, mark):
    value = {"from": "ISO Boston <events@example.org>", "to": "List <announce@example.org>",
             "reply_to": "ISO <boston@example.org>", "list_id": "ISO list <announce.example.org>",
             "name": "ISO Boston Events", "unsubscribe": "https://example.org/leave", "subject": "Events"}[key]
    set_setting(sample, key, '"' + value + mark + 'Bcc: x@example.net"')
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("newsletter.toml:") and f": {key}: contains a line break: write it on one line" in line


@pytest.mark.parametrize("key", ["from", "subject"])
def test_an_empty_from_or_subject_is_refused(sample, key):
    set_setting(sample, key, '""')
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("newsletter.toml:") and line.endswith(
        f": {key}: is empty: give it a value, or remove the line to use the default")


@pytest.mark.parametrize("front, field", [
    ('title: "Rally \\x01 now"', "title"),
    ('title: "Rally \\x1b[31m red"', "title"),
    ('title: "\\ud83c\\udf89 party"', "title"),
    ('title: "Rally \\x7f"', "title"),
    ('summary: "Line one\\u0000"', "summary"),
])
def test_a_control_character_or_half_a_character_is_one_line_at_its_field(sample, front, field):
    path = sample / "events" / "2018-01-26-odd.md"
    text = "---\ntitle: Odd\nkind: rally\nstart: 2018-01-26 12:00\n---\nCome.\n"
    path.write_text(text.replace("title: Odd", front) if front.startswith("title") else text.replace(
        "kind: rally", f"kind: rally\n{front}"))
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("events/2018-01-26-odd.md:") and f": {field}: contains " in line, line


def test_a_control_character_in_a_description_names_the_file_and_line(sample):
    (sample / "events" / "2018-01-26-odd.md").write_text(
        "---\ntitle: Odd\nkind: rally\nstart: 2018-01-26 12:00\n---\nCome.\n\nBring \x01 friends.\n")
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("events/2018-01-26-odd.md:8: body: contains a character no one can read (U+0001)"), line


def test_a_title_of_invisible_marks_alone_is_missing(sample):
    (sample / "events" / "2018-01-26-odd.md").write_text(
        '---\ntitle: "\\ufeff\\u200b"\nkind: rally\nstart: 2018-01-26 12:00\n---\n')
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line == "events/2018-01-26-odd.md:2: title: is required"


@pytest.mark.parametrize("start", ["9999-12-31 23:30", "9999-12-31", "0001-01-01 10:00"])
def test_a_date_out_of_range_is_one_line(sample, start):
    (sample / "events" / "2018-01-26-odd.md").write_text(f"---\ntitle: Odd\nkind: rally\nstart: {start}\n---\n")
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("events/2018-01-26-odd.md:4: start: ") and "outside the years newsletter reads" in line


@pytest.mark.parametrize("mark", ["\n", "\r"])
def test_an_event_file_whose_name_has_a_line_break_is_one_line(sample, mark):
    (sample / "events" / f"2018-01-26-odd{mark}name.md").write_text(
        "---\ntitle: Odd\nkind: rally\nstart: 2018-01-26 12:00\n---\n")
    for command in (("build", "--week", "2018-W04"), ("archive", "--today", "2018-01-20")):
        [line] = refused(sample, *command)
        assert line == (f"events/2018-01-26-odd\\x{ord(mark):02x}name.md: the file's name has a line break or a control "
                        "character in it: rename the file")


def test_settings_nested_ten_thousand_deep_are_one_line(sample):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text() + "deep = " + "[" * 10_000 + "]" * 10_000 + "\n")
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line == "newsletter.toml: TOML: tables or lists are nested too deep to read: settings need a level or two"


# Faults ------------------------------------------------------------------------------------

def test_two_builds_of_the_same_week_at_once_both_succeed(sample):
    for _ in range(8):  # the failure was a race: 11 of 40 before
        runs = [subprocess.Popen([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--no-cache"],
                                 cwd=sample, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        outcomes = [(run.wait(timeout=SECONDS), run.communicate()[1]) for run in runs]
        assert [code for code, _ in outcomes] == [0, 0], outcomes
    folder = sample / "dist" / "2018-W04"
    assert sorted(p.name for p in folder.iterdir()) == ["digest.eml", "digest.html", "digest.json", "digest.txt",
                                                        "events.ics", "share"]
    # A run leaves the other's set while that one still runs; the next run clears it.
    assert newsletter(sample, "build", "--week", "2018-W04").returncode == 0
    assert [p.name for p in folder.parent.iterdir() if p.name != "2018-W04"] == [os.readlink(folder)]


def test_a_killed_builds_leftovers_are_still_cleaned(sample):
    folder = sample / "dist" / "2018-W04"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (folder / f".digest.html.{dead.stdout.strip()}.abc123.tmp").write_text("half")
    (folder / ".digest.html.xyz789.tmp").write_text("from an older version")
    assert newsletter(sample, "build", "--week", "2018-W04").returncode == 0
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_during_the_archive_names_the_file(sample, monkeypatch):
    from click.testing import CliRunner

    from newsletter.cli import main

    real_replace = os.replace

    def full(source, target, *args, **kwargs):
        if "site" in str(target):
            raise OSError(28, "No space left on device")
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.chdir(sample)
    monkeypatch.setattr(os, "replace", full)
    result = CliRunner().invoke(main, ["archive", "--today", "2018-01-20", "--jobs", "1"])
    assert result.exit_code == 1, (result.output, result.exception)
    line = result.stderr.strip().split("\n")[-1]
    assert line.startswith("site/") and line.endswith(": cannot write it: No space left on device"), line
    assert not [p for p in (sample / "site").rglob("*.tmp")]


@pytest.mark.parametrize("title", ['"Rally\\nnow"', '"Rally\\rnow"', "|\n  Rally\n  now"])
def test_a_title_is_one_line(sample, title):
    (sample / "events" / "2018-01-26-odd.md").write_text(f"---\ntitle: {title}\nkind: rally\nstart: 2018-01-26 12:00\n---\n")
    for command in (("build", "--week", "2018-W04"), ("archive", "--today", "2018-01-20")):
        [line] = refused(sample, *command)
        assert line.startswith("events/2018-01-26-odd.md:2: title: "), line


def test_a_deeply_nested_flow_mapping_is_reported_at_its_field(sample):
    (sample / "events" / "2018-01-26-odd.md").write_text(
        "---\ntitle: Odd\nkind: rally\nstart: 2018-01-26 12:00\nlocation: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n---\n")
    [line] = refused(sample, "build", "--week", "2018-W04")
    assert line.startswith("events/2018-01-26-odd.md:5: the fields are nested deeper than an event file ever needs"), line
