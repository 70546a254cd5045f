"""The archive renders again only what changed, removes only what it no longer makes, and renders alike in parallel."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.outputs import archive
from newsletter.outputs.project import load_project
from newsletter.outputs.manifest import fingerprint, manifest_path

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"
TODAY = "2018-01-20"


class Renders:
    """Which files of the site were rendered (not just written) in a run."""

    def __init__(self, monkeypatch):
        self.names: list[str] = []
        plan = archive.site_plan

        def counting(project, today, out=None):
            for name, inputs, render in plan(project, today, out):
                yield name, inputs, (lambda name=name, render=render: self.names.append(name) or render())

        monkeypatch.setattr(archive, "site_plan", counting)

    def run(self, *extra: str) -> str:
        self.names = []
        result = CliRunner().invoke(main, ["archive", "--today", TODAY, *extra])
        assert result.exit_code == 0, result.output
        return result.stdout


@pytest.fixture
def renders(sample, monkeypatch) -> Renders:
    counting = Renders(monkeypatch)
    counting.run()
    return counting


def site_files(sample: Path) -> dict[str, bytes]:
    return {p.relative_to(sample / "site").as_posix(): p.read_bytes()
            for p in sorted((sample / "site").rglob("*")) if p.is_file()}


def edit(sample: Path, old: str, new: str, name: str = RALLY) -> None:
    path = sample / "events" / f"{name}.md"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_unchanged_rerun_renders_nothing(renders, sample):
    total = len(site_files(sample))
    assert len(renders.names) == total
    out = renders.run()
    assert renders.names == []
    assert f"wrote 0 files, {total} unchanged, in site" in out


def test_an_edited_description_renders_only_the_pages_that_show_the_event(renders, sample):
    edit(sample, "that want to co-sponsor", "that wish to co-sponsor")
    renders.run()
    # Its week and the weeks before it, where it is coming up, its page, its calendar file and the calendar of
    # upcoming events; not the index (its line there did not change), not the feed, not the other events.
    assert sorted(renders.names) == ["2018-W02/index.html", "2018-W03/index.html", "2018-W04/index.html",
                                     "calendar.ics", f"events/{RALLY}.ics", f"events/{RALLY}/index.html"]


def test_an_edited_title_renders_the_index_and_feed_too(renders, sample):
    edit(sample, 'title: "#Justice4Siham & #Justice4Naseem Rally"', 'title: "Justice for Siham and Naseem"')
    renders.run()
    assert {"index.html", "feed.xml", "calendar.ics", "2018-W04/index.html"} <= set(renders.names)
    assert not any(name.startswith("events/2018-01-24") for name in renders.names)
    assert b"Justice for Siham and Naseem" in (sample / "site" / "index.html").read_bytes()


def test_a_deleted_event_takes_its_files_and_only_those(renders, sample):
    own = sample / "site" / "CNAME"
    own.write_text("news.example.org\n")  # the group's own file in the output folder
    before = site_files(sample)
    (sample / "events" / f"{RALLY}.md").unlink()
    out = renders.run()
    after = site_files(sample)
    assert sorted(set(before) - set(after)) == [f"events/{RALLY}.ics", f"events/{RALLY}/card.png",
                                                 f"events/{RALLY}/index.html"]
    assert not (sample / "site" / "events" / RALLY).exists()
    assert own.read_text() == "news.example.org\n"
    assert "removed 3" in out


def test_a_deleted_output_file_is_written_again(renders, sample):
    page = sample / "site" / "events" / RALLY / "index.html"
    page.unlink()
    renders.run()
    assert renders.names == [f"events/{RALLY}/index.html"] and page.is_file()


@pytest.mark.parametrize("change", ["settings", "template", "no-cache"])
def test_what_every_page_depends_on_renders_every_page(renders, sample, change):
    total = len(site_files(sample))
    extra = []
    if change == "settings":
        config = sample / "newsletter.toml"
        config.write_text(config.read_text().replace('accent = "#a4161a"', 'accent = "#8a1216"'))
    elif change == "template":
        own = sample / "templates" / "email"
        own.mkdir(parents=True)
        from newsletter.rendering.templates import builtin_dir

        (own / "event.txt").write_text((builtin_dir() / "event.txt").read_text() + "\n")
    elif change == "no-cache":
        extra = ["--no-cache"]
    renders.run(*extra)
    assert len(renders.names) == total


def test_the_day_reaches_only_what_depends_on_it(renders, sample):
    before = site_files(sample)
    renders.names = []
    result = CliRunner().invoke(main, ["archive", "--today", "2018-01-21"])
    assert result.exit_code == 0
    assert renders.names == []  # the same weeks and entries: the feed keeps its times, nothing is rendered
    # Calendars keep the DTSTAMP of the day their events were last changed, not of every run.
    assert {k: v for k, v in site_files(sample).items() if k.endswith(".ics")} == {
        k: v for k, v in before.items() if k.endswith(".ics")}
    edit(sample, "Naseem Rally", "Naseem March")
    renders.run()
    assert {"calendar.ics", f"events/{RALLY}.ics"} <= set(renders.names)
    assert sum(name.endswith(".ics") for name in renders.names) == 2
    renders.names = []
    result = CliRunner().invoke(main, ["archive", "--today", "2019-01-02"])
    assert result.exit_code == 0
    assert sum(name.endswith(".ics") for name in renders.names) == len(
        [k for k in before if k.endswith(".ics")])  # a new year: open series are written further out


def test_a_damaged_manifest_only_costs_a_full_render(renders, sample):
    path = manifest_path(sample / "newsletter.toml", sample / "site")
    assert path.parent.name == ".newsletter-cache"
    path.write_text('{"version": 1, "files": [')
    before = site_files(sample)
    out = renders.run()
    assert len(renders.names) == len(before) and site_files(sample) == before
    assert "wrote 0 files" in out


def test_rendering_in_parallel_gives_the_same_bytes(sample, monkeypatch):
    monkeypatch.setattr(archive, "PARALLEL_FROM", 1)
    project = load_project(sample / "newsletter.toml", sample / "events")
    serial = archive.write_site(archive.site_plan(project, date(2018, 1, 20)), sample / "one", workers=1)
    parallel = archive.write_site(archive.site_plan(project, date(2018, 1, 20)), sample / "two", workers=2)
    one = {p.relative_to(sample / "one"): p.read_bytes() for p in (sample / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(sample / "two"): p.read_bytes() for p in (sample / "two").rglob("*") if p.is_file()}
    assert one == two and len(serial.written) == len(parallel.written) == len(one)


def test_keys_are_the_same_in_every_process(sample):
    """A set's order changes with each process's string hashing: the key must not."""
    import subprocess
    import sys

    probe = ("from newsletter.outputs.manifest import fingerprint\n"
             "print(fingerprint(frozenset({'title', 'summary', 'body', 'links[0].label'}), {'b', 'a'}))")
    keys = {subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2, 3)}
    assert len(keys) == 1 and keys == {fingerprint(frozenset({"title", "summary", "body", "links[0].label"}),
                                                   {"b", "a"}) + "\n"}


def test_progress_on_a_log_counts_the_files(sample):
    result = CliRunner().invoke(main, ["archive", "--today", TODAY])
    lines = [line for line in result.stderr.splitlines() if line.startswith("Building the archive")]
    total = len(site_files(sample))
    assert lines and re.fullmatch(rf"Building the archive: {total} of {total} files \(100%\)", lines[-1])


def test_files_of_a_killed_run_are_still_removed_when_their_event_goes(renders, sample, monkeypatch):
    """A run killed after writing a new event's files, before its manifest: the next run still knows them."""
    added = sample / "events" / "2018-01-26-tenant-assembly.md"
    added.write_text("---\ntitle: Tenant assembly\nkind: meeting\nstart: 2018-01-26 18:00\n---\nAll welcome.\n")
    write_one = archive._write_one

    def killed_after_the_event(path, data):
        found = write_one(path, data)
        if path.name == "2018-01-26-tenant-assembly.ics":
            raise KeyboardInterrupt  # what Ctrl-C or a SIGTERM leaves: no manifest written at the end
        return found

    monkeypatch.setattr(archive, "_write_one", killed_after_the_event)
    assert CliRunner().invoke(main, ["archive", "--today", TODAY]).exit_code != 0
    monkeypatch.setattr(archive, "_write_one", write_one)
    assert (sample / "site" / "events" / "2018-01-26-tenant-assembly.ics").is_file()
    added.unlink()
    renders.run()
    assert not (sample / "site" / "events" / "2018-01-26-tenant-assembly.ics").exists()
    assert not (sample / "site" / "events" / "2018-01-26-tenant-assembly").exists()
    fresh = CliRunner().invoke(main, ["archive", "--today", TODAY, "--no-cache", "--out", "fresh"])
    assert fresh.exit_code == 0
    built = {p.relative_to(sample / "fresh").as_posix() for p in (sample / "fresh").rglob("*") if p.is_file()}
    assert set(site_files(sample)) == built


def test_the_archive_turns_descriptions_into_html_only(sample, monkeypatch):
    """An event's description as wrapped text is for an email's text part: no archive page shows it, so it is
    converted only when a template asks, and the archive's run asks for none."""
    from newsletter.rendering import present

    converted = []
    to_text = present.body.to_text
    monkeypatch.setattr(present.body, "to_text", lambda text, **k: converted.append(text) or to_text(text, **k))
    result = CliRunner().invoke(main, ["archive", "--today", TODAY, "--jobs", "1", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert converted == [] and (sample / "site" / "2018-W04" / "index.html").is_file()
    result = CliRunner().invoke(main, ["build", "--week", "2018-W04", "--no-cache", "--out", "out"])
    assert result.exit_code == 0 and converted  # the digest's text part does
    assert "Siham Byah, a single mother" in (sample / "out" / "digest.txt").read_text()
