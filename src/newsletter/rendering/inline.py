"""premailer moves email.css into style attributes; loaded only when an email is compiled afresh.

Four things make it cheaper than premailer on its own, with the same output:
premailer imports requests when it loads, only to fetch remote stylesheets,
which the email never asks for (allow_network=False), so it is loaded with a
stand-in that imports requests on first use (requests and what it brings were
a fifth of a cold build); each stylesheet's rules are worked out once per
process, as a busy week's fit and the preview inline the same CSS again and
again; a rule naming a class that no element of the email has is left
out before premailer looks for the elements it matches (a search of the whole
document for each rule, the biggest part of an inlining); and while
`remembering`, the rules and declarations premailer parsed, and the XPath
cssselect made of each selector, in earlier runs are taken from the project's
cache, so that cssutils (premailer's CSS parser and the slowest part of its
import) and cssselect are imported only for CSS not seen before (both get a
stand-in until then).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
import types
import warnings
from typing import Any, Callable

from newsletter.rendering.kept import Kept


class _Deferred(types.ModuleType):
    """Imports the module of its name the first time anything is looked up on it, and hands it to `ready` once."""

    def __init__(self, name: str, ready: Callable[[types.ModuleType], None] | None = None):
        super().__init__(name)
        self._ready = ready

    def __getattr__(self, name: str):
        module = importlib.import_module(self.__name__)
        if self._ready is not None:
            ready, self._ready = self._ready, None
            ready(module)
        return getattr(module, name)


def _quiet(cssutils: types.ModuleType) -> None:
    import logging  # cssutils' own log, loaded with it

    # No log, and no property profiles: premailer runs with validation off, yet cssutils compiles the profiles'
    # validation patterns on first use, the slowest part of a cold build's first inlining.
    cssutils.log.setLevel(logging.CRITICAL)
    cssutils.profile.removeProfile(all=True)


# Parsed in earlier runs too, while `remembering`: a stylesheet's rules under "rules " and a hash of what they
# were parsed from, a declaration's pairs under "pairs 0 " or "pairs 1 " (validated or not) and its text, and
# a selector's XPath under "xpath " and the selector.
_kept = Kept()
remembering = _kept.remembering


def _recall(key: str, convert: Callable[[Any], Any]) -> Any:
    """What earlier runs kept under `key`, in premailer's own types; None if nothing, or not in the shape expected."""
    found = _kept.get(key)
    if found is None:
        return None
    try:
        return convert(found)
    except (TypeError, ValueError):
        return None


def _selector(css: str):
    """lxml's CSSSelector, for premailer (which asks once per selector and process): the XPath cssselect makes
    of `css`, kept between runs while `remembering`, so that cssselect is imported only for a selector not seen
    before."""
    from lxml import etree

    path = _recall("xpath " + css, str)
    if path is None or "__lxml_internal_css" in path:  # lxml's own XPath functions, registered on its import
        from lxml.cssselect import CSSSelector

        path = CSSSelector(css).path
    _kept.put("xpath " + css, path)
    return etree.XPath(path)


if "premailer" not in sys.modules:
    # premailer's own references; whoever imports requests, cssutils or lxml.cssselect later gets the real module
    stand_ins = {name: _Deferred(name, _quiet if name == "cssutils" else None)
                 for name in ("requests", "cssutils") if name not in sys.modules}
    if "lxml.cssselect" not in sys.modules:
        stand_ins["lxml.cssselect"] = types.ModuleType("lxml.cssselect")
        stand_ins["lxml.cssselect"].CSSSelector = _selector
    sys.modules.update(stand_ins)
    try:
        import premailer  # noqa: F401
    finally:
        for name in stand_ins:
            del sys.modules[name]

import premailer.merge_style  # noqa: E402
import premailer.premailer  # noqa: E402
from premailer import Premailer  # noqa: E402

if not isinstance(premailer.premailer.cssutils, _Deferred):  # imported before premailer was
    _quiet(premailer.premailer.cssutils)

premailer.premailer.CSSSelector = _selector  # also when lxml.cssselect was imported before premailer was

_RULES: dict = {}
_CLASS_ATTRIBUTE = re.compile(r'\sclass\s*=\s*(")?([^"]*)', re.IGNORECASE)
_SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")

_parse_declarations = premailer.merge_style.csstext_to_pairs


def _declarations(csstext, validate=True):
    """premailer's csstext_to_pairs (a declaration block as (property, value) pairs), from `kept` if it is there."""
    key = f"pairs {int(bool(validate))} {csstext}"
    pairs = _recall(key, lambda found: [(str(name), str(value)) for name, value in found])
    if pairs is None:
        pairs = _parse_declarations(csstext, validate=validate)
        _kept.put(key, pairs)
    return pairs


# premailer calls it by these two names, from transform and from merge_styles; the original takes its lock by
# the second name
_declarations._lock = _parse_declarations._lock  # type: ignore[attr-defined]
premailer.premailer.csstext_to_pairs = premailer.merge_style.csstext_to_pairs = _declarations


def _rules_from(found: Any) -> tuple[list, list]:
    rules, leftover = found
    return ([((*map(int, specificity),), str(selector), str(bulk)) for specificity, selector, bulk in rules],
            [(str(selector), str(bulk)) for selector, bulk in leftover])


class Inliner(Premailer):
    """premailer, working out each stylesheet's rules once, and skipping those that match nothing.

    Turning email.css into (specificity, selector, declarations) goes through
    cssutils' serialiser, a third of each inlining. The rules are plain
    strings, copied out for each use, and kept between runs while
    `remembering`, unless the sheet has @media rules (which premailer keeps as
    cssutils objects). A rule is kept for the email at hand unless its
    selector names a class that no class attribute of the email has: such a
    selector matches no element, so premailer would find none.
    """

    _classes: set[str] | None = None

    def transform(self, html=None, pretty_print=True, **kwargs):
        self._classes = _classes_in(html) if isinstance(html, str) else None
        return super().transform(html, pretty_print, **kwargs)

    def _parse_style_rules(self, css_body, ruleset_index):
        key = (css_body, ruleset_index, self.strip_important, self.disable_validation)
        name = "rules " + hashlib.sha256(json.dumps(key).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        found = _RULES.get(key) or _recall(name, _rules_from)
        if found is None:
            found = super()._parse_style_rules(css_body, ruleset_index)
        if key not in _RULES:
            if len(_RULES) > 16:
                _RULES.clear()
            _RULES[key] = found
        if all(isinstance(item, tuple) for item in found[1]):
            _kept.put(name, found)
        rules, leftover = found
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
        ).transform(html, pretty_print=False)
    # lxml drops a lower-case doctype it did not recognise as its own.
    if not out.lstrip().lower().startswith("<!doctype"):
        out = "<!DOCTYPE html>\n" + out
    return out
