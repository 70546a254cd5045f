"""The order of a line's runs (newsletter/rendering/direction.py), against python-bidi's Rust implementation of
the Unicode Bidirectional Algorithm (the unicode-bidi crate), which nobody on the project wrote."""

from __future__ import annotations

import pytest

from newsletter.rendering.direction import runs

MIXED = [
    "سوريا (Syria) 2018",
    "وقفة (مع سوريا) today",
    "560 Boylston St, Boston",
    "الخميس، 25 يناير · 6:00 م",
    "Rally (مسيرة) at 5 [pm]",
    "مرحبا [Boston (MA)] غدا",
    "עצרת הזדהות ב-JFK Federal Building, 12:00",
    "RSVP: https://example.org/rsvp/מפגש",
    "plain English, nothing to turn",
]


@pytest.mark.parametrize("text", MIXED)
@pytest.mark.parametrize("rtl", [True, False])
def test_a_lines_runs_are_in_the_order_the_unicode_bidi_algorithm_gives(text, rtl):
    """Each run drawn from the left, a right-to-left one reversed, reads as python-bidi's Rust implementation
    (the unicode-bidi crate, which has rule N0 for brackets) puts the line on screen."""
    from bidi import get_display

    drawn = "".join(run[::-1] if run_rtl else run for run, run_rtl in runs(text, rtl))
    assert drawn == get_display(text, base_dir="R" if rtl else "L")
