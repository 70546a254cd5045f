"""The parse cache: what it keeps is always what reading the files again would give."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from newsletter.cli import main
from newsletter.outputs.project import load_project
from newsletter.schedule.dates import parse_week
from newsletter.schedule.digest import digest_window
from newsletter.sources import frontmatter
from newsletter.sources.cache import NAME, ParseCache
from newsletter.sources.compiled import CompiledCache
from newsletter.sources.store import FOLDER, signed, user_cache_dir
from newsletter.sources.config import load_settings
from newsletter.sources.events import event_files, load_events, read_event

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def cache_of(root) -> ParseCache:
    return ParseCache.beside(root / "newsletter.toml", root / "events")


def age(path, seconds: int = 60) -> None:
    """Make a file look untouched for a while, as most event files are."""
    then = path.stat().st_mtime_ns - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


def age_all(root) -> None:
    for path in (root / "events").rglob("*"):
        age(path)


def test_a_second_run_reads_no_file_and_gives_the_same_events(sample):
    age_all(sample)
    settings = load_settings(sample / "newsletter.toml")
    first = cache_of(sample)
    read, problems = load_events(sample / "events", settings, first)
    first.save()
    assert (first.hits, first.misses, problems) == (0, 5, [])
    again = cache_of(sample)
    cached, _ = load_events(sample / "events", settings, again)
    assert (again.hits, again.misses) == (5, 0)
    assert cached == read == load_events(sample / "events", settings)[0]


def test_an_edited_file_is_read_again_and_only_it(sample):
    age_all(sample)
    run("list", "--week", "2018-W04")
    path = sample / "events" / f"{RALLY}.md"
    path.write_text(path.read_text().replace("Naseem Rally", "Naseem Rally Now"))
    cache = cache_of(sample)
    events, _ = load_events(sample / "events", load_settings(sample / "newsletter.toml"), cache)
    assert (cache.hits, cache.misses) == (4, 1)
    assert "Naseem Rally Now" in run("list", "--week", "2018-W04").stdout


def test_an_edit_that_keeps_the_size_and_time_is_still_seen(sample):
    """Two saves within the file system's clock tick: the bytes of a recently written file are compared too."""
    path = sample / "events" / f"{RALLY}.md"
    path.write_text(path.read_text())  # saved just now
    run("list", "--week", "2018-W04")
    stamp = path.stat()
    path.write_text(path.read_text().replace("Naseem Rally", "Naseem March"))  # the same length
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert path.stat().st_size == stamp.st_size
    assert "Naseem March" in run("list", "--week", "2018-W04").stdout


def test_a_deleted_file_disappears_from_the_output_and_the_cache(sample):
    run("list", "--week", "2018-W04")
    (sample / "events" / f"{RALLY}.md").unlink()
    listing = run("list", "--week", "2018-W04").stdout
    assert "Naseem Rally" not in listing
    assert f"{RALLY}.md" not in cache_of(sample).entries


def test_a_settings_change_invalidates_every_entry(sample):
    run("list", "--week", "2018-W04")
    assert len(cache_of(sample).entries) == 5
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('timezone = "America/New_York"', 'timezone = "America/Chicago"'))
    assert cache_of(sample).entries == {}
    rally = next(e for e in load_project(config, sample / "events").events if e.id == RALLY)
    assert str(rally.start.tzinfo) == "America/Chicago"  # read again: its noon is Chicago's now


def test_a_file_with_a_problem_is_reported_on_every_run(sample):
    path = sample / "events" / f"{RALLY}.md"
    path.write_text(path.read_text().replace("kind: rally", "kind: rallye"))
    for _ in range(2):
        result = run("check", "--week", "2018-W04")
        assert result.exit_code == 1
        assert f"events/{RALLY}.md:3: kind: unknown kind 'rallye'" in result.stderr
    assert f"{RALLY}.md" not in cache_of(sample).entries


def test_an_event_is_read_again_when_its_image_file_goes(project):
    (project.root / "images").mkdir()
    image = project.root / "images" / "crowd.gif"
    image.write_bytes(b"GIF89a\x10\x00\x08\x00" + b"\x00" * 20)
    project.settings(project.config.read_text() + 'archive_url = "https://example.org/news/"\n')
    path = project.event("a.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\n"
                                 "image:\n  src: images/crowd.gif\n  alt: A crowd\n---\n")
    age(path)
    assert run("check", "--week", "2018-W04").exit_code == 0
    image.unlink()
    result = run("check", "--week", "2018-W04")
    assert "events/a.md:6: image.src: there is no file images/crowd.gif in the project folder" in result.stderr


