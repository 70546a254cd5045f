"""Fuzzing the readers of what volunteers type: any input gives an Event, a Settings or the project's own errors.

A bounded number of examples per run (NEWSLETTER_FUZZ_EXAMPLES, 500 by
default) from a fixed seed, so a run is repeatable; raise it to search longer.
"""

from __future__ import annotations

import os
import string
import unicodedata

from hypothesis import HealthCheck, given, seed, settings as hypothesis_settings, strategies as st

from newsletter.errors import InvalidInput, NewsletterError
from newsletter.sources.events import read_event
from datetime import UTC

EXAMPLES = int(os.environ.get("NEWSLETTER_FUZZ_EXAMPLES", "500"))
FUZZ = hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                           suppress_health_check=list(HealthCheck))
FIELDS = ["title", "kind", "start", "end", "timezone", "location", "online", "hosts", "speakers", "links", "rsvp",
          "donate", "accessibility", "image", "summary", "status", "rescheduled_from", "status_note", "repeat",
          "changes", "draft", "short_title"]
NASTY = [
    "a: &a [*a, *a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b, *b]\n",  # an alias bomb
    "title: !!python/object/apply:os.system ['true']\n",
    "title: !!binary aGVsbG8=\n", "title: \x00\n", "title: " + "x" * 200_000 + "\n",
    "title: " + "[" * 500 + "]" * 500 + "\n", "? [a, b]\n: c\n", "title: *undefined\n", "%YAML 9.9\n---\n",
    "title: 'unclosed\n", "\tkind: rally\n", "- a\n- b\n", "title: T\ntitle: U\n",
]
scalars = st.one_of(st.text(max_size=40), st.sampled_from(["2018-01-27 12:00", "noon", "7pm", "2018-02-30", "tbd",
                                                           "rally", "https://x.org", "yes", "~", "14:00"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(FIELDS + ["every", "on", "name"]),
                                                                       inner, max_size=4)), max_leaves=12)


def _yaml(value, indent: int = 0) -> str:
    import json

    pad = " " * indent
    if isinstance(value, dict):
        return "".join(f"\n{pad}{key}:{_yaml(item, indent + 2)}" for key, item in value.items()) or " {}"
    if isinstance(value, list):
        return "".join(f"\n{pad}- {_yaml(item, indent + 2).lstrip()}" for item in value) or " []"
    return " " + json.dumps(value, ensure_ascii=False)


def _read(raw: bytes, settings):
    """The event `raw` gives, or None: either an event and no problems, or problems that each name the file on one line."""
    try:
        event, problems = read_event(raw, "events/fuzz.md", "fuzz", settings)
    except NewsletterError as exc:  # the project's own error, as one line
        assert "\n" not in str(exc) and str(exc), str(exc)
        return None
    if event is None:
        assert problems
        for problem in problems:
            text = str(problem)
            assert text.startswith("events/fuzz.md") and "\n" not in text and "\r" not in text, text
        return None
    assert problems == []
    for name in ("title", "summary", "status_note", "short_title", "accessibility"):
        value = getattr(event, name)
        assert value is None or (value.strip() and not all(unicodedata.category(c) in ("Cf", "Zs") for c in value.strip())
                                 and not any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in value)
                                 ), (name, value)
    assert event.title and "\n" not in event.title
    return event


@FUZZ
@seed(2018)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), st.text(max_size=200))
def test_any_front_matter_gives_an_event_or_problems(settings, data, body):
    _read(("---" + _yaml(data) + "\n---\n" + body).encode("utf-8", "surrogatepass"), settings)


@FUZZ
@seed(2018)
@given(st.binary(max_size=400) | st.sampled_from([f"---\n{n}---\n".encode() for n in NASTY]))
def test_any_bytes_give_an_event_or_problems(settings, raw):
    _read(raw if raw.startswith(b"---") else b"---\n" + raw + b"\n---\n", settings)


@FUZZ
@seed(2018)
@given(st.dictionaries(st.sampled_from(["name", "timezone", "language", "languages", "bilingual", "clock",
                                        "from", "to", "week_start", "coming_up_weeks", "archive_url", "unsubscribe",
                                        "provider", "subject", "kinds", "theme", "digest", "smtp"]),
                       st.one_of(st.text(alphabet=string.printable, max_size=20), st.integers(), st.booleans(),
                                 st.lists(st.text(max_size=6), max_size=3)), max_size=8))
