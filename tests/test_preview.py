"""The live preview: its pages, its safety, and reloading when files change."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from urllib.request import urlopen

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from newsletter.outputs.build import build
from newsletter.outputs.project import load_project
from newsletter.cli import main
from newsletter.serving.server import is_loopback

TODAY = date(2018, 1, 18)


class Running:
    """A preview server on a free loopback port, in a thread of the test process."""

    def __init__(self, root, drafts=True):
        from newsletter.serving.preview import start

        self.root = root
        self.server, self.site, self.stop = start(root / "newsletter.toml", root / "events", "127.0.0.1", 0,
                                                  TODAY, drafts=drafts)
        self.url = self.server.url
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path)  # sent as written: no client-side path clean-up
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, body

    def wait_for_version_after(self, seen: int, seconds: float = 10) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.server.version.number != seen:
                return self.server.version.number
            time.sleep(0.05)
        raise AssertionError(f"no reload within {seconds} s")

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def preview(sample):
    running = Running(sample)
    yield running
    running.close()


def test_index_lists_the_weeks_with_counts_and_highlights_the_coming_one(preview):
    status, body = preview.get("/")
    assert status == 200
    rows = BeautifulSoup(body, "html.parser").select("tr[data-week]")
    assert [(r["data-week"], r.find_all("td")[1].get_text(), r.find_all("td")[2].get_text()) for r in rows] == [
        ("2018-W02", "January 8–14, 2018", "1"),
        ("2018-W03", "January 15–21, 2018", "1"),
        ("2018-W04", "January 22–28, 2018", "4"),
        ("2018-W05", "January 29 – February 4, 2018", "1"),  # the fund drive, still running
        ("2018-W06", "February 5–11, 2018", "1"),
    ]
    assert [r["data-week"] for r in rows if "coming" in r.get("class", [])] == ["2018-W04"]


def test_week_page_shows_inbox_view_size_and_every_view(preview):
    status, body = preview.get("/week/2018-W04/")
    assert status == 200
    soup = BeautifulSoup(body, "html.parser")
    assert soup.find(id="subject").get_text() == "ISO Boston Events: January 22–28, 2018"
    assert soup.find(id="preheader").get_text().startswith("This week: Sat: #Justice4Siham")
    assert soup.find(class_="from").get_text() == "ISO Boston"
    assert soup.find(id="size").get_text().endswith(" KB")
    assert [f["src"] for f in soup.find_all("iframe")] == ["email.html", "email.html", "email-dark.html"]
    assert "#Justice4Siham & #Justice4Naseem Rally" in soup.find(id="text-view").get_text()


def test_preview_email_is_exactly_what_build_writes(preview, sample):
    _, html = preview.get("/week/2018-W04/email.html")
    _, text = preview.get("/week/2018-W04/digest.txt")
    built = build(sample / "newsletter.toml", sample / "events", week="2018-W04", out=sample / "built")
    assert html == built.outputs["digest.html"].decode()
    assert text == built.outputs["digest.txt"].decode()
    _, dark = preview.get("/week/2018-W04/email-dark.html")
    assert "@media all" in dark and "prefers-color-scheme: dark" not in dark


@pytest.mark.parametrize("path", [
    "/../newsletter.toml",
    "/week/2018-W04/../../newsletter.toml",
    "/%2e%2e/newsletter.toml",
    "/week/2018-W04/%2e%2e/%2e%2e/events/2018-01-25-metoo-fight-against-sexism.md",
    "/week/2018-W04/%2E%2E%2Fnewsletter.toml",
    "/events/2018-01-25-metoo-fight-against-sexism.md",
    "/newsletter.toml",
    "/week/2018-W99/",
    "/project-images/newsletter.toml",
    "/project-images/events/2018-01-25-metoo-fight-against-sexism.md",
    "/project-images/../newsletter.toml",
    "/project-images/%2e%2e/newsletter.toml",
])
def test_nothing_but_the_preview_can_be_read(preview, path):
    status, body = preview.get(path)
    assert status == 404
    assert "Sharon Smith" not in body and "timezone" not in body


def test_requests_for_another_host_name_are_refused(preview):
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    connection.request("GET", "/", headers={"Host": "attacker.example"})
    assert connection.getresponse().status == 400
    connection.close()


def test_loopback_detection():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.org", "::"))


def test_broken_file_shows_the_check_message_and_fixing_it_recovers(preview, sample):
    path = sample / "events" / "2018-01-24-socialists-in-solidarity-with-syria.md"
    good = path.read_text()
    seen = preview.server.version.number
    path.write_text(good.replace("kind: panel", "kind: [panel"))
    seen = preview.wait_for_version_after(seen)
    status, body = preview.get("/week/2018-W04/")
    assert status == 200 and "The digest cannot be built" in body
    problems = [li.get_text() for li in BeautifulSoup(body, "html.parser").select(".problems li")]
    assert len(problems) == 1
    assert problems[0].startswith("events/2018-01-24-socialists-in-solidarity-with-syria.md:")
    assert "kind: a value starting with '[' is read as a list" in problems[0]
    path.write_text(good)
    preview.wait_for_version_after(seen)
    status, body = preview.get("/week/2018-W04/")
    assert "Socialists in Solidarity with Syria" in body and "cannot be built" not in body


def test_settings_and_new_files_trigger_a_reload(preview, sample):
    seen = preview.server.version.number
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"', 'name = "ISO Boston Weekly"'))
    seen = preview.wait_for_version_after(seen)
    assert "ISO Boston Weekly" in preview.get("/week/2018-W04/")[1]
    (sample / "events" / "2018-01-26-film.md").write_text("---\ntitle: Film night\nkind: other\nstart: 2018-01-26 19:00\n---\n")
    preview.wait_for_version_after(seen)
    assert "Film night" in preview.get("/week/2018-W04/digest.txt")[1]


def test_drafts_are_shown_and_marked_unless_no_drafts(sample):
    (sample / "events" / "draft.md").write_text("---\ntitle: Draft canvass\nkind: other\nstart: 2018-01-26 10:00\ndraft: true\n---\n")
    shown = Running(sample)
    try:
        text = shown.get("/week/2018-W04/digest.txt")[1]
        assert "[DRAFT] Draft canvass" in text
        assert "1 draft shown" in shown.get("/week/2018-W04/")[1]
    finally:
        shown.close()
    hidden = Running(sample, drafts=False)
    try:
        assert "Draft canvass" not in hidden.get("/week/2018-W04/digest.txt")[1]
    finally:
        hidden.close()


def test_preview_never_writes_into_the_project(preview, sample):
    """Nothing of the group's changes; the one thing written is the cache, in its own git-ignored folder."""
    def snapshot():
        return {p: p.stat().st_mtime_ns for p in sample.rglob("*") if ".newsletter-cache" not in p.parts}

    before = snapshot()
    for path in ("/", "/week/2018-W04/", "/week/2018-W04/email.html", "/week/2018-W02/digest.txt"):
        preview.get(path)
    assert snapshot() == before
    assert sorted(p.name for p in (sample / ".newsletter-cache").iterdir()) == [".gitignore", "compiled", "events", "jinja"]


