"""premailer moves email.css into style attributes: plain premailer, its output kept for the email's shape.

Which CSS rule reaches which element depends on the elements, their
classes, ids and styles, never on the words between them or on where a
link points. So the email is inlined as its *shape*: every run of text and
every link, image address, alt text, title and aria-label is swapped for a
token, premailer inlines that (or the project's cache gives back what it
made of the same shape and CSS before), and the tokens are swapped back
for the email's own text as lxml, premailer's serialiser, writes it. An
edit that changes words, dates or links (most of them) is inlined without
loading premailer at all.

Whenever the swap cannot be sure (a selector that reads text or one of
those attributes, a token premailer did not give back exactly once), the
email goes through premailer whole. Tests compare the result with premailer
run on the whole email in a process of its own.
"""

from __future__ import annotations

import re
import secrets
from typing import Protocol

# Attributes that carry an event's words or addresses, which no rule of email.css selects on.
HOLLOWED = ("href", "src", "alt", "title", "aria-label")
_TEXT = re.compile(r">([^<]+)<")
_KEPT_WHOLE = re.compile(r"<(style|script)\b.*?</\1\s*>|<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"(\s)([^\s=>/]+)(\s*=\s*)\"([^\"]*)\"")
_OPTIONS = dict(
    allow_network=False,
    disable_validation=True,
    strip_important=False,
    remove_classes=False,
    disable_link_rewrites=True,
    align_floating_images=False,
    # An <img> keeps the width and height attributes the template gave it; copied from CSS,
    # "height: auto" would become height="auto" and clients could no longer keep its space.
    disable_basic_attributes=["width", "height"],
)


class Kept(Protocol):
    """Where inlined shapes are kept between runs (the project's compiled cache)."""

    def get(self, inputs: bytes) -> str | None: ...

    def put(self, inputs: bytes, html: str) -> None: ...


def inline_css(html: str, css: str, kept: Kept | None = None, inputs: str = "") -> str:
    """Move `css` into style attributes; MRML's own blocks (resets, media queries) stay as they are.

    With `kept`, premailer's output for this email's shape is looked up
    there (under `inputs`, which names the tools' versions) and kept.
    """
    html = re.sub(r"<style(?![^>]*data-premailer)", '<style data-premailer="ignore"', html)
    out = _by_shape(html, css, kept, inputs) if kept is not None else None
    if out is None:
        out = premailer_inline(html, css)
    # lxml drops a lower-case doctype it did not recognise as its own.
    if not out.lstrip().lower().startswith("<!doctype"):
        out = "<!DOCTYPE html>\n" + out
    return out


def premailer_inline(html: str, css: str) -> str:
    """premailer, as it comes, with the options the email needs: in the command's helper process when one has
    it loaded already (newsletter/aside.py)."""
    from newsletter.aside import call

    return call(_premailer, html, css)


def warm(css: str) -> None:
    """Inline a tiny page with `css`, so that premailer's first real inlining is not its first: cssutils builds
    its patterns then, and premailer keeps what it parsed of `css` (its documented cache_css_parsing, on by
    default) for the next Premailer given the same CSS. Done in the helper process while the command renders."""
    _premailer('<html><head></head><body><p class="x">x</p></body></html>', css)


def _premailer(html: str, css: str) -> str:
    import logging

    from premailer import Premailer

    # cssutils reports every property it does not know (mso-*, word-break): premailer's own option quiets it.
    return Premailer(css_text=css, cssutils_logging_level=logging.CRITICAL, **_OPTIONS).transform(html,
                                                                                                  pretty_print=False)


def _by_shape(html: str, css: str, kept: Kept, inputs: str) -> str | None:
    """The email inlined through its shape, or None when that cannot be sure to equal premailer's own output."""
    if ":contains" in css or any(f"[{name}" in css for name in HOLLOWED):
        return None
    hollow = _hollow(html)
    if hollow is None:
        return None
    shape, pieces, nonce = hollow
    key = "\0".join(("shape", inputs, css, shape)).encode("utf-8", "surrogateescape")
    inlined = kept.get(key)
    if inlined is None or "\ue000" not in inlined:
        inlined = premailer_inline(shape.replace("\ue000", nonce), css)
        kept.put(key, inlined.replace(nonce, "\ue000"))
    else:
        inlined = inlined.replace("\ue000", nonce)
    return _fill(inlined, pieces, nonce)


