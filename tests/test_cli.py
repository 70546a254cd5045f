"""The command line, end to end, as an organizer would use it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter import __version__
from newsletter.cli import main
from newsletter.sources.events import read_event

COMMANDS = ["init", "build", "announce", "list", "check", "new", "preview", "send", "post", "sent", "archive"]


SHARE = "whatsapp.txt, telegram.txt, signal.txt, mastodon.txt, bluesky.txt, card.png, square.png, card.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_sample_week_end_to_end(sample):
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.split("\n") == [
        "Week 2018-W04 (January 22–28, 2018)",
        "Subject: ISO Boston Events: January 22–28, 2018",
        "  Rallies & actions: 1 event",
        "  Meetings: 1 event",
        "  Panels & talks: 1 event",
        "  Ongoing: 1 event",
        result.stdout.split("\n")[6],
        "Wrote dist/2018-W04/digest.html",
        "Wrote dist/2018-W04/digest.txt",
        "Wrote dist/2018-W04/digest.eml",
        "Wrote dist/2018-W04/digest.json",
        "Wrote dist/2018-W04/events.ics",
        f"Wrote dist/2018-W04/share/: {SHARE}",
        "",
    ]
    assert result.stdout.split("\n")[6].startswith("HTML size: ")
    assert result.stdout.split("\n")[6].endswith(" KB as sent (Gmail clips at 102 KB)")
    for name in ("digest.html", "digest.txt", "digest.eml", "digest.json"):
        assert (sample / "dist" / "2018-W04" / name).stat().st_size > 0


def test_build_defaults_to_the_coming_week_as_of_today(sample):
    result = run("build", "--today", "2018-01-18", "--out", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Week 2018-W04 ")
    assert (sample / "out" / "digest.html").exists()


def test_build_of_an_empty_week_fails_and_writes_nothing(sample):
    result = run("build", "--week", "2018-W30")
    assert result.exit_code == 1
    assert result.stderr == "no events in week 2018-W30 (July 23–29, 2018): nothing to send\n"
    assert not (sample / "dist").exists()


def test_bad_input_is_one_line_per_problem_never_a_traceback(sample):
    (sample / "events" / "bad.md").write_text("---\ntitle: T\nkind: rally\nstart: 2018-02-30\nlocaton: x\n---\n")
    (sample / "events" / "binary.md").write_bytes(b"---\ntitle: \xff\xfe\n---\n")
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 1
    assert result.stderr.split("\n") == [
        "events/bad.md:4: start: 2018-02-30 is not a real date",
        "events/bad.md:5: locaton: unknown field 'locaton': did you mean 'location'?",
        "events/binary.md:2: file is not UTF-8 text (save it as UTF-8)",
        "",
    ]
    assert not (sample / "dist").exists()


def test_bad_week_and_today_values(sample):
    result = run("build", "--week", "2018-W60")
    assert result.exit_code == 1 and result.stderr == "--week: 2018 has no ISO week 60\n"
    result = run("build", "--week", "next")
    assert result.exit_code == 1 and result.stderr == "--week: 'next' is not a week (write 2018-W04 or a date such as 2018-01-24)\n"
    result = run("build", "--today", "2018-02-30")
    assert result.exit_code == 2 and "2018-02-30 is not a real date" in result.stderr


def test_list_shows_the_week_one_line_per_event(sample):
    result = run("list", "--week", "2018-W04")
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").split("\n")
    assert lines[0] == "2018-W04 · January 22–28, 2018"
    assert "Rallies & actions" in lines and "Ongoing" in lines
    assert any(line.startswith("  Sat Jan 27  12:00–2:00 pm") and "#Justice4Siham & #Justice4Naseem Rally" in line for line in lines)
    assert any("through Saturday, February 10" in line and "Center for Economic Research" in line for line in lines)


def test_list_marks_rescheduled_events(sample):
    result = run("list", "--week", "2018-W02")
    assert "[rescheduled] Left Organizing Tactics in the Age of Trump: The United Front" in result.stdout


def test_check_passes_on_the_sample_and_reports_size(sample):
    result = run("check", "--today", "2018-01-18")
    assert result.exit_code == 0, result.output
    assert "2018-W04: digest.html is " in result.stdout and "of Gmail's 102 KB" in result.stdout
    # The sample's from address is a placeholder on example.org, which a real group must change.
    assert "warning: the from address ISO Boston <events@example.org> is an example address" in result.stdout
    assert "OK: settings and 5 event files are valid; 0 errors, 1 warning" in result.stdout


def test_check_reports_every_problem_in_every_file_at_once(sample):
    (sample / "events" / "a.md").write_text("---\ntitle: A\nkind: rally\nstart: 2018-01-27 12:00\nend: 11:00\n---\n")
    (sample / "events" / "b.md").write_text("---\ntitle: B\nkind: rally\nstart: 2018-01-27\nimage:\n  src: https://example.org/x.png\n---\n")
    (sample / "events" / "c.md").write_text("")
    result = run("check")
    assert result.exit_code == 1
    assert result.stderr.split("\n") == [
        "events/a.md:5: end: '11:00' is not after the start, '2018-01-27 12:00': the event must end after it starts",
        "events/b.md:5: image.alt: is required: describe the image for people who cannot see it",
        "events/c.md:1: file is empty (it needs front matter between --- lines)",
        "Not ready: 3 errors, 0 warnings",
        "",
    ]


def test_check_reports_settings_problems(sample):
    (sample / "newsletter.toml").write_text('name = "N"\nweek_strat = "sunday"\n')
    result = run("check")
    assert result.exit_code == 1
    assert "newsletter.toml:2: week_strat: unknown field 'week_strat': did you mean 'week_start'?" in result.stderr


def test_new_writes_a_scaffold_that_reads_back_as_a_valid_event(sample):
    result = run("new", "rally", "Rent Strike Rally!", "--start", "2018-02-03 12:00", "--end", "14:00",
                 "--location", "City Hall Plaza")
    assert result.exit_code == 0, result.output
    path = sample / "events" / "2018-02-03-rent-strike-rally.md"
    assert result.stdout == "Created events/2018-02-03-rent-strike-rally.md\n"
    text = path.read_text()
    for field in ("summary", "hosts", "speakers", "links", "rsvp", "donate", "accessibility", "image",
                  "status", "rescheduled_from", "status_note", "draft", "online", "timezone", "short_title",
                  "repeat", "changes"):
        assert f"# {field}:" in text
    from newsletter.sources.config import load_settings

    event, problems = read_event(path.read_bytes(), "x.md", "x", load_settings(sample / "newsletter.toml"))
    assert problems == []
    assert (event.title, event.kind, event.location.name) == ("Rent Strike Rally!", "rally", "City Hall Plaza")
    assert event.end.hour == 14


def test_the_scaffolds_repeat_lines_make_a_valid_series_once_uncommented(sample):
    assert run("new", "meeting", "Branch meeting", "--start", "2018-02-01 19:00").exit_code == 0
    path = sample / "events" / "2018-02-01-branch-meeting.md"
    lines = path.read_text().split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith("# repeat:"))
    for number in range(start, start + 7):
        lines[number] = lines[number].removeprefix("# ")
    path.write_text("\n".join(lines))
    from newsletter.sources.config import load_settings

    event, problems = read_event(path.read_bytes(), "x.md", "x", load_settings(sample / "newsletter.toml"))
    assert problems == []
    assert event.is_series and event.repeat.weekdays == (3,) and [d.isoformat() for d, _ in event.changes] == ["2018-03-01"]


def test_new_never_overwrites(sample):
    assert run("new", "meeting", "Weekly meeting", "--start", "2018-02-01 19:00").exit_code == 0
    path = sample / "events" / "2018-02-01-weekly-meeting.md"
    path.write_text(path.read_text() + "\nOur own notes.\n")
    result = run("new", "meeting", "Weekly meeting", "--start", "2018-02-01 19:00")
    assert result.exit_code == 1
    assert result.stderr == "events/2018-02-01-weekly-meeting.md already exists: not overwriting it\n"
    assert path.read_text().endswith("Our own notes.\n")


@pytest.mark.parametrize("args, message", [
    (["concert", "T", "--start", "2018-02-01"], "KIND: unknown kind 'concert' (kinds: rally, meeting, panel, study-group, fund-drive, other); to add it, "
     "write [[kinds]] and, on the next line, id = \"concert\" in newsletter.toml\n"),
    (["rally", "T", "--start", "2018-02-30"], "--start: 2018-02-30 is not a real date\n"),
    (["rally", "T", "--start", "2018-02-01 12:00", "--end", "25:00"], "--end: '25:00' is not a time of day (write 19:00 or 7:00 pm)\n"),
])
def test_new_rejects_bad_arguments(sample, args, message):
    result = run("new", *args)
    assert result.exit_code == 1 and result.stderr == message


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"newsletter {command}" in result.stdout


def test_every_command_has_a_section_in_the_documentation():
    commands = (Path(__file__).resolve().parents[1] / "docs" / "commands.md").read_text()
    for name in main.commands:
        assert f"## `newsletter {name}" in commands, name


def test_version():
    assert run("--version").stdout == f"newsletter, version {__version__}\n"


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "newsletter", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Usage: newsletter" in done.stdout


def test_the_command_ends_at_once_with_everything_said_and_the_same_status(sample):
    """The installed command skips the interpreter's tidying at exit: its output, files and exit status are those
    of main(), also into a pipe, and into one its reader closed early."""

    def command(*args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "newsletter", *args], capture_output=True, text=True,
                              timeout=120, cwd=sample, **kwargs)

    for args in (["list", "--week", "2018-W04"], ["build", "--week", "2018-W04", "--out", "fast"],
                 ["build", "--week", "nonsense"], ["check", "--week", "2018-W04", "--today", "2018-01-20"],
                 ["--bogus"]):
        done, expected = command(*args), CliRunner().invoke(main, args, prog_name="newsletter")
        assert (done.returncode, done.stdout, done.stderr) == (expected.exit_code, expected.stdout, expected.stderr)
    assert [done.returncode for done in (command("build", "--week", "2018-W04"), command("build", "--week", "x"),
                                         command("--bogus"))] == [0, 1, 2]
    assert (sample / "fast" / "digest.eml").read_bytes().endswith(b"--\r\n")
    ended = subprocess.run(f"{sys.executable} -m newsletter list --week 2018-W04 | head -c 1", shell=True,
                           capture_output=True, text=True, timeout=120, cwd=sample)
    assert ended.returncode == 0 and ended.stdout == "2" and ended.stderr == ""


def test_help_imports_no_rendering_library():
    probe = (
        "import sys\n"
        "from newsletter.cli import main\n"
        "try:\n    main(['build', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'premailer', 'mjml', 'jinja2', 'markdown_it', 'yaml', 'lxml', 'cssutils', 'requests'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("[]")


def test_build_prints_nothing_from_the_libraries_underneath(sample):
    done = subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04"],
                          capture_output=True, text=True, timeout=120, cwd=sample)
    assert done.returncode == 0
    assert done.stderr == ""
    assert all(line.startswith(("Week ", "Subject: ", "  ", "HTML size: ", "Wrote ")) for line in done.stdout.splitlines())


def test_build_warns_when_gmail_would_clip_the_digest(project):
    paragraph = "Words about the campaign that go on for a long while. " * 40
    body = "\n\n".join([paragraph] * 60)
    project.event("long.md", f"---\ntitle: Long\nkind: rally\nstart: 2018-01-24 18:00\n---\n{body}\n")
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 1  # the files are written to look at, and the status says not to send them
    size, clipped, loud = result.stderr.splitlines()
    assert re.fullmatch(r"warning: digest.html is \d+\.\d KB as sent, over max_html_kb \(80 KB\) \(fix: set archive_url .*\)", size)
    assert re.fullmatch(r"warning: digest.html is \d+\.\d KB as sent: Gmail clips messages over 102 KB, .*", clipped)
    assert loud == "DO NOT SEND: Gmail will clip this digest at 102 KB; see the warnings above"
    check = run("check", "--week", "2018-W04")
    assert check.exit_code == 1 and "Gmail clips messages over 102 KB" in check.stdout


def test_build_help_names_every_file_and_archive_counts_in_words(sample):
    assert "digest.html, .txt, .eml, .json and events.ics" in run("build", "--help").output
    for name in list((sample / "events").iterdir())[1:]:
        name.unlink()
    result = run("archive", "--today", "2018-01-18", "--out", "site")
    assert result.exit_code == 0 and re.search(r"^1 week, 1 event: wrote", result.stdout, re.M), result.stdout


def test_list_shows_a_multi_week_drive_as_a_range(sample):
    result = run("list", "--week", "2018-W03")
    assert "  Mon Jan 15  through Sat Feb 10 Fund drive: Center for Economic Research & Social Change" in result.stdout


def test_the_command_ends_the_usual_way_so_atexit_hooks_and_profilers_run(sample):
    """Coverage, profilers and anything else that writes at exit see the whole run."""
    import subprocess
    import sys

    hook = ("import atexit, sys; from pathlib import Path; "
            "atexit.register(lambda: Path('exited').write_text('yes')); "
            "sys.argv = ['newsletter', 'build', '--week', '2018-W04']; "
            "from newsletter.launch import run; run()")  # the installed command's entry
    done = subprocess.run([sys.executable, "-c", hook], cwd=sample, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (sample / "exited").read_text() == "yes"
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-m", "newsletter", "list"], cwd=sample,
                              capture_output=True, text=True, timeout=120)
    assert profiled.returncode == 0 and "function calls" in profiled.stdout


def test_a_reader_that_goes_away_early_gets_no_traceback(sample):
    import subprocess
    import sys

    # `true` has gone long before the command has started up and writes its list.
    done = subprocess.run(f"'{sys.executable}' -m newsletter list --week 2018-W04 | true", shell=True, cwd=sample,
                          capture_output=True, text=True, timeout=120)
    assert done.stderr == "", done.stderr