def test_any_settings_give_settings_or_problems(tmp_path_factory, data):
    import json

    folder = tmp_path_factory.mktemp("toml")
    lines = [f"{key} = {json.dumps(value)}" for key, value in data.items()]
    path = folder / "newsletter.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _settings_or_problems(path)


def _settings_or_problems(path) -> None:
    """Settings whose one-line values have no line break, or problems that each name the file on one line."""
    from newsletter.sources.config import load_settings

    try:
        loaded = load_settings(path)
    except InvalidInput as exc:
        assert exc.problems
        for problem in exc.problems:
            text = str(problem)
            assert problem.path.endswith(path.name) and "\n" not in text and "\r" not in text, text
        return
    for value in (loaded.name, loaded.sender, loaded.to, loaded.reply_to, loaded.subject):
        assert value is None or not any(c in value for c in "\r\n\x85\u2028\u2029"), value


def test_an_alias_bomb_is_one_plain_error(settings):
    event, problems = read_event(f"---\n{NASTY[0]}---\n".encode(), "events/fuzz.md", "fuzz", settings)
    assert event is None
    assert [str(p) for p in problems] == [
        "events/fuzz.md:2: YAML: '*' repeats a value marked with '&' elsewhere; event files do not use these: "
        "write the value out where it goes"]


def test_nesting_deeper_than_any_event_is_one_plain_error(settings):
    raw = ("---\ntitle: T\nkind: rally\nstart: 2018-01-27 12:00\nlocation: " + "[" * 40 + "]" * 40 + "\n---\n").encode()
    event, problems = read_event(raw, "events/fuzz.md", "fuzz", settings)
    assert event is None and len(problems) == 1
    assert str(problems[0]).startswith("events/fuzz.md:5: the fields are nested deeper than an event file ever needs")


@FUZZ
@seed(2018)
@given(st.binary(max_size=300) | st.sampled_from([b"name = \"\x00\"\n", b"\xff\xfename = 1\n", b"name = '" + b"x" * 100_000,
                                                  b"[[kinds]]\n" * 50, b"a = [" * 300 + b"]" * 300]))