def _hollow(html: str) -> tuple[str, list[tuple[str, str, str]], str] | None:
    """(the shape, the pieces taken out, the token prefix): each piece is (tag, attribute or "", raw text).

    The shape carries the token prefix as U+E000, so that the shape of the
    same email is the same text in every run; a real prefix, absent from
    the email, replaces it for premailer.
    """
    if "\ue000" in html:
        return None
    nonce = "tk" + secrets.token_hex(4) + "x"
    while nonce in html:
        nonce = "tk" + secrets.token_hex(4) + "x"
    pieces: list[tuple[str, str, str]] = []

    def token(tag: str, attribute: str, raw: str) -> str:
        pieces.append((tag, attribute, raw))
        return f"\ue000{len(pieces) - 1}z"

    def attributes(found: re.Match) -> str:
        tag = found[1].lower()

        def one(attribute: re.Match) -> str:
            if attribute[2].lower() not in HOLLOWED:
                return attribute[0]
            return f"{attribute[1]}{attribute[2]}{attribute[3]}\"{token(tag, attribute[2].lower(), attribute[4])}\""

        return f"<{found[1]}{_ATTRIBUTE.sub(one, found[2])}" + found[0][len(found[1]) + len(found[2]) + 1:]

    def texts(part: str) -> str:
        part = _TAG.sub(attributes, part)
        return _TEXT.sub(lambda found: f">{token('p', '', found[1])}<" if found[1].strip() else found[0], part)

    shape, at = [], 0
    for whole in _KEPT_WHOLE.finditer(html):
        shape += [texts(html[at:whole.start()]), whole[0]]
        at = whole.end()
    shape.append(texts(html[at:]))
    return "".join(shape), pieces, nonce


def _fill(inlined: str, pieces: list[tuple[str, str, str]], nonce: str) -> str | None:
    """`inlined` with each token replaced by its piece as lxml writes it; None unless each is there exactly once."""
    written = _as_lxml_writes(pieces)
    # An attribute's token is replaced with its quotes: lxml quotes a value holding " with '.
    tokens = re.compile('(")?' + re.escape(nonce) + r'(\d+)z(")?')
    found = [(int(number), bool(before and after)) for before, number, after in tokens.findall(inlined)]
    if len(written) != len(pieces) or sorted(number for number, _ in found) != list(range(len(pieces))) \
            or any(quoted != bool(pieces[number][1]) for number, quoted in found):
        return None
    return tokens.sub(lambda match: written[int(match[2])], inlined)


def _as_lxml_writes(pieces: list[tuple[str, str, str]]) -> list[str]:
    """Each piece parsed and written again by lxml's HTML parser and serialiser, as premailer writes its output.

    How libxml2 decodes text or an attribute does not depend on the element;
    how it writes an attribute depends on the attribute's name alone (href
    and src are written URI-escaped), so each piece is parsed in a <span>.
    """
    from lxml import etree

    elements = [f'<span {attribute}="{raw}"></span>' if attribute else f"<span>{raw}</span>"
                for _, attribute, raw in pieces]
    body = etree.fromstring("<html><body>" + "".join(elements) + "</body></html>", etree.HTMLParser()).find("body")
    if body is None or len(body) != len(pieces):
        return []
    written = []
    for element, (_, attribute, _) in zip(body, pieces, strict=True):
        alone = etree.Element("span")
        try:
            if attribute:
                alone.set(attribute, element.get(attribute, ""))
            else:
                alone.text = element.text
        except ValueError:  # a control character, which lxml writes only as part of a parsed document
            return []
        text = etree.tostring(alone, method="html", encoding="utf-8").decode("utf-8")
        # <span aria-label="…"></span>: the value with its quotes; <span>…</span>: the text
        written.append(text[len(f"<span {attribute}="):-len("></span>")] if attribute
                       else text[len("<span>"):-len("</span>")])
    return written