def test_reload_stream_announces_new_versions(preview, sample):
    with urlopen(preview.url + "_reload", timeout=10) as stream:
        first = stream.readline().decode().strip()
        stream.readline()
        assert first == f"data: {preview.server.version.number}"
        (sample / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md").touch()
        (sample / "events" / "extra.md").write_text("---\ntitle: X\nkind: other\nstart: 2018-01-26 10:00\n---\n")
        line = ""
        deadline = time.monotonic() + 10
        while not line.startswith("data:") and time.monotonic() < deadline:
            line = stream.readline().decode().strip()
        assert line.startswith("data: ") and line != first


def test_ctrl_c_stops_cleanly(sample):
    """The time-outs only bound a hang (a loaded machine may take seconds to start); the process is reaped
    whatever happens, so that no child left running can fail a later test."""
    with subprocess.Popen(
        [sys.executable, "-m", "newsletter", "preview", "--port", "0", "--today", "2018-01-18"],
        cwd=sample, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:
        try:
            first = process.stdout.readline()
            assert first.startswith("Preview at http://127.0.0.1:") and first.rstrip().endswith("(Ctrl-C to stop)")
            url = first.split()[2]
            assert urlopen(url, timeout=120).status == 200
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in err and err == ""
    assert out.strip().endswith("Stopped.")


def test_port_in_use_is_a_clear_error(preview, sample):
    result = CliRunner().invoke(main, ["preview", "--port", str(preview.port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot serve on 127.0.0.1:{preview.port}: ")
    assert f"(try --port {preview.port + 1})" in result.stderr


def test_serving_beyond_loopback_warns(sample, monkeypatch):
    import newsletter.serving.preview as preview_module

    class Stub:
        url = "http://192.0.2.1:8000/"

        def serve_forever(self, poll_interval):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    site = preview_module.PreviewSite(sample / "newsletter.toml", sample / "events")
    monkeypatch.setattr(preview_module, "start", lambda *a, **k: (Stub(), site, threading.Event()))
    result = CliRunner().invoke(main, ["preview", "--host", "192.0.2.1"])
    assert result.exit_code == 0
    assert result.stderr == "warning: serving on 192.0.2.1: anyone who can reach this machine can see the preview\n"
    assert result.stdout == "Preview at http://192.0.2.1:8000/ (Ctrl-C to stop)\nStopped.\n"


def test_template_edits_renames_and_deletions_reload(sample):
    own = sample / "templates" / "email"
    own.mkdir(parents=True)
    from newsletter.rendering.templates import builtin_dir

    (own / "event.txt").write_text((builtin_dir() / "event.txt").read_text())
    running = Running(sample)
    try:
        seen = running.server.version.number
        (own / "event.txt").write_text("EVENT: {{ event.title }}\n")
        seen = running.wait_for_version_after(seen)
        assert "EVENT: Socialists in Solidarity with Syria" in running.get("/week/2018-W04/digest.txt")[1]
        rally = sample / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
        rally.rename(sample / "events" / "rally.md")
        seen = running.wait_for_version_after(seen)
        (sample / "events" / "rally.md").unlink()
        running.wait_for_version_after(seen)
        assert "Justice4Siham" not in running.get("/week/2018-W04/digest.txt")[1]
    finally:
        running.close()


RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"


def test_week_page_links_each_events_announcement_and_reminder(preview):
    soup = BeautifulSoup(preview.get("/week/2018-W04/")[1], "html.parser")
    items = {li["data-event"]: li for li in soup.select("#announcements li[data-event]")}
    assert list(items) == [RALLY, "2018-01-25-metoo-fight-against-sexism",
                           "2018-01-24-socialists-in-solidarity-with-syria", "2018-01-15-cersc-fund-drive"]
    assert [a["href"] for a in items[RALLY].find_all("a")] == [f"/announce/{RALLY}/", f"/announce/{RALLY}/reminder/"]
    past = BeautifulSoup(preview.get("/week/2018-W02/")[1], "html.parser").select_one("#announcements li")
    assert [a.get_text() for a in past.find_all("a")] == ["change notice"]  # rescheduled, and over by Jan 18
    assert "no reminder: already over" in past.get_text()


def test_announcement_pages_show_what_announce_writes(preview, sample):
    from newsletter.outputs.announce import render_announcement_files

    project = load_project(sample / "newsletter.toml", sample / "events")
    event = next(e for e in project.events if e.id == RALLY)
    for suffix, reminder in (("", False), ("reminder/", True)):
        status, body = preview.get(f"/announce/{RALLY}/{suffix}")
        assert status == 200
        soup = BeautifulSoup(body, "html.parser")
        expected = render_announcement_files(project, event, TODAY, reminder)
        assert soup.find(id="subject").get_text() == expected.email.subject
        assert [f["src"] for f in soup.find_all("iframe")] == ["email.html", "email.html", "email-dark.html"]
        assert preview.get(f"/announce/{RALLY}/{suffix}email.html")[1] == expected.outputs["announcement.html"].decode()
        assert preview.get(f"/announce/{RALLY}/{suffix}announcement.txt")[1] == expected.outputs["announcement.txt"].decode()
        assert "@media all" in preview.get(f"/announce/{RALLY}/{suffix}email-dark.html")[1]
    assert BeautifulSoup(preview.get(f"/announce/{RALLY}/reminder/")[1], "html.parser").find(id="subject").get_text() \
        == "Reminder: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"


def test_unknown_events_are_not_found_and_impossible_reminders_say_why(preview):
    assert preview.get("/announce/no-such-event/")[0] == 404
    assert preview.get("/announce/no-such-event/email.html")[0] == 404
    status, body = preview.get("/announce/2018-01-11-united-front-study-group/reminder/")
    assert status == 200 and "The reminder cannot be built" in body
    assert "the event ended on Thursday, January 11" in body
    assert preview.get("/announce/2018-01-11-united-front-study-group/reminder/email.html")[0] == 404


def test_announcement_page_reloads_after_an_edit(preview, sample):
    seen = preview.server.version.number
    path = sample / "events" / f"{RALLY}.md"
    path.write_text(path.read_text().replace('title: "#Justice4Siham & #Justice4Naseem Rally"', 'title: "Bring Siham home"'))
    preview.wait_for_version_after(seen)
    assert "Bring Siham home" in preview.get(f"/announce/{RALLY}/announcement.txt")[1]


def test_week_page_names_the_entries_shortened_to_fit(sample):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from busy_week import write_busy_week

    with open(sample / "newsletter.toml", "a", encoding="utf-8") as settings:
        settings.write("\n[digest]\nmax_html_kb = 40\n")
    write_busy_week(sample / "events", 12)
    running = Running(sample)
    try:
        _, body = running.get("/week/2018-W04/")
    finally:
        running.close()
    shortened = BeautifulSoup(body, "html.parser").find(id="shortened").get_text(" ", strip=True)
    assert shortened.startswith("Shortened to fit 40 KB, each linking to its page: ")


def test_watched_changes_reload_only_what_they_touch(sample, monkeypatch):
    """The watcher names the changed files: the preview reads only those, and renders a week only if it changed."""
    import newsletter.serving.live as live_module
    import newsletter.serving.preview as preview_module

    rendered = []
    render_week = live_module.render_week
    monkeypatch.setattr(live_module, "render_week",
                        lambda project, week, **kw: rendered.append(week.id) or render_week(project, week, **kw))
    site = preview_module.PreviewSite(sample / "newsletter.toml", sample / "events")
    page = lambda: site.respond("/week/2018-W04/email.html", 1).body.decode()  # noqa: E731
    assert "Naseem Rally" in page() and rendered == ["2018-W04"]

    rally = sample / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
    rally.write_text(rally.read_text().replace("Naseem Rally", "Naseem March"))
    site.invalidate({str(rally.resolve())})
    assert "Naseem March" in page() and rendered == ["2018-W04"] * 2

    study = sample / "events" / "2018-01-11-united-front-study-group.md"  # two weeks before: not in this digest
    study.write_text(study.read_text().replace("The United Front", "The Popular Front"))
    site.invalidate({str(study.resolve())})
    assert "Naseem March" in page() and rendered == ["2018-W04"] * 2  # nothing rendered again

    added = sample / "events" / "2018-01-26-tenant-assembly.md"
    added.write_text("---\ntitle: Tenant Assembly\nkind: meeting\nstart: 2018-01-26 18:00\n---\n")
    site.invalidate({str(added.resolve())})
    assert "Tenant Assembly" in page()
    added.unlink()
    site.invalidate({str(added.resolve())})
    assert "Tenant Assembly" not in page()

    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"', 'name = "ISO Boston Weekly"'))
    site.invalidate({str(config.resolve())})
    assert "ISO Boston Weekly" in page()


def test_a_save_in_a_busy_week_starts_from_what_was_shortened_before(sample, monkeypatch):
    import sys
    from pathlib import Path

    import newsletter.serving.live as live_module
    import newsletter.serving.preview as preview_module

    sys.path.insert(0, str(Path(__file__).parent))
    from busy_week import write_busy_week

    with open(sample / "newsletter.toml", "a", encoding="utf-8") as settings:
        settings.write("\n[digest]\nmax_html_kb = 60\n")
    edited = write_busy_week(sample / "events", 12)[0]
    hints, shortened = [], []
    render_week = live_module.render_week

    def counting(project, week, **kw):
        hints.append(kw.get("hint"))
        shortened.append(len((found := render_week(project, week, **kw)).shortened))
        return found

    monkeypatch.setattr(live_module, "render_week", counting)
    site = preview_module.PreviewSite(sample / "newsletter.toml", sample / "events")
    site.respond("/week/2018-W04/email.html", 1)
    edited.write_text(edited.read_text().replace("summary: ", "summary: Moved upstairs. ", 1))
    site.invalidate({str(edited.resolve())})
    assert "Moved upstairs." in site.respond("/week/2018-W04/email.html", 2).body.decode()
    assert hints[0] is None and hints[1].count == shortened[0] > 0  # the last fit's Step (rendering/fit.py)
    from newsletter.outputs.build import build
    from newsletter.rendering import render

    renders = []
    render_html = render.render_html
    monkeypatch.setattr(render, "render_html", lambda *a, **k: renders.append(1) or render_html(*a, **k))
    edited.write_text(edited.read_text().replace("summary: ", "summary: Bring a friend. ", 1))
    site.invalidate({str(edited.resolve())})
    assert "Bring a friend." in site.respond("/week/2018-W04/email.html", 3).body.decode()
    assert len(renders) == 1  # the step still tells: one render settles the fit
    assert shortened[-1] == len(build(sample / "newsletter.toml", sample / "events", week="2018-W04",
                                      cache=False).shortened)


def test_edits_read_one_file_yet_leave_the_same_events_weeks_and_index_as_a_full_read(sample, monkeypatch):
    """Edits, a new file, a deleted one, a broken one and its fix: after each, the preview's events, its
    list of weeks and its week index are what reading the whole folder again gives."""
    import newsletter.outputs.project as build_module
    import newsletter.serving.live as live_module
    import newsletter.serving.preview as preview_module
    from newsletter.outputs.project import load_project
    from newsletter.schedule.digest import WeekIndex, weeks_with_events

    site = preview_module.PreviewSite(sample / "newsletter.toml", sample / "events")
    site.respond("/week/2018-W04/", 1)
    full_reads = []
    load_events = build_module.load_events
    monkeypatch.setattr(build_module, "load_events", lambda *a, **k: full_reads.append(1) or load_events(*a, **k))
    events = sample / "events"
    rally, study = events / f"{RALLY}.md", events / "2018-01-11-united-front-study-group.md"
    later = events / "2018-01-20-phone-bank.md"  # among the others by name

    def save(path, text):
        if text is None:
            path.unlink()
        else:
            path.write_text(text)
        site.invalidate({str(path.resolve())})

    steps = [
        (rally, rally.read_text().replace("Naseem Rally", "Naseem March")),
        (later, "---\ntitle: Phone bank\nkind: meeting\nstart: 2018-02-03 11:00\n---\nCall members.\n"),
        (study, study.read_text().replace("start:", "start: [", 1)),  # broken
        (study, study.read_text()),  # fixed
        (later, None),
        (rally, rally.read_text().replace("2018-01-27", "2018-02-10", 1)),  # moved to another week
    ]
    for number, (path, text) in enumerate(steps):
        save(path, text)
        page = site.respond("/week/2018-W04/", number + 2)
        if "start: [" in (text or ""):
            assert "2018-01-11-united-front-study-group.md" in page.body.decode()
            continue
        project = site._load()
        monkeypatch.setattr(build_module, "load_events", load_events)
        fresh = load_project(sample / "newsletter.toml", events, cache=False)
        monkeypatch.setattr(build_module, "load_events", lambda *a, **k: full_reads.append(1) or load_events(*a, **k))
        assert project.events == fresh.events, number
        settings = fresh.settings
        until = site.today(project) + timedelta(weeks=settings.coming_up_weeks + live_module.PREVIEW_WEEKS_AHEAD)
        assert site._weeks(project) == weeks_with_events(fresh.events, settings, drafts=True, until=until)
        index, again = site.live.events_by_week(project), WeekIndex(fresh.events)
        assert (index.singles, index.starts, index.long, index.series) == (
            again.singles, again.starts, again.long, again.series), number
    assert full_reads == []  # each save read its own file only, the broken one and its fix too


# Editors that save by writing a new file and renaming it ----------------------------

def _jetbrains(path, text):
    tmp, old = path.with_name(path.name + "___jb_tmp___"), path.with_name(path.name + "___jb_old___")
    tmp.write_text(text)
    path.rename(old)
    tmp.rename(path)
    old.unlink()


def _gedit(path, text):
    tmp = path.with_name(".goutputstream-Q2X7K1")
    tmp.write_text(text)
    tmp.replace(path)


def _vim(path, text):
    probe = path.with_name("4913")  # vim checks it may create files here
    probe.write_text("")
    probe.unlink()
    backup = path.with_name(path.name + "~")
    path.rename(backup)
    path.write_text(text)
    backup.unlink()


def _sed(path, text):
    subprocess.run(["sed", "-i", "s/Solidarity with Syria: A Panel/Solidarity with Syria: A Teach-in/", path.name],
                   cwd=path.parent, check=True, timeout=30)


def _atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


@pytest.mark.parametrize("save", [_jetbrains, _gedit, _vim, _sed, _atomic],
                         ids=["jetbrains", "gedit", "vim", "sed -i", "write and rename"])
def test_a_save_by_rename_is_never_missed(preview, sample, save):
    path = sample / "events" / "2018-01-24-socialists-in-solidarity-with-syria.md"
    assert "A Panel &amp; Discussion" in preview.get("/week/2018-W04/")[1]  # read once, and in the cache
    for attempt, title in enumerate(["A Teach-in", "A Panel", "A Teach-in"]):
        # Each save is the same editor saving again: the second and third start from the preview's current state.
        text = path.read_text()
        old = "A Teach-in" if "A Teach-in" in text else "A Panel"
        if save is _sed and title == "A Panel":
            path.write_text(text.replace(old, title))
        else:
            save(path, text.replace(old, title))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            digest = preview.get("/week/2018-W04/digest.txt")[1]
            if f"Syria: {title}" in digest:
                break
            time.sleep(0.1)
        assert f"Syria: {title}" in digest, f"save {attempt + 1}: the preview still shows the old title"


def test_a_project_image_shows_in_the_preview_before_the_archive_is_published(sample):
    from test_images import png

    (sample / "images").mkdir()
    data = png(1200, 600, padding=64)
    (sample / "images" / "crowd.png").write_bytes(data)
    rally = sample / "events" / f"{RALLY}.md"
    rally.write_text(rally.read_text().replace("summary:", "image:\n  src: images/crowd.png\n  alt: The crowd at the "
                                               "JFK Federal Building\nsummary:", 1))
    running = Running(sample)
    try:
        for page in ("/week/2018-W04/email.html", "/week/2018-W04/email-dark.html", f"/announce/{RALLY}/email.html"):
            status, body = running.get(page)
            image = BeautifulSoup(body, "html.parser").find("img", class_="nl-image")
            assert status == 200 and image["src"] == "/project-images/images/crowd.png", page
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
        connection.request("GET", "/project-images/images/crowd.png")
        response = connection.getresponse()
        assert (response.status, response.getheader("Content-Type"), response.read()) == (200, "image/png", data)
        connection.close()
    finally:
        running.close()
    built = build(sample / "newsletter.toml", sample / "events", week="2018-W04")  # the email itself is unchanged
    assert 'src="https://example.org/iso-boston/images/crowd.png"' in built.outputs["digest.html"].decode()


def test_the_share_folder_is_served_as_build_and_announce_write_it(sample):
    """The preview's Share tab reads the same texts and images the commands write, from memory."""
    from newsletter.serving.preview import PreviewSite

    for command in (["build", "--week", "2018-W04"], ["announce", RALLY, "--today", "2018-01-20"]):
        assert CliRunner().invoke(main, command).exit_code == 0
    site = PreviewSite(sample / "newsletter.toml", sample / "events", today=date(2018, 1, 20))
    for url, folder in (("/week/2018-W04/share/", sample / "dist" / "2018-W04" / "share"),
                        (f"/announce/{RALLY}/share/", sample / "dist" / "announce" / RALLY / "share")):
        for name in ("whatsapp.txt", "bluesky.txt", "card.txt"):
            page = site.respond(url + name, 1)
            assert page.content_type.startswith("text/plain") and page.body == (folder / name).read_bytes()
        page = site.respond(url + "card.png", 1)
        assert page.content_type == "image/png" and page.body == (folder / "card.png").read_bytes()
        assert site.respond(url + "flyer.exe", 1) is None and site.respond(url + "nothing.txt", 1) is None
    assert "data-src=\"share/whatsapp.txt\"" in site.respond("/week/2018-W04/", 1).body.decode()
    flyer = site.respond(f"/announce/{RALLY}/share/flyer.pdf", 1)
    assert flyer.content_type == "application/pdf" and flyer.body == (folder / "flyer.pdf").read_bytes()
    assert 'href="share/flyer.pdf"' in site.respond(f"/announce/{RALLY}/", 1).body.decode()
    assert site.respond("/week/2018-W04/share/flyer.pdf", 1) is None  # a week has no flyer