def test_a_translation_is_checked_again_when_its_event_changes(project):
    project.settings(project.config.read_text() + 'languages = ["en", "es"]\n')
    event = project.event("a.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\n"
                                  "speakers:\n  - name: Ana\n    bio: An organizer\n---\n")
    project.event("a.es.md", "---\ntitle: Mitin\nspeakers:\n  - bio: Organizadora\n---\n")
    age_all(project.root)
    assert run("check", "--week", "2018-W04").exit_code == 0
    event.write_text("---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    result = run("check", "--week", "2018-W04")
    assert result.exit_code == 1 and "events/a.es.md" in result.stderr and "speakers" in result.stderr


LATER = "2019-06-01-summer-picnic"


def add_later_event(root) -> None:
    """An event in another month, so the cache has two months of readings."""
    (root / "events" / f"{LATER}.md").write_text(
        "---\ntitle: Summer Picnic\nkind: other\nstart: 2019-06-01 12:00\n---\nBring a dish.\n")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
@pytest.mark.parametrize("file, lost", [("2018-01.pickle", 5), ("index.pickle", 6)])
def test_a_damaged_cache_is_ignored_and_written_again(sample, damage, file, lost):
    add_later_event(sample)
    age_all(sample)
    first = run("list", "--week", "2018-W04").stdout
    path = sample / FOLDER / NAME / file
    data = path.read_bytes()
    path.write_bytes({"garbage": b"\x80\x04not a pickle", "truncated": data[: len(data) // 2],
                      "flipped": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:], "empty": b""}[damage])
    settings = load_settings(sample / "newsletter.toml")
    cache = cache_of(sample)
    events, problems = load_events(sample / "events", settings, cache)
    assert (cache.misses, cache.hits) == (lost, 6 - lost)  # a damaged month costs only its own entries
    assert (events, problems) == load_events(sample / "events", settings)
    cache.save()
    assert run("list", "--week", "2018-W04").stdout == first
    again = cache_of(sample)
    load_events(sample / "events", settings, again)
    assert (again.misses, again.hits) == (0, 6)


def test_a_command_about_one_week_loads_only_the_months_around_it(sample):
    add_later_event(sample)
    age_all(sample)
    run("check")
    settings = load_settings(sample / "newsletter.toml")
    week = parse_week("2018-W04", settings.week_start, settings.timezone)
    cache = cache_of(sample)
    events, _ = load_events(sample / "events", settings, cache, windows=[digest_window(week, settings)])
    assert cache.loaded == {"2018-01"} and (cache.hits, cache.misses) == (6, 0)
    assert sorted(e.id for e in events) == sorted(e.id for e in load_events(sample / "events", settings)[0]
                                                  if e.id != LATER)
    assert f"{LATER}.md" in cache_of(sample).entries  # left unloaded, not forgotten


def test_a_file_outside_the_week_is_still_checked_and_read_again_when_it_changes(sample):
    add_later_event(sample)
    age_all(sample)
    assert run("build", "--week", "2018-W04").exit_code == 0
    later = sample / "events" / f"{LATER}.md"
    later.write_text(later.read_text().replace("kind: other", "kind: picnic"))
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 1 and f"events/{LATER}.md:3: kind: unknown kind 'picnic'" in result.stderr
    later.write_text(later.read_text().replace("kind: picnic", "kind: other").replace("2019-06-01", "2018-01-24"))
    assert "Summer Picnic" in run("list", "--week", "2018-W04").stdout  # moved into the week
    later.write_text(later.read_text().replace("2018-01-24", "2019-06-01"))
    assert "Summer Picnic" not in run("list", "--week", "2018-W04").stdout  # and out again


def test_a_translation_outside_the_week_is_checked_only_when_it_changes(project):
    project.settings(project.config.read_text() + 'languages = ["en", "es"]\n')
    project.event("a.md", "---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    project.event("b.md", "---\ntitle: Picnic\nkind: other\nstart: 2019-06-01 12:00\n---\n")
    project.event("a.es.md", "---\ntitle: Mitin\n---\n")
    later = project.event("b.es.md", "---\ntitle: Picnic\n---\n")
    age_all(project.root)
    assert run("build", "--week", "2018-W04").exit_code == 0
    assert "Mitin" in (project.root / "dist" / "2018-W04" / "es" / "digest.txt").read_text()
    later.write_text("---\ntitle: Picnic\nstart: 2019-06-02 12:00\n---\n")
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 1 and "events/b.es.md" in result.stderr and "start" in result.stderr


def test_a_cache_signed_by_someone_else_is_never_unpickled(sample, tmp_path, monkeypatch):
    run("list", "--week", "2018-W04")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "another-user"))
    assert cache_of(sample).entries == {}


