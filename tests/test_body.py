"""An event's Markdown body, as safe HTML and as readable text."""

from __future__ import annotations

from bs4 import BeautifulSoup

from newsletter.sources.body import to_html, to_text


def test_raw_html_in_an_event_is_shown_as_text_not_markup():
    html = to_html('Hello <script>alert("x")</script> <b onclick="x()">bold</b>')
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("b") is None
    assert '<script>alert("x")</script>' in soup.get_text()


def test_javascript_links_never_become_links():
    soup = BeautifulSoup(to_html("[win](javascript:alert(1)) and [ok](https://example.org)"), "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.org"]


def test_headings_sit_below_the_event_title():
    soup = BeautifulSoup(to_html("# Big\n\n## Smaller\n\ntext"), "html.parser")
    assert [h.name for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == ["h4", "h4"]


def test_text_keeps_lists_drops_emphasis_and_shows_link_urls():
    source = (
        "Join **us** at the *hall*; read [the flyer](https://example.org/flyer) first.\n"
        "\n"
        "Bring:\n"
        "\n"
        "- a sign\n"
        "- water, and a friend who has never been to a rally before but wants to come along\n"
        "\n"
        "1. One\n"
        "2. Two\n"
        "\n"
        "Mail <https://example.org/x> or `code` &amp; more.\n"
    )
    assert to_text(source).split("\n") == [
        "Join us at the hall; read the flyer (https://example.org/flyer) first.",
        "",
        "Bring:",
        "",
        "- a sign",
        "- water, and a friend who has never been to a rally before but wants to",
        "  come along",
        "",
        "1. One",
        "2. Two",
        "",
        "Mail https://example.org/x or code & more.",
    ]


def test_text_wraps_at_72_columns_without_breaking_urls():
    url = "https://example.org/" + "a" * 80
    text = to_text("word " * 40 + f"[link]({url})")
    lines = text.split("\n")
    assert all(len(line) <= 72 for line in lines if url not in line)
    assert any(line.endswith(f"({url})") for line in lines)


def test_nested_lists_and_quotes():
    text = to_text("- top\n  - inner\n- next\n\n> quoted words\n")
    assert text.split("\n") == ["- top", "  - inner", "- next", "", "> quoted words"]
