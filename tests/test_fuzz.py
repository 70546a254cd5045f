"""Fuzzing the readers of what volunteers type: any input gives an Event, a Settings or the project's own errors.

A bounded number of examples per run (NEWSLETTER_FUZZ_EXAMPLES, 500 by
default) from a fixed seed, so a run is repeatable; raise it to search longer.
"""

from __future__ import annotations

import os
import string

from hypothesis import HealthCheck, given, seed, settings as hypothesis_settings, strategies as st

from newsletter.errors import InvalidInput, NewsletterError
from newsletter.sources.events import read_event

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


def _read(raw: bytes, settings) -> None:
    try:
        read_event(raw, "events/fuzz.md", "fuzz", settings)
    except NewsletterError:
        pass


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

    from newsletter.sources.config import load_settings

    folder = tmp_path_factory.mktemp("toml")
    lines = [f"{key} = {json.dumps(value)}" for key, value in data.items()]
    path = folder / "newsletter.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_settings(path)
    except InvalidInput:
        pass


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
    from newsletter.sources.config import load_settings

    path = tmp_path_factory.mktemp("raw") / "newsletter.toml"
    path.write_bytes(raw)
    try:
        load_settings(path)
    except InvalidInput:
        pass