def test_no_cache_neither_reads_nor_writes_it(sample):
    run("list", "--week", "2018-W04", "--no-cache")
    assert not (sample / FOLDER).exists()
    run("list", "--week", "2018-W04")
    kept = {path: path.read_bytes() for path in (sample / FOLDER / NAME).glob("*.pickle")}
    for path in kept:
        path.write_bytes(b"damaged")
    run("build", "--week", "2018-W04", "--no-cache", "--out", "out")
    assert {path.read_bytes() for path in kept} == {b"damaged"}
    run("build", "--week", "2018-W04", "--out", "out")
    before, builtin = snapshot(sample / FOLDER), snapshot(user_cache_dir())
    assert any(name.startswith("jinja/") for name in before)  # the run with the cache on kept compiled templates
    assert any(name.startswith("jinja/email-") for name in builtin)  # and newsletter's own, for the user
    for path in (user_cache_dir() / "jinja").iterdir():
        path.write_bytes(b"damaged")
    builtin = snapshot(user_cache_dir())
    run("build", "--week", "2018-W04", "--no-cache", "--out", "out2")
    assert snapshot(sample / FOLDER) == before and snapshot(user_cache_dir()) == builtin
    assert (sample / "out2" / "digest.html").read_bytes() == (sample / "out" / "digest.html").read_bytes()


