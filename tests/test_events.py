"""Reading event files: every field, and a clear problem for every kind of bad input."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest

from newsletter.sources.events import load_events, read_event

NY = ZoneInfo("America/New_York")


def parse(settings, text: str, path: str = "events/x.md"):
    return read_event(text.encode("utf-8"), path, "x", settings)


def messages(settings, text: str) -> list[str]:
    event, problems = parse(settings, text)
    assert event is None
    return [str(p) for p in problems]


def test_minimal_event_reads_title_kind_and_local_start(settings):
    event, problems = parse(settings, "---\ntitle: Rent strike rally\nkind: rally\nstart: 2018-01-27 12:00\n---\nCome.\n")
    assert problems == []
    assert event.title == "Rent strike rally"
    assert event.kind == "rally"
    assert event.start == datetime(2018, 1, 27, 12, 0, tzinfo=NY)
    assert event.all_day is False and event.end is None
    assert event.body == "Come."
    assert event.status == "scheduled" and event.draft is False


def test_every_optional_field_is_carried(settings):
    event, problems = parse(settings, """---
title: Panel
kind: panel
start: 2018-01-24T18:30
end: "20:30"
location:
  name: Kenmore Classroom Building
  address: 565 Example Ave, Boston
  url: https://example.org/map
  notes: Side entrance
online: https://example.org/stream
hosts: [ISO Boston, Coalition]
speakers:
  - Jane Doe
  - name: Yasser Munif
    bio: Emerson College
links:
  - label: Reading
    url: https://example.org/reading
rsvp: https://example.org/rsvp
donate: https://example.org/give
accessibility: Step-free entrance
image:
  src: https://example.org/poster.png
  alt: Poster with two speakers
summary: "  A talk   about Syria "
draft: yes
---
""")
    assert problems == []
    assert event.end == datetime(2018, 1, 24, 20, 30, tzinfo=NY)
    assert event.location.name == "Kenmore Classroom Building"
    assert event.location.address == "565 Example Ave, Boston"
    assert event.location.url == "https://example.org/map"
    assert event.location.notes == "Side entrance"
    assert event.online == "https://example.org/stream"
    assert event.hosts == ("ISO Boston", "Coalition")
    assert [(s.name, s.bio) for s in event.speakers] == [("Jane Doe", None), ("Yasser Munif", "Emerson College")]
    assert [(line.label, line.url) for line in event.links] == [("Reading", "https://example.org/reading")]
    assert event.rsvp == "https://example.org/rsvp"
    assert event.donate == "https://example.org/give"
    assert event.accessibility == "Step-free entrance"
    assert (event.image.src, event.image.alt) == ("https://example.org/poster.png", "Poster with two speakers")
    assert event.summary == "A talk about Syria"
    assert event.draft is True


def test_end_as_unquoted_time_is_not_read_as_base_60_number(settings):
    # YAML 1.1 would load 14:00 as the integer 840.
    event, problems = parse(settings, "---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nend: 14:00\n---\n")
    assert problems == []
    assert event.end.time() == time(14, 0)


def test_date_start_is_all_day_and_date_end_spans_weeks(settings):
    event, problems = parse(settings, "---\ntitle: Drive\nkind: fund-drive\nstart: 2018-01-15\nend: 2018-02-10\n---\n")
    assert problems == []
    assert event.all_day and event.end_is_date
    assert event.last_day == date(2018, 2, 10)
    assert event.ends_at == datetime(2018, 2, 11, tzinfo=NY)


def test_offset_in_value_wins_over_newsletter_zone(settings):
    event, _ = parse(settings, "---\ntitle: T\nkind: rally\nstart: 2018-01-27T12:00-08:00\n---\n")
    assert event.start.utcoffset() == timedelta(hours=-8)
    assert event.start.astimezone(UTC).hour == 20


def test_event_timezone_field(settings):
    event, problems = parse(settings, "---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\ntimezone: Europe/Berlin\n---\n")
    assert problems == []
    assert event.start.astimezone(UTC).hour == 11


def test_location_tbd_and_plain_string(settings):
    event, _ = parse(settings, "---\ntitle: T\nkind: meeting\nstart: 2018-01-25 19:00\nlocation: TBD\n---\n")
    assert event.location.tbd
    event, _ = parse(settings, "---\ntitle: T\nkind: meeting\nstart: 2018-01-25 19:00\nlocation: Cambridge Community Center\n---\n")
    assert event.location.name == "Cambridge Community Center" and not event.location.tbd


def test_rescheduled_event_keeps_old_start(settings):
    event, problems = parse(settings, """---
