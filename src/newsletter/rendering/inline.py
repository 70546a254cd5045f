"""premailer moves email.css into style attributes; loaded only when an email is compiled afresh.

Three things make it cheaper than premailer on its own, with the same output:
premailer imports requests when it loads, only to fetch remote stylesheets,
which the email never asks for (allow_network=False), so it is loaded with a
stand-in that imports requests on first use (requests and what it brings were
a fifth of a cold build); each stylesheet's rules are worked out once per
process, as a busy week's fit and the preview inline the same CSS again and
again; and a rule naming a class that no element of the email has is left
out before premailer looks for the elements it matches (a search of the whole
document for each rule, the biggest part of an inlining).
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
_CLASS_ATTRIBUTE = re.compile(r'\sclass\s*=\s*(")?([^"]*)', re.IGNORECASE)
_SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


class Inliner(Premailer):
    """premailer, working out each stylesheet's rules once per process, and skipping those that match nothing.

    Turning email.css into (specificity, selector, declarations) goes through
    cssutils' serialiser, a third of each inlining. The rules are plain
    strings, copied out for each use. A rule is kept for the email at hand
    unless its selector names a class that no class attribute of the email
    has: such a selector matches no element, so premailer would find none.
    """

    _classes: set[str] | None = None

    def transform(self, html=None, pretty_print=True, **kwargs):
        self._classes = _classes_in(html) if isinstance(html, str) else None
        return super().transform(html, pretty_print, **kwargs)

    def _parse_style_rules(self, css_body, ruleset_index):
        key = (css_body, ruleset_index, self.strip_important, self.disable_validation)
        if key not in _RULES:
            if len(_RULES) > 16:
                _RULES.clear()
            _RULES[key] = super()._parse_style_rules(css_body, ruleset_index)
        rules, leftover = _RULES[key]
        return [rule for rule in rules if _may_match(rule[1], self._classes)], list(leftover)


def _classes_in(html: str) -> set[str] | None:
    """Every class the elements of `html` have; None when an attribute is not written class="…" (not MJML's)."""
    found: set[str] = set()
    for quoted, value in _CLASS_ATTRIBUTE.findall(html):
        if not quoted:
            return None
        found.update(value.split())
    return found


def _may_match(selector: str, classes: set[str] | None) -> bool:
    """False when `selector` needs a class none of `classes` is; a selector with brackets or escapes is kept."""
    if classes is None or any(mark in selector for mark in "([\\"):
        return True
    return all(name in classes for name in _SELECTOR_CLASS.findall(selector))


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