def test_any_bytes_as_settings_give_settings_or_problems(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("raw") / "newsletter.toml"
    path.write_bytes(raw)
    _settings_or_problems(path)


RENDERED = hypothesis_settings(max_examples=max(EXAMPLES // 5, 20), deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(HealthCheck))
titles = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


@RENDERED
@seed(2018)
@given(titles, st.text(max_size=300))
def test_an_event_that_reads_renders_whole_in_the_email_and_the_calendar(settings, title, body):
    """Whatever a title and a description hold, an event that reads is in the HTML and the text as written, its
    calendar parses with a second reader, and the HTML carries no script or event handler from it."""
    import json
    from datetime import date, datetime

    from bs4 import BeautifulSoup
    from icalendar import Calendar

    from newsletter.outputs.calendars import to_ics
    from newsletter.rendering.render import render_announcement

    raw = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nkind: rally\nstart: 2018-01-27 12:00\n---\n{body}\n"
    event = _read(raw.encode("utf-8"), settings)
    if event is None:
        return
    _, email = render_announcement(event, settings, date(2018, 1, 20))
    soup = BeautifulSoup(email.html, "html.parser")
    shown = " ".join(soup.find("h1").get_text().split())
    assert shown == " ".join(event.title.split())
    assert soup.find("script") is None
    assert not [name for tag in soup.find_all(True) for name in tag.attrs if name.lower().startswith("on")]
    assert " ".join(event.title.split()) in " ".join(email.text.split())
    calendar = Calendar.from_ical(to_ics([event], settings, datetime(2018, 1, 20, tzinfo=UTC)))
    [entry] = calendar.walk("VEVENT")
    assert str(entry["SUMMARY"]) == event.title


MARKDOWN_TAGS = {"p", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li", "hr", "br", "img",
                 "h1", "h2", "h3", "h4", "h5", "h6"}  # what CommonMark writes, raw HTML being off
MARKDOWN_ATTRIBUTES = {"href", "src", "alt", "title", "start"}
KINDS = ["rally", "meeting", "panel", "study-group", "fund-drive"]
readable = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"), max_size=200)
printable_titles = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)
week = st.lists(st.tuples(printable_titles, st.sampled_from(KINDS), st.integers(22, 28), st.integers(0, 23), readable),
                min_size=1, max_size=4)
WEEKS = hypothesis_settings(max_examples=max(EXAMPLES // 20, 12), deadline=None, derandomize=True, database=None,
                            suppress_health_check=list(HealthCheck))


def _shape(html: str) -> tuple[set[str], set[str]]:
    from bs4 import BeautifulSoup

    tags = BeautifulSoup(html, "html.parser").find_all(True)
    return {tag.name for tag in tags}, {name.lower() for tag in tags for name in tag.attrs}


def test_any_week_of_events_builds_whole_or_gives_problems(tmp_path_factory):
    """A generated week is built as `build` builds it: every file is whole and carries every title, its calendar
    reads the same with icalendar and ical.js, and its HTML holds only what the template and Markdown make; or
    the build stops with problems that each name their event file on one line, and writes nothing."""
    import json
    from email import message_from_bytes, policy

    from icalendar import Calendar

    from newsletter.outputs.build import build
    from test_announce import read_with_ical_js

    root = tmp_path_factory.mktemp("weeks")
    (root / "newsletter.toml").write_text('name = "Tenants Weekly"\ntimezone = "America/New_York"\n', encoding="utf-8")
    (root / "events").mkdir()
    (root / "events" / "plain.md").write_text("---\ntitle: Plain\nkind: meeting\nstart: 2018-01-24 18:00\n---\nWords.\n")
    baseline = build(root / "newsletter.toml", root / "events", week="2018-W04", out=root / "baseline", cache=False)
    allowed_tags, allowed_attributes = _shape(baseline.outputs["digest.html"].decode())
    allowed_tags |= MARKDOWN_TAGS
    allowed_attributes |= MARKDOWN_ATTRIBUTES
    calendars: list[tuple[object, list[str]]] = []
    refused: list[InvalidInput] = []

    @WEEKS
    @seed(2018)
    @given(week)
    def builds(events):
        folder = tmp_path_factory.mktemp("week")
        (folder / "events").mkdir()
        for number, (title, kind, day, hour, body) in enumerate(events):
            (folder / "events" / f"event-{number}.md").write_text(
                f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nkind: {kind}\nstart: 2018-01-{day} {hour:02d}:00\n---\n{body}\n",
                encoding="utf-8")
        out = folder / "out"
        try:
            build(root / "newsletter.toml", folder / "events", week="2018-W04", out=out, cache=False)
        except InvalidInput as exc:
            for problem in exc.problems:
                assert "/events/event-" in str(problem) and "\n" not in str(problem), str(problem)
            assert not out.exists()
            refused.append(exc)
            return
        files = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
        assert sorted(files) == ["digest.eml", "digest.html", "digest.json", "digest.txt", "events.ics"]
        shared = {path.name: path.read_bytes() for path in (out / "share").iterdir()}
        assert {"whatsapp.txt", "signal.txt", "card.png", "square.png", "card.txt"} <= set(shared)
        message_text = " ".join(shared["signal.txt"].decode("utf-8").split())
        tags, attributes = _shape(files["digest.html"].decode("utf-8"))
        assert tags <= allowed_tags, tags - allowed_tags
        assert attributes <= allowed_attributes, attributes - allowed_attributes
        html_text = " ".join(BeautifulSoup(files["digest.html"].decode("utf-8"), "html.parser").get_text(" ").split())
        text = " ".join(files["digest.txt"].decode("utf-8").split())
        message = message_from_bytes(files["digest.eml"], policy=policy.default)
        assert " ".join(message.get_body(("plain",)).get_content().split()) == text
        assert json.loads(files["digest.json"])["subject"] == str(message["Subject"])
        summaries = sorted(str(e["SUMMARY"]) for e in Calendar.from_ical(files["events.ics"]).walk("VEVENT"))
        assert sorted(" ".join(s.split()) for s in summaries) == sorted(" ".join(e[0].split()) for e in events)
        for summary in summaries:
            shown = " ".join(summary.split())
            assert shown in html_text and shown in text and shown in message_text, shown
        calendars.append((out / "events.ics", summaries))

    from bs4 import BeautifulSoup

    builds()
    assert len(calendars) > len(refused), "most generated weeks should build: the strategy makes mostly problems"
    by_ical_js = read_with_ical_js(*(path for path, _ in calendars))
    assert sorted(e["summary"] for e in by_ical_js) == sorted(s for _, summaries in calendars for s in summaries)
