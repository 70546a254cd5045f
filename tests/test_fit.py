"""Busy weeks stay whole: [digest] layout = full, compact or auto, against Gmail's clipping size."""

from __future__ import annotations

import json
import re

import pytest

from bs4 import BeautifulSoup
from click.testing import CliRunner

from busy_week import write_busy_week
from conftest import REPO, SETTINGS
from newsletter.outputs.build import build
from newsletter.cli import main

ARCHIVE = 'archive_url = "https://example.org/news/"\n'
ROOMY = "[digest]\nmax_html_kb = 95\n"  # the busy week fits with some entries compact, not all: the fit's middle ground
W04 = dict(week="2018-W04")
LONG = "\n\n".join(["Words about the campaign and why it matters to every tenant in the building. " * 12] * 36)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def settings(project, *lines: str) -> None:
    project.settings(SETTINGS + "".join(lines))


def soup_of(result) -> BeautifulSoup:
    return BeautifulSoup(result.outputs["digest.html"], "html.parser")


def test_auto_keeps_a_busy_week_under_its_limit_with_every_event_in_agenda_sections_and_text(project):
    settings(project, ARCHIVE, ROOMY)
    write_busy_week(project.events, 30)
    result = build(project.config, project.events, **W04)
    assert result.sent_bytes <= 95_000 and result.squeeze is None
    assert result.shortened, "thirty long descriptions do not fit in full"
    soup = soup_of(result)
    titles = {e.title for e in result.digest.events}
    agenda = soup.find("h2", string="This week").find_next("ul").find_all("a")
    assert len(agenda) == 30 and {a.get_text() for a in agenda} == titles
    for link in agenda:
        target = soup.find(id=link["href"].removeprefix("#"))
        assert target.name == "h3" and target.get_text() == link.get_text()
    assert {h.get_text() for h in soup.find_all("h3")} == titles
    text = result.outputs["digest.txt"].decode()
    numbered = re.findall(r"^\[(\d+)\] (?:\[CANCELLED\] )?(.+)$", text, flags=re.M)
    assert sorted(int(n) for n, _ in numbered) == list(range(1, 31))
    for event in result.shortened:
        page = f"https://example.org/news/events/{event.id}/"
        assert f"Read more: {page}" in text
        assert soup.find("a", href=page).get_text() == f"Read more: {event.title}"


def test_auto_shortens_the_longest_description_first_and_no_more_than_it_needs(project):
    settings(project, ARCHIVE, "[digest]\nmax_html_kb = 30\n")
    project.event("long.md", f"---\ntitle: Long\nkind: meeting\nstart: 2018-01-24 18:00\n---\n{LONG}\n")
    project.event("medium.md", f"---\ntitle: Medium\nkind: rally\nstart: 2018-01-25 18:00\n---\n{LONG[:3000]}\n")
    project.event("short.md", "---\ntitle: Short\nkind: rally\nstart: 2018-01-26 18:00\n---\nSee you there.\n")
    result = build(project.config, project.events, **W04)
    assert [e.title for e in result.shortened] == ["Long"]
    assert result.html_bytes <= 30_000 and not result.warnings
    soup = soup_of(result)
    assert len(soup.find_all(class_="nl-description")) == 2  # Medium and Short in full
    summary = json.loads(result.outputs["digest.json"])
    shortened = {e["title"]: e["shortened"] for s in summary["sections"] for e in s["events"]}
    assert shortened == {"Long": True, "Medium": False, "Short": False}


def test_build_says_which_events_it_shortened(project):
    settings(project, ARCHIVE, "[digest]\nmax_html_kb = 30\n")
    project.event("long.md", f"---\ntitle: Long\nkind: meeting\nstart: 2018-01-24 18:00\n---\n{LONG}\n")
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.split("\n")
    at = lines.index("Shortened to fit 30 KB, each linking to its page for the rest:")
    assert lines[at + 1] == "  Long"