title: Study group
kind: study-group
start: 2018-01-11 19:00
status: rescheduled
rescheduled_from: 2018-01-04 19:00
---
""")
    assert problems == []
    assert event.status == "rescheduled"
    assert event.rescheduled_from == datetime(2018, 1, 4, 19, tzinfo=NY)


def test_windows_file_with_bom_and_crlf(settings):
    raw = "\ufeff---\r\ntitle: T\r\nkind: rally\r\nstart: 2018-01-27 12:00\r\n---\r\nBody\r\n".encode("utf-8")
    event, problems = read_event(raw, "events/x.md", "x", settings)
    assert problems == [] and event.body == "Body"


@pytest.mark.parametrize("text, expected", [
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nlocaton: Hall\n---\n",
     "events/x.md:5: locaton: unknown field 'locaton': did you mean 'location'?"),
    ("---\nkind: rally\nstart: 2018-01-27 12:00\n---\n",
     "events/x.md: title: is required"),
    ("---\ntitle: T\nkind: raly\nstart: 2018-01-27 12:00\n---\n",
     "events/x.md:3: kind: unknown kind 'raly': did you mean 'rally'?"),
    ("---\ntitle: T\nkind: concert\nstart: 2018-01-27 12:00\n---\n",
     "events/x.md:3: kind: unknown kind 'concert' (kinds: rally, meeting, panel, study-group, fund-drive, other); "
     "to add it, write [[kinds]] and, on the next line, id = \"concert\" in newsletter.toml"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-02-30\n---\n",
     "events/x.md:4: start: 2018-02-30 is not a real date"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-02-30 12:00\n---\n",
     "events/x.md:4: start: 2018-02-30 is not a real date"),
    ("---\ntitle: T\nkind: rally\nstart: next friday\n---\n",
     "events/x.md:4: start: 'next friday' is not a date or date-time (write 2018-01-27 or 2018-01-27 19:00)"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nend: 11:00\n---\n",
     "events/x.md:5: end: '11:00' is not after the start, '2018-01-27 12:00': the event must end after it starts"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27\nend: 2018-01-20\n---\n",
     "events/x.md:5: end: '2018-01-20' is not after the start, '2018-01-27': the event must end after it starts"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27\nend: 14:00\n---\n",
     "events/x.md:5: end: start is a whole day, so end must be a date too"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nimage:\n  src: https://example.org/a.png\n---\n",
     "events/x.md:5: image.alt: is required: describe the image for people who cannot see it"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nrsvp: example.org/rsvp\n---\n",
     "events/x.md:5: rsvp: 'example.org/rsvp' is not a full address starting with http: or https: or mailto:"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nstatus: canceled\n---\n",
     "events/x.md:5: status: unknown status 'canceled': did you mean 'cancelled'?"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nstatus: rescheduled\n---\n",
     "events/x.md:5: status: a rescheduled event needs rescheduled_from: the old start"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\ndraft: maybe\n---\n",
     "events/x.md:5: draft: 'maybe' must be true or false"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\ntimezone: America/Bostn\n---\n",
     "events/x.md:5: timezone: unknown time zone 'America/Bostn' (use an IANA name such as America/New_York)"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nspeakers:\n  - bio: Someone\n---\n",
     "events/x.md:6: speakers[0].name: is required"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nlocation:\n  nmae: Hall\n---\n",
     "events/x.md:6: location.nmae: unknown field 'nmae': did you mean 'name'?"),
    ("---\ntitle: [unclosed\nkind: rally\n---\n",
     "events/x.md:2: title: a value starting with '[' is read as a list, and this one is never closed with ']': "
     "put the whole title in double quotes"),
    ("---\ntitle: T\ntitle: U\n---\n",
     "events/x.md:3: YAML: field 'title' is given twice"),
    ("---\n- a list\n---\n",
     "events/x.md:2: front matter must be fields such as 'title: ...', one per line"),
    ("title: T\nkind: rally\n",
     "events/x.md:1: no front matter: the file must start with a line of ---"),
    ("---\ntitle: T\nkind: rally\n",
     "events/x.md:1: front matter is not closed: add a line of --- after the last field"),
    ("", "events/x.md:1: file is empty (it needs front matter between --- lines)"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\n---\n\nSee [the site](/about).\n",
     "events/x.md:7: body: link '/about' is not a full address: write it with https://"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\n---\n[x](javascript:alert(1))\n",
     "events/x.md:6: body: link 'javascript:alert(1)' is not allowed in an email: use an https:// address"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\n---\n\n![](https://example.org/a.png)\n",
     "events/x.md:7: body: image 'https://example.org/a.png' needs alt text: ![what it shows](https://example.org/a.png)"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\n---\n\n![Poster](http://example.org/a.png)\n",
     "events/x.md:7: body: image 'http://example.org/a.png' is not secure: email clients block http:// images; "
     "use the https:// address"),
    ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\n---\n\n![Poster](poster.png)\n",
     "events/x.md:7: body: image 'poster.png' must be a full https:// address"),
])
def test_bad_input_names_file_line_and_field(settings, text, expected):
    assert expected in messages(settings, text)


def test_every_problem_in_a_file_is_reported_at_once(settings):
    found = messages(settings, "---\ntitel: T\nkind: raly\nstart: 2018-13-01\n---\n")
    assert found == [
        "events/x.md:2: titel: unknown field 'titel': did you mean 'title'?",
        "events/x.md: title: is required",
        "events/x.md:3: kind: unknown kind 'raly': did you mean 'rally'?",
        "events/x.md:4: start: 2018-13-01 is not a real date",
    ]


def test_non_utf8_file(settings):
    event, problems = read_event("---\ntitle: Caf\xe9\n---\n".encode("latin-1"), "events/x.md", "x", settings)
    assert event is None
    assert [str(p) for p in problems] == ["events/x.md:2: file is not UTF-8 text (save it as UTF-8)"]


def test_folder_with_subfolders_and_ignored_files(project):
    project.event("2018/jan/rally.md", "---\ntitle: A\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    project.event("_template.md", "not an event")
    project.event("notes.txt", "not markdown")
    project.event("bad.md", "---\ntitle: B\n---\n")
    from newsletter.sources.config import load_settings

    events, problems = load_events(project.events, load_settings(project.config))
    assert [e.id for e in events] == ["2018/jan/rally"]
    assert [str(p) for p in problems] == [
        "events/bad.md: kind: is required",
        "events/bad.md: start: is required",
    ]


def test_missing_events_folder(project, settings):
    events, problems = load_events(project.root / "nowhere", settings)
    assert events == [] and [str(p) for p in problems] == ["nowhere: events folder not found"]


def test_a_local_time_skipped_by_daylight_saving_is_refused(settings):
    found = messages(settings, "---\ntitle: T\nkind: rally\nstart: 2018-03-11 02:30\n---\n")
    assert found == ["events/x.md:4: start: 2018-03-11 02:30 does not exist in America/New_York: the clocks go forward "
                     "then, so write 01:30 or 03:30"]


def test_unreadable_event_file_is_a_problem_not_a_crash(project, settings, monkeypatch):
    locked = project.events / "locked.md"
    locked.write_text("---\ntitle: T\n---\n")
    import os

    real_open = os.open  # the tests run as root, whom a file's mode does not stop
    monkeypatch.setattr(os, "open", lambda path, *a, **k: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if str(path).endswith("locked.md") else real_open(path, *a, **k))
    events, problems = load_events(project.events, settings)
    assert [str(p) for p in problems] == ["events/locked.md: cannot read the file: Permission denied"]


def test_a_folder_named_like_an_event_file_is_a_folder(project, settings):
    (project.events / "2018.md").mkdir()
    (project.events / "2018.md" / "inside.md").write_text("---\ntitle: Inside\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    events, problems = load_events(project.events, settings)
    assert problems == [] and "2018.md/inside" in [e.id for e in events]


# YAML mistakes, in words a volunteer can act on ------------------------------------------

@pytest.mark.parametrize("front, expected", [
    ("title: Panel: Syria today\nkind: panel\n",
     "events/x.md:2: title: the value contains ': ', which YAML reads as a new field: put the whole title in double "
     "quotes, as title: \"Panel: Syria today\""),
    ("title: #MeToo: The Fight Against Sexism\nkind: meeting\n",
     "events/x.md:2: title: the value starts with #, which YAML reads as a comment, so title is empty: put the whole "
     "title in double quotes, as title: \"#MeToo: The Fight Against Sexism\""),
    ("title: Tenants are #1\nkind: meeting\n",
     "events/x.md:2: title: the value contains ' #', which YAML reads as the start of a comment, so the rest of the "
     "line is lost: put the whole title in double quotes"),
    ("title: Rally\nkind: rally\nlocation:\n\tname: City Hall\n",
     "events/x.md:5: a tab is used to indent this line: use spaces instead (two for each level)"),
    ('title: "Rally for Siham\nkind: rally\n',
     "events/x.md:2: title: a quote opens the value but never closes it: end the value with the same quote on the "
     "same line"),
    ("title: Rally\nkind: rally\nhosts: ISO Boston\n  - Justice4Siham Coalition\n",
     "events/x.md:5: hosts: a list item ('- …') follows a value on the same field: either write one value, or put "
     "nothing after 'hosts:' and each item on its own '- ' line"),
    ("title: Rally\n- ISO Boston\nkind: rally\n",
     "events/x.md:3: a list item ('- …') is not under a field, or does not line up with the items above it: put each "
     "'- ' under its field name, indented by the same spaces"),
    ('title: "Rally" for Siham\nkind: rally\n',
     "events/x.md:2: title: there is text after the closing quote: put the whole title inside the quotes"),
    ('title: "Rally for Siham" #Justice4Siham\nkind: rally\n',
     "events/x.md:2: title: '#Justice4Siham' after the closing quote is read as a comment and lost: move it inside "
     "the quotes, as title: \"Rally for Siham #Justice4Siham\""),
    ("title: 'Rally for Siham' #Justice4Siham\nkind: rally\n",
     "events/x.md:2: title: '#Justice4Siham' after the closing quote is read as a comment and lost: move it inside "
     "the quotes, as title: 'Rally for Siham #Justice4Siham'"),
])
def test_yaml_mistakes_are_explained_with_the_fix(settings, front, expected):
    assert messages(settings, f"---\n{front}start: 2018-01-27 12:00\n---\n") == [expected]


def test_a_comment_after_a_quoted_value_stays_a_comment(settings):
    event, problems = parse(settings, '---\ntitle: "Rally for Siham" # a note to ourselves\nkind: rally\n'
                                      'start: 2018-01-27 12:00\n---\n')
    assert problems == [] and event.title == "Rally for Siham"


def test_a_comment_after_a_value_is_still_a_comment(settings):
    text = "---\ntitle: Rally\nkind: rally   # or meeting\nstart: 2018-01-27 12:00\n---\n"
    event, problems = read_event(text.encode(), "events/x.md", "x", settings)
    assert problems == [] and event.kind == "rally"


# Dates and times as people type them -----------------------------------------------------

@pytest.mark.parametrize("start, end, expected", [
    ("2018-01-27 7:00", None, ("2018-01-27T07:00:00-05:00", None)),
    ("2018-01-27 7pm", "9:30 pm", ("2018-01-27T19:00:00-05:00", "2018-01-27T21:30:00-05:00")),
    ("2018-01-27 7:30 pm", "9pm", ("2018-01-27T19:30:00-05:00", "2018-01-27T21:00:00-05:00")),
    ("2018-01-27 12pm", "2:00 pm", ("2018-01-27T12:00:00-05:00", "2018-01-27T14:00:00-05:00")),
    ("2018-01-27 noon", "14:00", ("2018-01-27T12:00:00-05:00", "2018-01-27T14:00:00-05:00")),
    ("2018-01-27 10:00 am", "1:00 pm", ("2018-01-27T10:00:00-05:00", "2018-01-27T13:00:00-05:00")),
    ("2018-01-27T12:00-08:00", None, ("2018-01-27T12:00:00-08:00", None)),
])
def test_times_people_type_are_read(settings, start, end, expected):
    text = f"---\ntitle: T\nkind: rally\nstart: {start}\n" + (f"end: {end}\n" if end else "") + "---\n"
    event, problems = parse(settings, text)
    assert problems == []
    assert (event.start.isoformat(), event.end.isoformat() if event.end else None) == expected


@pytest.mark.parametrize("start, expected", [
    ("27/01/2018", "'27/01/2018' is not a date newsletter reads: write 2018-01-27 (year-month-day)"),
    ("27/01/2018 7pm", "'27/01/2018 7pm' is not a date newsletter reads: write 2018-01-27 19:00 (year-month-day)"),
    ("Jan 27 2018", "'Jan 27 2018' is not a date newsletter reads: write 2018-01-27 (year-month-day)"),
    ("01/05/2018", "'01/05/2018' could be January 5 or May 1: write the date as year-month-day, 2018-01-05 or 2018-05-01"),
    ("2018-1-27", "'2018-1-27' is not a date newsletter reads: write 2018-01-27 (year-month-day)"),
    ("2018-01-27 7", "'7' is not a time of day (write 19:00 or 7:00 pm)"),
])
def test_other_forms_are_refused_with_the_form_to_write(settings, start, expected):
    assert messages(settings, f"---\ntitle: T\nkind: rally\nstart: {start}\n---\n") == [f"events/x.md:4: start: {expected}"]


def test_a_date_without_a_year_takes_the_start_s_year_in_the_example(settings):
    text = "---\ntitle: T\nkind: rally\nstart: 2018-01-27\nend: Jan 29\n---\n"
    assert messages(settings, text) == [
        "events/x.md:5: end: 'Jan 29' is not a date newsletter reads: write 2018-01-29 (year-month-day)"]


def test_event_files_are_the_md_files_of_the_folder_and_its_folders_in_name_order(tmp_path):
    """Names starting '_' or '.' are left out, folders and files alike, and a link to a folder is not followed."""
    from newsletter.sources.events import event_files

    events = tmp_path / "events"
    for name in ("b.md", "a.md", "2018/01/c.md", "2018/z.md", "_drafts/x.md", ".git/y.md", "_d.md", ".e.md",
                 "notes.txt", "2018/_f.md", "rally.es.md"):
        (events / name).parent.mkdir(parents=True, exist_ok=True)
        (events / name).write_text("---\n---\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "w.md").write_text("---\n---\n")
    (events / "linked").symlink_to(elsewhere, target_is_directory=True)
    found = [path.relative_to(events).as_posix() for path in event_files(events)]
    assert found == ["2018/01/c.md", "2018/z.md", "a.md", "b.md", "rally.es.md"]


def test_a_folder_that_cannot_be_read_is_a_problem_not_a_silent_hole(project, settings, monkeypatch):
    import os

    locked = project.events / "2018"
    locked.mkdir()
    (locked / "rally.md").write_text("---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\n---\n")
    real_scandir = os.scandir  # the tests run as root, whom a folder's mode does not stop
    monkeypatch.setattr(os, "scandir", lambda path=".": (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if str(path).endswith("2018") else real_scandir(path))
    events, problems = load_events(project.events, settings)
    assert [str(p) for p in problems] == ["events/2018: cannot read the folder (Permission denied), so its events "
                                          "would be left out: let newsletter read it, or move them elsewhere"]
