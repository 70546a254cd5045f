"""Which libraries a command will need beside it (newsletter/aside.py), decided before it loads anything else,
so that the helper process has the most time to import them.

It imports nothing but `os` and the helpers' own module: the installed command
calls it from newsletter/launch.py before click is imported, and build() and
announce() call it again first thing, for a command line launch.py did not
recognise and for callers of those functions (a helper already started is
not started twice).
"""

from __future__ import annotations

import os

from newsletter import aside
from newsletter.sources.folders import compiled_empty


def for_build(config: str | os.PathLike[str], cache: bool) -> None:
    """A build with nothing compiled yet (a group's first, or --no-cache) inlines with premailer, in one helper,
    and writes the week's calendar and draws the share images in another."""
    if not cache or compiled_empty(config):
        aside.start(*aside.INLINING)
        aside.start(*aside.CALENDAR, *aside.DRAWING)


def for_announce(config: str | os.PathLike[str], cache: bool) -> None:
    """An announcement lays out its flyer again after any edit of its event; with nothing compiled
    yet, it also inlines and draws, which come first."""
    if not cache or compiled_empty(config):
        aside.start(*aside.INLINING)
        aside.start(*aside.CALENDAR, *aside.DRAWING, *aside.FLYER)
    else:
        aside.start(*aside.FLYER)