def test_compact_shows_facts_summary_or_opening_sentences_and_read_more(project):
    settings(project, ARCHIVE, '[digest]\nlayout = "compact"\n')
    project.event("a.md", """\
        ---
        title: Assembly
        kind: meeting
        start: 2018-01-24 18:00
        summary: Vote on the strike.
        location: {name: Union Hall}
        links: [{label: The proposal, url: "https://example.org/proposal"}]
        rsvp: https://example.org/rsvp
        ---
        The full case for the strike, at length.
        """)
    opening = "We knock on every door on Elm Street. " * 4 + "Bring water and comfortable shoes! " * 6
    project.event("b.md", f"---\ntitle: Canvass\nkind: other\nstart: 2018-01-27 10:00\n---\n{opening}\n\nMore.\n")
    result = build(project.config, project.events, **W04)
    soup = soup_of(result)
    assert soup.find(class_="nl-description") is None and soup.find(class_="nl-calendar") is None
    assert soup.find("a", string="The proposal") is None  # the event's page has its links
    assert soup.find(class_="nl-summary").get_text() == "Vote on the strike."
    teaser = soup.find(class_="nl-teaser").get_text()
    assert teaser.endswith("shoes!") and len(teaser) <= 280 and "More." not in teaser
    assert soup.find("a", string="Read more: Assembly")["href"] == "https://example.org/news/events/a/"
    assert [a.get_text() for a in soup.select("table.nl-button a")] == ["RSVP for Assembly"]
    text = result.outputs["digest.txt"].decode().split("\n")
    entry = text[text.index("[1] Assembly"):]
    assert entry[:8] == [
        "[1] Assembly",
        "Vote on the strike.",
        "",
        "When: Wednesday, January 24 · 6:00 pm",
        "Where: Union Hall",
        "",
        "RSVP: https://example.org/rsvp",
        "",
    ]
    assert entry[8] == "Read more: https://example.org/news/events/a/"
    assert not any(line.startswith(("Add to Google", "The proposal")) for line in text)


def test_full_layout_keeps_every_description_and_warns_over_the_limit(project):
    settings(project, ARCHIVE, '[digest]\nlayout = "full"\nmax_html_kb = 20\n')
    project.event("long.md", f"---\ntitle: Long\nkind: meeting\nstart: 2018-01-24 18:00\n---\n{LONG}\n")
    result = build(project.config, project.events, **W04)
    assert result.shortened == [] and soup_of(result).find(class_="nl-description") is not None
    assert [w.message for w in result.warnings] == [
        f"digest.html is {result.sent_bytes / 1000:.1f} KB as sent, over max_html_kb (20 KB)"]
    assert "layout = \"auto\"" in result.warnings[0].fix


def test_busy_week_without_archive_url_warns_in_build_and_check(project):
    write_busy_week(project.events, 30)
    built = run("build", "--week", "2018-W04")
    assert built.exit_code == 1  # written, but not to be sent
    assert "over max_html_kb (80 KB) (fix: set archive_url in newsletter.toml" in built.stderr
    assert "DO NOT SEND: Gmail will clip this digest" in built.stderr
    assert "Shortened" not in built.stdout
    checked = run("check", "--week", "2018-W04")
    assert checked.exit_code == 1
    assert re.search(r"^error: the HTML is \d+\.\d KB as sent; Gmail clips messages over 102 KB", checked.stdout, re.M)
    assert re.search(r"^warning: digest.html is \d+\.\d KB as sent, over max_html_kb \(80 KB\) \(fix: set archive_url",
                     checked.stdout, re.M)


def test_compact_without_archive_url_keeps_the_full_text_and_check_says_so(project):
    settings(project, '[digest]\nlayout = "compact"\n')
    project.event("a.md", "---\ntitle: Assembly\nkind: meeting\nstart: 2018-01-24 18:00\n---\nThe whole story.\n")
    result = build(project.config, project.events, **W04)
    assert soup_of(result).find(class_="nl-description").get_text(strip=True) == "The whole story."
    checked = run("check", "--week", "2018-W04")
    assert ('warning: layout is "compact", but without archive_url there are no event pages to link to, '
            "so every description is shown in full (fix: set archive_url in newsletter.toml)") in checked.stdout


