"""Inlining through the email's shape gives exactly what premailer gives, run on the whole email in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings as hypothesis_settings, strategies as st

from newsletter.rendering import inline

EXAMPLES = int(os.environ.get("NEWSLETTER_FUZZ_EXAMPLES", "500"))
REFERENCE = """
import json, sys
from premailer import Premailer
options = json.loads(sys.argv[1])
options["disable_basic_attributes"] = list(options["disable_basic_attributes"])
import logging
print(json.dumps([Premailer(css_text=css, cssutils_logging_level=logging.CRITICAL, **options)
                  .transform(html, pretty_print=False) for html, css in json.load(sys.stdin)]))
"""


def by_premailer_alone(pairs: list[tuple[str, str]]) -> list[str]:
    """premailer's own output for each (html, css), in a process of its own that never imports newsletter."""
    done = subprocess.run([sys.executable, "-c", REFERENCE, json.dumps(inline._OPTIONS)], input=json.dumps(pairs),
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent / "tests")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Memory:
    """A cache of inlined shapes in memory, counting what it is asked."""

    def __init__(self):
        self.entries: dict[bytes, str] = {}
        self.hits = 0

    def get(self, inputs: bytes) -> str | None:
        found = self.entries.get(inputs)
        self.hits += found is not None
        return found

    def put(self, inputs: bytes, html: str) -> None:
        self.entries[inputs] = html


def marked(html: str) -> str:
    """The email as inline_css hands it to premailer: MRML's own style blocks left alone."""
    import re

    return re.sub(r"<style(?![^>]*data-premailer)", '<style data-premailer="ignore"', html)


def emails_of_the_sample(sample) -> list[tuple[str, str]]:
    """(MRML's HTML, email.css) of the digest, an announcement, a change notice and a busy week's fitting."""
    from busy_week import write_busy_week
    from newsletter.outputs.announce import announce
    from newsletter.outputs.build import build
    from newsletter.rendering import render

    seen = []
    real = render.inline_css

    def spy(html, css, compiled=None, tools=""):
        seen.append((html, css))
        return real(html, css, compiled, tools)

    render.inline_css = spy
    try:
        build(sample / "newsletter.toml", sample / "events", week="2018-W04", cache=False)
        for ref, today in (("2018-01-27-justice-for-siham-and-naseem-rally", date(2018, 1, 20)),
                           ("2018-01-11-united-front-study-group", date(2018, 1, 8))):
            announce(sample / "newsletter.toml", sample / "events", ref, today=today, out=sample / "out", cache=False)
        write_busy_week(sample / "events", 12)
        build(sample / "newsletter.toml", sample / "events", week="2018-W04", cache=False)
    finally:
        render.inline_css = real
    return seen


def test_every_email_of_the_sample_inlines_as_premailer_alone_does(sample):
    pairs = emails_of_the_sample(sample)
    assert len(pairs) >= 5
    expected = by_premailer_alone([(marked(html), css) for html, css in pairs])
    kept = Memory()
    for (html, css), theirs in zip(pairs, expected, strict=True):
        cold = inline.inline_css(html, css, kept, "tools")
        warm = inline.inline_css(html, css, kept, "tools")
        assert cold == warm == inline.inline_css(html, css)  # by shape, from the cache, and premailer in-process
        assert cold.removeprefix("<!DOCTYPE html>\n") == theirs.removeprefix("<!DOCTYPE html>\n")
    assert kept.hits >= len(pairs)


# Words and addresses of every kind, put where an event's text and links go.
words = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=40)
addresses = st.one_of(st.just("https://example.org/a b?c=1&d=é#x"), st.text(max_size=30).map(lambda t: "https://x.org/" + t))
FUZZ = hypothesis_settings(max_examples=max(EXAMPLES // 5, 40), deadline=None, derandomize=True, database=None,
                           suppress_health_check=list(HealthCheck))


def test_any_words_and_links_inline_as_premailer_alone_does(sample):
    """The sample digest with its rally's words and links swapped for generated ones (escaped as the templates
    escape them, with entities and raw characters of every kind): every one inlines, from the kept shape, exactly
    as premailer alone inlines the whole email."""
    from markupsafe import escape

    html, css = emails_of_the_sample(sample)[0]
    title = "#Justice4Siham &amp; #Justice4Naseem Rally"
    assert title in html
    link = 'href="https://example.org/donate/cersc'
    assert link in html
    kept = Memory()
    inline.inline_css(html, css, kept, "tools")  # premailer's output for the shape, kept
    cases: list[tuple[str, str]] = []

    @FUZZ
    @seed(2018)
    @given(words, words, addresses)
    def variants(new_title, extra, address):
        text = str(escape(new_title)) or "x"
        variant = html.replace(title, text).replace(link, f'href="{escape(address)}" data-was="')
        variant = variant.replace("</h1>", f"{escape(extra)}&#39;&nbsp;&#x200B;</h1>", 1)
        cases.append((variant, inline.inline_css(variant, css, kept, "tools")))

    variants()
    expected = by_premailer_alone([(marked(variant), css) for variant, _ in cases])
    for (variant, ours), theirs in zip(cases, expected, strict=True):
        assert ours.removeprefix("<!DOCTYPE html>\n") == theirs.removeprefix("<!DOCTYPE html>\n"), variant[:200]
    assert kept.hits >= len(cases) // 2  # most kept the shape: words and links are not part of it


def test_a_selector_that_reads_what_the_shape_leaves_out_goes_through_premailer_whole():
    html = ('<html><head></head><body><a href="https://x.org/a.pdf" class="k">get it</a>'
            '<img src="https://x.org/i.png" alt="a poster"></body></html>')
    for css in ('a[href$=".pdf"] { color: red; }', 'img[alt] { border: 0; }', "p:contains('x') { color: red; }"):
        kept = Memory()
        assert inline.inline_css(html, css, kept, "tools") == inline.inline_css(html, css)
        assert kept.entries == {}  # nothing kept: the shape was not used