def snapshot(folder):
    """Every file under `folder`, by its path there: its bytes and its modification time."""
    return {str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _comparable(data: bytes) -> bytes:
    """A file's bytes less what differs on every run: the send time, Message-ID, MIME boundaries, DTSTAMP."""
    data = re.sub(rb"(?m)^(Date|Message-ID|DTSTAMP):.*\n", b"", data)
    return re.sub(rb"={15}\d+==", b"BOUNDARY", data)


@pytest.mark.parametrize("command", [["build", "--week", "2018-W04"],
                                     ["announce", RALLY, "--today", "2018-01-20"],
                                     ["archive", "--today", "2018-01-20"]])
def test_outputs_are_the_same_byte_for_byte_with_and_without_the_cache(sample, command):
    run(*command, "--out", "cold", "--no-cache")
    run(*command, "--out", "warming")
    run(*command, "--out", "warm")
    assert len(cache_of(sample).entries) == 5
    cold = {p.relative_to(sample / "cold"): p.read_bytes() for p in (sample / "cold").rglob("*") if p.is_file()}
    warm = {p.relative_to(sample / "warm"): p.read_bytes() for p in (sample / "warm").rglob("*") if p.is_file()}
    assert sorted(cold) == sorted(warm) and len(cold) >= 5
    for name in cold:
        assert _comparable(cold[name]) == _comparable(warm[name]), name


def test_check_still_reports_every_file(sample):
    run("check", "--week", "2018-W04")
    result = run("check", "--week", "2018-W04")
    assert "settings and 5 event files are valid" in result.stdout


# The fast YAML parser (libyaml) and the pure-Python one read every file alike --------------

BROKEN = [
    "title: Rally: today\nkind: rally\n",
    "title: Rally\n\tkind: rally\n",
    'title: "Rally\nkind: rally\n',
    "title: [Rally\nkind: rally\n",
    "- title\nkind: rally\n",
    'title: "Rally" today\nkind: rally\n',
    "title: #MeToo\nkind: rally\n",
    "title: Rally\nkind: rally\ntitle: Again\n",
    "a: &x [1]\nb: *x\n",
    "a: " + "[" * 40 + "]" * 40 + "\n",
]


def _read_both(monkeypatch, text: str, settings):
    fast = read_event(text.encode(), "events/x.md", "x", settings)
    monkeypatch.setattr(frontmatter, "USE_LIBYAML", False)
    slow = read_event(text.encode(), "events/x.md", "x", settings)
    monkeypatch.undo()
    return fast, slow


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
@pytest.mark.parametrize("front", BROKEN)
def test_both_yaml_parsers_give_the_same_message(monkeypatch, settings, front):
    fast, slow = _read_both(monkeypatch, f"---\n{front}start: 2018-01-27 12:00\n---\n", settings)
    assert fast[0] is None and [str(p) for p in fast[1]] == [str(p) for p in slow[1]]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
def test_both_yaml_parsers_read_the_sample_alike(monkeypatch, settings):
    for path in event_files(REPO / "events"):
        fast, slow = _read_both(monkeypatch, path.read_text(), settings)
        assert fast == slow and fast[0] is not None


def test_an_edited_template_is_compiled_again_in_the_next_run(sample):
    """Jinja's compiled templates are kept between runs: an edit of the same size must still show."""
    import subprocess
    import sys

    own = sample / "templates" / "email"
    own.mkdir(parents=True)
    (own / "event.txt").write_text("ENTRY {{ event.title }}\n")
    command = [sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", "out"]
    for word in ("ENTRY", "ITEMS"):
        (own / "event.txt").write_text(f"{word} {{{{ event.title }}}}\n")
        subprocess.run(command, cwd=sample, check=True, capture_output=True)
        assert f"{word} #Justice4Siham" in (sample / "out" / "digest.txt").read_text()


# Compiled HTML: a week rendered again unchanged skips MJML and premailer ------------------

PROBE = """
import sys
from newsletter.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print('LOADED:' + ','.join(sorted({'mjml', 'premailer', 'cssutils', 'cssselect', 'requests', 'markdown_it',
                                    'babel'} & set(sys.modules))))
"""


def _build_in_a_process(root, *args: str) -> set[str]:
    """Build in a fresh process, as a volunteer does; what of MJML, premailer and their kin it imported. Without
    the helper process, which loads premailer beside a first build (tests/test_aside.py): what is loaded is
    what the build needs."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PROBE, "build", "--week", "2018-W04", "--out", "out", *args],
                          cwd=root, check=True, capture_output=True, text=True,
                          env={**os.environ, "NEWSLETTER_HELPER": "0"})
    line = done.stdout.strip().splitlines()[-1].removeprefix("LOADED:")
    return {name for name in line.split(",") if name}


def compiled_files(root):
    return sorted((root / FOLDER / "compiled").glob("*.html"))


def test_a_week_built_again_unchanged_compiles_nothing(sample):
    first = _build_in_a_process(sample)
    html = (sample / "out" / "digest.html").read_bytes()
    assert {"mjml", "premailer", "cssutils", "cssselect", "markdown_it"} <= first
    assert "babel" not in first  # English needs no catalog, and writes its dates itself
    assert len(compiled_files(sample)) == 2  # the email, and premailer's output for its shape
    assert _build_in_a_process(sample) == set()
    assert (sample / "out" / "digest.html").read_bytes() == html
    assert _build_in_a_process(sample, "--no-cache") >= {"mjml", "premailer"}


def test_an_edit_of_words_is_inlined_without_premailer_and_the_same_as_premailer_makes(sample):
    """premailer's output for the email's shape is kept: an edit that changes only words (the rally's title in
    the email, its aria-labels and its links) is inlined without loading premailer, and gives the same bytes as
    a build without the cache. A damaged entry is ignored and made again."""
    assert "premailer" in _build_in_a_process(sample)
    rally = sample / "events" / f"{RALLY}.md"

    def edit_and_build(title: str) -> set[str]:
        rally.write_text(re.sub(r"Naseem \w+", title, rally.read_text()))
        loaded = _build_in_a_process(sample)
        assert "mjml" in loaded
        edited = (sample / "out" / "digest.html").read_bytes()
        assert title.encode() in edited
        assert "premailer" in _build_in_a_process(sample, "--out", "fresh", "--no-cache")
        assert (sample / "fresh" / "digest.html").read_bytes() == edited
        return loaded

    inliners = {"premailer", "cssutils", "cssselect", "requests"}
    assert not inliners & edit_and_build("Naseem March")
    for entry in compiled_files(sample):
        entry.write_bytes(entry.read_bytes().replace(b"font-weight", b"font-style!"))  # no longer signed right
    assert "premailer" in edit_and_build("Naseem Walk")  # ignored, and made again
    assert not inliners & edit_and_build("Naseem Vigil")



def test_templates_and_subject_lines_are_compiled_once_for_every_later_run(sample, monkeypatch):
    """Jinja's bytecode cache keeps the email's templates and its subject line compiled: a later run renders
    them without Jinja's parser, and the same subject; an edited subject line is compiled again."""
    import jinja2

    from newsletter.rendering import templates
    from newsletter.sources import bytecode

    parsed: list[str] = []
    parse = jinja2.Environment._parse
    monkeypatch.setattr(jinja2.Environment, "_parse", lambda env, source, name, filename:
                        parsed.append(name) or parse(env, source, name, filename))

    def digest_json_of_a_new_run() -> str:
        templates._environment.cache_clear()  # what a new process starts without
        templates._subject_template.cache_clear()
        templates._sandbox.cache_clear()
        bytecode._HELD.clear()
        parsed.clear()
        assert run("build", "--week", "2018-W04", "--out", "out").exit_code == 0
        return (Path.cwd() / "out" / "digest.json").read_text()

    settings = sample / "newsletter.toml"
    settings.write_text(settings.read_text().replace('subject = "{{ name }}:', 'subject = "{{ name }} & friends:'))
    first = digest_json_of_a_new_run()
    assert "& friends: " in first and {"digest.mjml", "subject: {{ name }} & friends: {{ week.label }}"} <= set(parsed)
    assert digest_json_of_a_new_run() == first and parsed == []
    settings.write_text(settings.read_text().replace("& friends", "and friends"))
    assert '"subject": "ISO Boston Events and friends: ' in digest_json_of_a_new_run()
    assert parsed == ['subject: {{ name }} and friends: {{ week.label }}']
    # A group's subject lines in the project's own cache folder, newsletter's own templates in the user's,
    # never a temporary folder other users share.
    kept = sorted(p.name for p in (sample / ".newsletter-cache" / "jinja").iterdir())
    assert kept and all(name.startswith("settings-") for name in kept), kept
    assert all(p.name.startswith("email-") for p in (user_cache_dir() / "jinja").iterdir())
    # Another group's first build finds newsletter's own templates compiled; its subject line is its own.
    other = sample.parent / "other"
    shutil.copytree(sample, other, ignore=shutil.ignore_patterns(".newsletter-cache", "out"))
    monkeypatch.chdir(other)
    assert '"subject": "ISO Boston Events and friends: ' in digest_json_of_a_new_run()
    assert parsed == ['subject: {{ name }} and friends: {{ week.label }}']
    monkeypatch.chdir(sample)


def test_compiled_templates_that_this_user_did_not_sign_never_run(sample):
    """A compiled template is code: one copied in with a project (a forged .cache file) is ignored, and the
    template is compiled from its source again. The same forgery signed with the user's key would run."""
    import io
    import pickle

    import jinja2
    from jinja2.bccache import Bucket, bc_magic

    from newsletter.rendering import templates
    from newsletter.sources import bytecode
    from newsletter.sources.store import signing_key

    def subject_of_a_new_run() -> str:
        templates._environment.cache_clear()
        templates._subject_template.cache_clear()
        templates._sandbox.cache_clear()
        bytecode._HELD.clear()
        assert run("build", "--week", "2018-W04", "--out", "out").exit_code == 0
        return json.loads((sample / "out" / "digest.json").read_text())["subject"]

    honest = subject_of_a_new_run()
    env = jinja2.Environment()

    def forged(path) -> bytes:
        """Other code under the same name, for the same template source (its checksum, after Jinja's magic)."""
        kept = io.BytesIO(path.read_bytes()[32 + len(bc_magic):])
        bucket = Bucket(env, "forged", pickle.load(kept))
        bucket.code = env.compile("FORGED {{ 6 * 7 }}", "forged")
        return bucket.bytecode_to_string()

    for path in (sample / FOLDER / "jinja").glob("settings-*.cache"):
        path.write_bytes(b"\0" * 32 + forged(path))
    assert subject_of_a_new_run() == honest
    key = signing_key()
    assert key is not None
    for path in (sample / FOLDER / "jinja").glob("settings-*.cache"):  # the control: signed, it is loaded
        path.write_bytes(signed(key, forged(path), about=path.name.rsplit("-", 1)[0].encode()))
    assert subject_of_a_new_run() == "FORGED 42"


def test_a_library_installed_upgraded_or_removed_beside_another_is_a_new_cache_key(tmp_path, monkeypatch):
    """What the caches are keyed on: a package installed beside a library changes its folder (a new
    <name>-<version>.dist-info), so an upgrade of cssselect is seen even if its module file kept its time."""
    import sys

    from newsletter.sources.store import tools_version

    site = tmp_path / "site-packages"
    (site / "fakecss").mkdir(parents=True)
    (site / "fakecss" / "__init__.py").write_text("VERSION = 1\n")
    (site / "fakecss-1.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = tools_version("fakecss")
    tools_version.cache_clear()
    assert tools_version("fakecss") == before
    (site / "fakecss-1.0.dist-info").rename(site / "fakecss-1.1.dist-info")
    os.utime(site, ns=(0, 10**18))  # a clock that moved on, whatever the file system's resolution
    tools_version.cache_clear()
    assert tools_version("fakecss") != before
    assert sys.version in tools_version("fakecss")
    tools_version.cache_clear()


def test_changed_styles_or_words_are_compiled_again(sample):
    run("build", "--week", "2018-W04", "--out", "out")
    settings = sample / "newsletter.toml"
    settings.write_text(settings.read_text().replace('accent = "#a4161a"', 'accent = "#8a1538"'))
    run("build", "--week", "2018-W04", "--out", "out")
    assert "#8a1538" in (sample / "out" / "digest.html").read_text()
    rally = sample / "events" / f"{RALLY}.md"
    rally.write_text(rally.read_text().replace("Naseem Rally", "Naseem March"))
    run("build", "--week", "2018-W04", "--out", "out")
    assert "Naseem March" in (sample / "out" / "digest.html").read_text()
    assert len(compiled_files(sample)) == 3 + 2  # three emails; two shapes, as new words keep the shape


def test_a_damaged_compiled_file_is_ignored(sample):
    run("build", "--week", "2018-W04", "--out", "out")
    html = (sample / "out" / "digest.html").read_bytes()
    [kept] = [path for path in compiled_files(sample) if b"#Justice4Siham" in path.read_bytes()]  # not its shape
    kept.write_bytes(kept.read_bytes().replace(b"#Justice4Siham", b"#Injected4Text"))
    run("build", "--week", "2018-W04", "--out", "out")
    assert (sample / "out" / "digest.html").read_bytes() == html
    assert b"#Justice4Siham" in kept.read_bytes()


def test_only_the_most_recently_used_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(CompiledCache, "LIMIT", 3)
    kept = CompiledCache(tmp_path, b"k" * 32)
    for n in range(5):
        kept.put(f"mjml {n}".encode(), f"<p>{n}</p>")
        kept.save()
        then = time.time_ns() - (10 - n) * 1_000_000_000  # each older than the next
        os.utime(kept._name(f"mjml {n}".encode(), ".html"), ns=(then, then))
    assert kept.get(b"mjml 2") == "<p>2</p>"  # used again: now the most recent
    kept.put(b"mjml 5", "<p>5</p>")
    kept.save()
    assert [kept.get(f"mjml {n}".encode()) for n in range(6)] == [None, None, "<p>2</p>", None, "<p>4</p>", "<p>5</p>"]


def test_rendering_writes_nothing_until_the_command_decides_to_keep_it(sample):
    """render_week adds to the cache in memory; build saves it once its files are written."""
    from datetime import date

    from newsletter.outputs.build import render_week
    from newsletter.outputs.project import choose_week, load_project

    from newsletter.sources.store import user_cache_dir

    project = load_project(sample / "newsletter.toml", sample / "events")
    before = snapshot(sample / FOLDER)
    week = choose_week(project.settings, "2018-W04", date(2018, 1, 18))
    first = render_week(project, week)
    assert snapshot(sample / FOLDER) == before  # nor Jinja's compiled templates, nor a used file's time
    assert not user_cache_dir().exists()  # nor the user's compiled built-in templates
    assert project.compiled is not None
    project.compiled.save()
    assert len(compiled_files(sample)) == 2  # the email, and premailer's output for its shape
    assert any(name.startswith("jinja/email-") for name in snapshot(user_cache_dir()))
    assert render_week(project, week).outputs["digest.html"] == first.outputs["digest.html"]


def test_an_edit_rewrites_only_the_index_and_the_month_that_keeps_its_entry(sample):
    add_later_event(sample)
    age_all(sample)
    run("list", "--week", "2018-W04")
    files = {path.name: path.stat().st_mtime_ns for path in (sample / FOLDER / NAME).glob("*.pickle")}
    time.sleep(0.01)
    edit = sample / "events" / f"{RALLY}.md"
    edit.write_text(edit.read_text().replace("Naseem Rally", "Naseem March"))
    run("list", "--week", "2018-W04")
    rewritten = {name for name, mtime in files.items() if (sample / FOLDER / NAME / name).stat().st_mtime_ns != mtime}
    assert rewritten == {"index.pickle", "2018-01.pickle"} and "2019-06.pickle" in files
    assert "Naseem March" in run("list", "--week", "2018-W04").stdout


def test_descriptions_are_converted_again_when_edited_and_a_damaged_note_is_ignored(sample):
    from newsletter.sources.compiled import BODIES

    run("build", "--week", "2018-W04", "--out", "out")
    html = (sample / "out" / "digest.html").read_bytes()
    bodies = sample / FOLDER / "compiled" / BODIES
    assert bodies.is_file()
    bodies.write_bytes(bodies.read_bytes().replace(b"Siham Byah", b"Someone Else"))  # no longer signed right
    run("build", "--week", "2018-W04", "--out", "out")
    assert (sample / "out" / "digest.html").read_bytes() == html
    rally = sample / "events" / f"{RALLY}.md"
    rally.write_text(rally.read_text().replace("was detained at a routine", "was held at a routine"))
    run("build", "--week", "2018-W04", "--out", "out")
    text = (sample / "out" / "digest.txt").read_text()
    assert "was held at a routine" in text.replace("\n", " ") and "was detained" not in text


def test_a_busy_week_built_again_loads_neither_the_inliner_nor_the_markdown_parser(sample):
    """Its calendar describes events without a summary by their description, after the email is rendered."""
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    from busy_week import write_busy_week

    for path in (sample / "events").glob("*.md"):
        path.unlink()
    write_busy_week(sample / "events", 30)
    _build_in_a_process(sample)
    assert _build_in_a_process(sample) == set()


def test_announce_loads_the_event_and_the_year_ahead_only(sample, monkeypatch):
    """"Also coming up" looks a year ahead, so an announcement loads that from the cache, and its own event
    wherever it is; a name it does not know still gets suggestions from every event."""
    from newsletter.outputs.announce import announce
    from newsletter.sources import cache as cache_module

    far = sample / "events" / "2020-06-06-summer-picnic.md"
    far.write_text("---\ntitle: Summer Picnic\nkind: other\nstart: 2020-06-06 12:00\n---\nBring a dish.\n")
    age_all(sample)
    run("check")
    loaded = []
    real = cache_module.ParseCache._load_shard
    monkeypatch.setattr(cache_module.ParseCache, "_load_shard", lambda self, shard: loaded.append(shard)
                        or real(self, shard))
    config, events = sample / "newsletter.toml", sample / "events"
    rally = announce(config, events, RALLY, today=date(2018, 1, 20), out=sample / "rally")
    assert loaded == ["2018-01"] and "Summer Picnic" not in rally.email.text  # two years ahead: not "coming up"
    loaded.clear()
    picnic = announce(config, events, far.stem, today=date(2018, 1, 20), out=sample / "picnic")
    assert sorted(loaded) == ["2018-01", "2020-06"]
    assert picnic.outputs["announcement.html"] == announce(config, events, far.stem, today=date(2018, 1, 20),
                                                            out=sample / "cold", cache=False).outputs["announcement.html"]
    result = run("announce", "summer-picnc", "--today", "2018-01-20")
    assert result.exit_code == 1 and "did you mean '2020-06-06-summer-picnic'?" in result.stderr


def test_the_files_of_earlier_versions_of_the_cache_are_removed_by_its_first_save(sample):
    folder = sample / FOLDER
    (folder / NAME).mkdir(parents=True)
    old = [folder / "events.pickle", folder / NAME / "07.pickle"]
    for path in old:
        path.write_bytes(b"an earlier layout")
    run("list", "--week", "2018-W04")
    assert not any(path.exists() for path in old) and (folder / NAME / "index.pickle").is_file()