def _fitted_busy_week(project, monkeypatch, hint=None, layout=""):
    """fit_digest on the 30-event week, counting the HTML renders and the text parts written."""
    from newsletter.outputs.project import load_project
    from newsletter.rendering import fit, render
    from newsletter.schedule.dates import parse_week
    from newsletter.schedule.digest import digest_for_week

    counts = {"html": 0, "text": 0}
    with pytest.MonkeyPatch.context() as patch:  # its own: the fixture's keeps the working folder
        for name, kind in (("render_html", "html"), ("render_text", "text")):
            real = getattr(render, name)
            patch.setattr(render, name, lambda *a, real=real, kind=kind, **k: counts.__setitem__(
                kind, counts[kind] + 1) or real(*a, **k))
        loaded = load_project(project.config, project.events, cache=False)
        week = parse_week("2018-W04", loaded.settings.week_start, loaded.settings.timezone)
        digest = digest_for_week(loaded.events, week, loaded.settings)
        result = fit.fit_digest(digest, loaded.settings, None, hint)
    return result, counts


def test_the_text_part_is_written_once_and_a_right_hint_takes_two_renders(project, monkeypatch):
    settings(project, ARCHIVE, ROOMY)
    write_busy_week(project.events, 30)
    plain, counts = _fitted_busy_week(project, monkeypatch)
    assert counts["html"] >= 3 and counts["text"] == 1
    found = len(plain.shortened)
    assert 0 < found < 30
    again, counts = _fitted_busy_week(project, monkeypatch, hint=found)
    assert counts == {"html": 2, "text": 1}
    assert again.email == plain.email
    full = build(project.config, project.events, **W04)
    assert full.outputs["digest.txt"].decode() == plain.email.text
    assert full.outputs["digest.html"].decode() == plain.email.html


def test_a_wrong_hint_still_finds_the_fewest_to_shorten(project, monkeypatch):
    settings(project, ARCHIVE, ROOMY)
    write_busy_week(project.events, 30)
    plain, _ = _fitted_busy_week(project, monkeypatch)
    found = len(plain.shortened)
    for hint in (0, 1, found - 1, found + 1, found + 5, 30, 31):
        fitted, _ = _fitted_busy_week(project, monkeypatch, hint=hint)
        assert [e.id for e in fitted.shortened] == [e.id for e in plain.shortened], hint
        assert fitted.email == plain.email


def test_after_an_edit_elsewhere_the_last_step_settles_the_fit_in_one_render(project, monkeypatch):
    """The preview's hint: with the built-in templates, showing the last entry shortened in full again adds the
    same bytes whatever else is edited, so one render gives what a whole fit gives; otherwise it renders more."""
    settings(project, ARCHIVE, "[digest]\nmax_html_kb = 60\n")
    paths = {path.stem: path for path in write_busy_week(project.events, 12)}  # 7 of them shortened
    before, _ = _fitted_busy_week(project, monkeypatch)
    step = before.step
    assert step is not None and step.count == len(before.shortened) > 0
    full = [name for name in paths if name not in step.shortened]
    edits = [  # (file, old, new, whether the step still tells)
        (full[0], "title: \"", "title: \"Moved: ", True),
        (full[1], "  name: Union Hall", "  name: The big hall at Union Hall", True),
        (sorted(step.shortened - {step.entry.id})[0], "  name: Union Hall", "  name: The big hall at Union Hall", True),
        (step.entry.id, "  name: Union Hall", "  name: The big hall at Union Hall", False),
        (full[2], "\n---\n", "\n---\n" + "Much more to say about it. " * 400 + "\n\n", False),  # now the longest
    ]
    for name, old, new, tells in edits:
        path = paths[name]
        original = path.read_text()
        path.write_text(original.replace(old, new, 1))
        whole, _ = _fitted_busy_week(project, monkeypatch)
        hinted, counts = _fitted_busy_week(project, monkeypatch, hint=step)
        assert hinted.email == whole.email and hinted.shortened == whole.shortened, name
        assert (counts["html"] == 1) == tells, name
        assert hinted.step == whole.step, name
        path.write_text(original)
    own = project.root / "templates" / "email"
    own.mkdir(parents=True)
    (own / "digest.mjml").write_text((REPO / "templates" / "email" / "digest.mjml").read_text())
    path = paths[full[0]]
    path.write_text(path.read_text().replace("title: \"", "title: \"Moved: ", 1))
    whole, _ = _fitted_busy_week(project, monkeypatch)
    hinted, counts = _fitted_busy_week(project, monkeypatch, hint=step)
    assert counts["html"] == 2 and hinted.email == whole.email  # a group's own templates: both are rendered


