"""Building a week: what is written, the JSON summary, and writing all or nothing."""

from __future__ import annotations

import json
import re

import pytest

from newsletter.outputs.build import build
from newsletter.outputs.fileset import write_set
from newsletter.errors import InvalidInput, NoEvents
from datetime import UTC


def test_build_writes_its_files_into_dist_week(sample):
    result = build(sample / "newsletter.toml", sample / "events", week="2018-01-24")
    out = sample / "dist" / "2018-W04"
    names = ("digest.html", "digest.txt", "digest.eml", "digest.json", "events.ics")
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "share"])
    assert [p.absolute() for p in result.written][:5] == [out / n for n in names]
    assert {p.absolute().parent for p in result.written[5:]} == {out / "share"}


def test_json_summary(sample):
    build(sample / "newsletter.toml", sample / "events", week="2018-W04")
    data = json.loads((sample / "dist" / "2018-W04" / "digest.json").read_text())
    assert data["subject"] == "ISO Boston Events: January 22–28, 2018"
    assert data["preheader"].startswith("This week: Sat: #Justice4Siham")
    assert data["week"] == {"id": "2018-W04", "first_day": "2018-01-22", "last_day": "2018-01-28",
                            "timezone": "America/New_York"}
    assert [s["id"] for s in data["sections"]] == ["rally", "meeting", "panel", "ongoing"]
    rally = data["sections"][0]["events"][0]
    assert rally["id"] == "2018-01-27-justice-for-siham-and-naseem-rally"
    assert rally["start"] == "2018-01-27T12:00:00-05:00" and rally["end"] == "2018-01-27T14:00:00-05:00"
    drive = data["sections"][3]["events"][0]
    assert drive["all_day"] is True and drive["last_day"] == "2018-02-10"
    assert data["coming_up"] == []


def test_rescheduled_event_says_what_it_moved_from(sample):
    result = build(sample / "newsletter.toml", sample / "events", week="2018-W02")
    text = result.outputs["digest.txt"].decode()
    assert "[1] [RESCHEDULED] Left Organizing Tactics in the Age of Trump: The" in text
    assert "Moved from Thursday, January 4, 7:00 pm" in text
    assert "Rescheduled" in result.outputs["digest.html"].decode()


def test_empty_week_writes_nothing(sample):
    with pytest.raises(NoEvents, match=r"no events in week 2018-W10 \(March 5–11, 2018\)"):
        build(sample / "newsletter.toml", sample / "events", week="2018-W10")
    assert not (sample / "dist").exists()


def test_a_bad_file_anywhere_stops_the_build_and_keeps_previous_outputs(sample):
    build(sample / "newsletter.toml", sample / "events", week="2018-W04")
    before = {p.name: p.read_bytes() for p in (sample / "dist" / "2018-W04").rglob("*") if p.is_file()}
    (sample / "events" / "broken.md").write_text("---\ntitle: [\n---\n")
    with pytest.raises(InvalidInput):
        build(sample / "newsletter.toml", sample / "events", week="2018-W04")
    after = {p.name: p.read_bytes() for p in (sample / "dist" / "2018-W04").rglob("*") if p.is_file()}
    assert after == before


def test_failed_write_leaves_previous_files_and_no_temporary_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_set(out, {"a.txt": b"old a", "b.txt": b"old b"})
    real_open = open
    calls = []

    def failing_open(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(OSError):
        write_set(out, {"a.txt": b"new a", "b.txt": b"new b"})
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert (out / "a.txt").read_bytes() == b"old a"
    assert (out / "b.txt").read_bytes() == b"old b"
    assert len(list(tmp_path.iterdir())) == 2  # the folder and the one set it points to


def test_drafts_only_with_the_flag(project):
    project.event("d.md", "---\ntitle: Draft panel\nkind: panel\nstart: 2018-01-24 18:00\ndraft: true\n---\n")
    with pytest.raises(NoEvents):
        build(project.config, project.events, week="2018-W04")
    result = build(project.config, project.events, week="2018-W04", drafts=True)
    assert "Draft panel" in result.outputs["digest.txt"].decode()


def test_the_eml_json_and_calendar_are_made_only_when_asked_for_and_alike_either_way(sample, monkeypatch):
    """The preview shows the HTML and the text; the other files cost nothing until someone needs them."""
    from datetime import datetime

    import newsletter.outputs.calendars as calendars
    from newsletter.outputs.build import render_week
    from newsletter.outputs.project import load_project
    from newsletter.schedule.dates import parse_week

    import newsletter.rendering.cards as cards

    made = []
    to_ics, draw = calendars.to_ics, cards.draw
    monkeypatch.setattr(calendars, "to_ics", lambda *a, **k: made.append("ics") or to_ics(*a, **k))
    monkeypatch.setattr(cards, "draw", lambda *a, **k: made.append("png") or draw(*a, **k))
    project = load_project(sample / "newsletter.toml", sample / "events", cache=False)
    week = parse_week("2018-W04", project.settings.week_start, project.settings.timezone)
    now = datetime(2018, 1, 20, 12, tzinfo=UTC)
    lazy = render_week(project, week, now=now)
    assert lazy.html_bytes > 0 and made == []
    first = lazy.outputs["events.ics"]
    assert lazy.outputs["events.ics"] is first and made == ["ics"]  # made once
    eager = dict(render_week(project, week, now=now).outputs)
    boundaries = lambda data: re.sub(rb"={15}\d+==", b"BOUNDARY", data)  # noqa: E731  (random in every message)
    assert {k: boundaries(v) for k, v in lazy.outputs.items()} == {k: boundaries(v) for k, v in eager.items()}
    share = ["share/bluesky.txt", "share/card.png", "share/card.txt", "share/mastodon.txt", "share/signal.txt",
             "share/square.png", "share/telegram.txt", "share/whatsapp.txt"]
    assert sorted(eager) == ["digest.eml", "digest.html", "digest.json", "digest.txt", "events.ics", *share]
