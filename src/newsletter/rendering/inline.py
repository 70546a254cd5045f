"""premailer moves email.css into style attributes; loaded only when an email is compiled afresh.

Two things make it cheaper than premailer on its own, with the same output:
premailer imports requests when it loads, only to fetch remote stylesheets,
which the email never asks for (allow_network=False), so it is loaded with a
stand-in that imports requests on first use (requests and what it brings were
a fifth of a cold build); and each stylesheet's rules are worked out once per
process, as a busy week's fit and the preview inline the same CSS again and again.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
import types
import warnings


class _Deferred(types.ModuleType):
    """Imports the module of its name the first time anything is looked up on it."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


if "premailer" not in sys.modules and "requests" not in sys.modules:
    sys.modules["requests"] = _Deferred("requests")  # premailer's own; whoever imports requests later gets the real one
    try:
        import premailer  # noqa: F401
    finally:
        del sys.modules["requests"]

import cssutils  # noqa: E402
from premailer import Premailer  # noqa: E402

# No log, and no property profiles: premailer runs with validation off, yet cssutils compiles the profiles'
# validation patterns on first use, the slowest part of a cold build's first inlining.
cssutils.log.setLevel(logging.CRITICAL)
cssutils.profile.removeProfile(all=True)

_RULES: dict = {}


class Inliner(Premailer):
    """premailer, working out each stylesheet's rules once per process.

    Turning email.css into (specificity, selector, declarations) goes through
    cssutils' serialiser, a third of each inlining. The rules are plain
    strings, copied out for each use.
    """

    def _parse_style_rules(self, css_body, ruleset_index):
        key = (css_body, ruleset_index, self.strip_important, self.disable_validation)
        if key not in _RULES:
            if len(_RULES) > 16:
                _RULES.clear()
            _RULES[key] = super()._parse_style_rules(css_body, ruleset_index)
        rules, leftover = _RULES[key]
        return list(rules), list(leftover)


def inline_css(html: str, css: str, inliner: type[Premailer] = Inliner) -> str:
    """Move `css` into style attributes; MRML's own blocks (resets, media queries) stay as they are."""
    html = re.sub(r"<style(?![^>]*data-premailer)", '<style data-premailer="ignore"', html)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = inliner(
            css_text=css,
            allow_network=False,
            disable_validation=True,
            strip_important=False,
            remove_classes=False,
            disable_link_rewrites=True,
            align_floating_images=False,
            # An <img> keeps the width and height attributes the template gave it; copied from CSS,
            # "height: auto" would become height="auto" and clients could no longer keep its space.
            disable_basic_attributes=["width", "height"],
            cssutils_logging_level=logging.CRITICAL,
        ).transform(html, pretty_print=False)
    # lxml drops a lower-case doctype it did not recognise as its own.
    if not out.lstrip().lower().startswith("<!doctype"):
        out = "<!DOCTYPE html>\n" + out
    return out