def test_build_remembers_how_many_it_shortened_and_a_damaged_note_only_costs_renders(project, monkeypatch):
    from newsletter.rendering import render
    from newsletter.sources.compiled import HINTS
    from newsletter.sources.store import FOLDER

    settings(project, ARCHIVE, ROOMY)
    write_busy_week(project.events, 30)
    calls = []
    render_digest = render.render_digest
    monkeypatch.setattr(render, "render_digest", lambda *a, **k: calls.append(1) or render_digest(*a, **k))
    first = build(project.config, project.events, **W04)
    assert len(calls) >= 3
    notes = project.config.parent / FOLDER / "compiled" / HINTS
    assert json.loads(notes.read_text()) == {"en:2018-W04": len(first.shortened)}
    calls.clear()
    again = build(project.config, project.events, **W04)
    assert len(calls) == 2 and again.shortened == first.shortened
    notes.write_text('{"en:2018-W04": "many"')  # damaged
    calls.clear()
    damaged = build(project.config, project.events, **W04)
    assert len(calls) >= 3 and damaged.outputs["digest.html"] == first.outputs["digest.html"]


# Past compact: brief entries, then the agenda alone ---------------------------------------

def test_a_week_too_big_with_every_entry_compact_gets_brief_entries(project):
    settings(project, ARCHIVE)  # 80 KB as sent: thirty compact entries are more
    write_busy_week(project.events, 30)
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 0, result.output
    assert "Every entry shortened to its title, time and place to fit 80 KB, each linking to its page" in result.stdout
    html = (project.root / "dist" / "2018-W04" / "digest.html").read_bytes()
    soup = BeautifulSoup(html, "html.parser")
    from newsletter.rendering.render import sent_bytes

    assert sent_bytes(html.decode()) <= 80_000
    assert len(soup.find_all("h3")) == 30  # every event still has its entry
    assert soup.find(class_="nl-summary") is None and soup.find(class_="nl-button") is None
    assert len(soup.find_all("a", string=re.compile("^Read more: "))) == 30
    text = (project.root / "dist" / "2018-W04" / "digest.txt").read_text()
    assert text.count("Read more: https://example.org/news/events/") == 30
    assert "RSVP" not in text


def test_a_week_too_big_even_brief_becomes_the_agenda_linking_to_each_event(project):
    settings(project, ARCHIVE, "[digest]\nmax_html_kb = 45\n")
    write_busy_week(project.events, 30)
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 0, result.output
    assert "Only the agenda to fit 45 KB, each line linking to its event's page" in result.stdout
    soup = BeautifulSoup((project.root / "dist" / "2018-W04" / "digest.html").read_bytes(), "html.parser")
    assert soup.find("h3") is None and [h.get_text() for h in soup.find_all("h2")][0] == "This week"
    links = soup.find("h2", string="This week").find_next("ul").find_all("a")
    assert len(links) == 30 and all(a["href"].startswith("https://example.org/news/events/") for a in links)
    text = (project.root / "dist" / "2018-W04" / "digest.txt").read_text().split("\n")
    pages = [line.strip() for line in text if line.strip().startswith("https://example.org/news/events/")]
    assert len(pages) == 30
    checked = run("check", "--week", "2018-W04", "--today", "2018-01-18")
    assert checked.exit_code == 0, checked.output
    assert "link" not in checked.stdout  # every agenda line's link is whole, and says where it goes


def test_a_week_that_cannot_fit_at_all_is_an_error_and_exit_status_1(project):
    settings(project, ARCHIVE, "[digest]\nmax_html_kb = 10\n")
    write_busy_week(project.events, 30)
    result = run("build", "--week", "2018-W04")
    assert result.exit_code == 1
    assert re.search(r"^error: digest.html is \d+\.\d KB as sent, over max_html_kb \(10 KB\) even as the agenda alone",
                     result.stderr, re.M)
    assert "DO NOT SEND: this week does not fit max_html_kb" in result.stderr
    assert (project.root / "dist" / "2018-W04" / "digest.html").exists()  # written, to look at
