"""Which libraries a command will need beside it (newsletter/aside.py), decided before it loads anything else,
so that the helper process has the most time to import them.

Kept apart from build.py and announce.py, whose imports take tens of
milliseconds: the CLI calls these first.
"""

from __future__ import annotations

from pathlib import Path

from newsletter import aside
from newsletter.sources.compiled import CompiledCache


def for_build(config: Path, cache: bool) -> None:
    """A build with nothing compiled yet (a group's first, or --no-cache) inlines with premailer, in one helper,
    and writes the week's calendar and draws the share images in another."""
    if not cache or CompiledCache.empty_beside(config):
        aside.start(*aside.INLINING)
        aside.start(*aside.CALENDAR, *aside.DRAWING)


def for_announce(config: Path, cache: bool) -> None:
    """An announcement lays out its flyer with fpdf2 again after any edit of its event; with nothing compiled
    yet, it also inlines and draws, which come first."""
    if not cache or CompiledCache.empty_beside(config):
        aside.start(*aside.INLINING)
        aside.start(*aside.CALENDAR, *aside.DRAWING, *aside.FLYER)
    else:
        aside.start(*aside.FLYER)
