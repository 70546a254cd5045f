"""An event's Markdown body: safe HTML for the email, readable text for the text part.

markdown-it-py parses; raw HTML is disabled, so tags in an event file reach
the email as visible text, never as markup, and only web, mail and phone
links become links.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from newsletter.sources.kept import Kept

SAFE_SCHEMES = ("http", "https", "mailto", "tel")
WIDTH = 72


# A description is turned into HTML and text once per run, not once per layout the fit tries or per
# edition: these are pure functions of their arguments, so their results are kept (`_remembered`), for
# the run, and between runs while an email is rendered with the project's cache (`remembering`): a week
# built again then does not even import markdown-it.
_KEEP = 2048
_seen: dict[str, str] = {}  # this run's conversions, wherever they were asked for
_kept = Kept()  # the project's, from earlier runs too
remembering = _kept.remembering


def _remembered(function):
    name = function.__name__

    @wraps(function)
    def remembered(*args, **options):
        key = hashlib.sha256(repr((name, args, sorted(options.items()))).encode(
            "utf-8", "surrogateescape")).hexdigest()[:32]
        found = _seen.get(key)
        if found is None:
            found = _kept.get(key)
        if found is None:
            found = function(*args, **options)
        if len(_seen) >= _KEEP:  # an archive of thousands: the run's memory stays bounded
            _seen.clear()
        _seen[key] = found
        _kept.put(key, found)
        return found

    return remembered


@lru_cache(maxsize=2)
def _parser(permissive: bool = False):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # markdown-it-py's documented way to choose which links to keep: its validateLink, replaced on the instance
    md.validateLink = (lambda url: True) if permissive else _is_safe_link  # type: ignore[method-assign]
    return md


def _is_safe_link(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in SAFE_SCHEMES and (
        parts.scheme.lower() in ("mailto", "tel") or bool(parts.netloc)
    )


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def problems(source: str) -> list[tuple[int, str]]:
    """(line offset within the body, message) for characters, links and images an email cannot carry."""
    if (odd := _CONTROL.search(source)) is not None:
        return [(source.count("\n", 0, odd.start()), f"contains a character no one can read (U+{ord(odd[0]):04X}): "
                 "remove it (a copy and paste may have brought it in)")]
    if "](" not in source and "<" not in source and "]:" not in source:
        return []
    lines = source.split("\n")
    found = []
    for token in _parser(permissive=True).parse(source):
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "link_open":
                target = child.attrGet("href") or ""
                if child.markup == "autolink" and target.startswith("mailto:"):
                    continue
                if not _is_safe_link(target):
                    found.append((_line_of(target, token.map, lines), _bad_link(target)))
            elif child.type == "image":
                src = child.attrGet("src") or ""
                alt = child.content.strip()
                line = _line_of(src, token.map, lines)
                if urlsplit(src).scheme.lower() == "http" and urlsplit(src).netloc:
                    found.append((line, f"image '{src}' is not secure: email clients block http:// images; "
                                        "use the https:// address"))
                elif not _is_safe_link(src) or urlsplit(src).scheme.lower() != "https":
                    found.append((line, f"image '{src}' must be a full https:// address"))
                if not alt:
                    found.append((line, f"image '{src}' needs alt text: ![what it shows]({src})"))
    return found


def _line_of(needle: str, span: list[int] | None, lines: list[str]) -> int:
    if not span:
        return 0
    for index in range(span[0], min(span[1], len(lines))):
        if needle and needle in lines[index]:
            return index
    return span[0]


def _bad_link(target: str) -> str:
    scheme = urlsplit(target).scheme.lower()
    if scheme and scheme not in SAFE_SCHEMES:
        return f"link '{target}' is not allowed in an email: use an https:// address"
    return f"link '{target}' is not a full address: write it with https://"


@_remembered
def to_html(source: str, heading: str = "h4") -> str:
    """The body as HTML; headings become `heading` (<h4>, under an event's <h3>) so none skips a level."""
    md = _parser()
    tokens = md.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = heading
    return md.renderer.render(tokens, md.options, {})


@_remembered
def first_paragraph(source: str) -> str:
    """The Markdown of the body's first paragraph, for a short version of the description."""
    lines = source.split("\n")
    blocks = [t for t in _parser().parse(source) if t.level == 0 and t.map and t.nesting >= 0]
    chosen = next((t for t in blocks if t.type == "paragraph_open"), blocks[0] if blocks else None)
    if chosen is None:
        return source
    return "\n".join(lines[chosen.map[0] : chosen.map[1]])


@_remembered
def teaser(source: str, limit: int = 280) -> str:
    """The first paragraph as plain words, cut after the last whole sentence that fits in `limit` characters."""
    words: list[str] = []
    for token in _parser().parse(first_paragraph(source)):
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
    text = " ".join("".join(words).split())
    if len(text) <= limit:
        return text
    # A sentence shorter than a third of the room is more likely "Dr." than a sentence.
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if limit // 3 <= m.end() <= limit]
    if ends:
        return text[: ends[-1]]
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


@_remembered
def to_text(source: str, width: int = WIDTH, indent: str = "") -> str:
    """The body as plain text: lists kept, emphasis gone, each link's URL in brackets."""
    return _TextWriter(width, indent).write(_parser().parse(source))


def inline_text(children) -> str:
    """The words of an inline token, with link targets written out."""
    out: list[str] = []
    links: list[str] = []
    for child in children or ():
        kind = child.type
        if kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "link_open":
            links.append(child.attrGet("href") or "")
            out.append("\x00")  # where the link's words start
        elif kind == "link_close":
            href = links.pop()
            start = len(out) - 1 - out[::-1].index("\x00")
            words = "".join(out[start + 1 :])
            del out[start:]
            shown = href.removeprefix("mailto:") if href.startswith("mailto:") else href
            out.append(words if words.strip() == shown else f"{words} ({shown})")
        elif kind == "image":
            out.append(f"{child.content} ({child.attrGet('src')})")
    return "".join(out)


class _TextWriter:
    def __init__(self, width: int, indent: str):
        self.width = width
        self.lines: list[str] = []
        self.prefixes: list[str] = [indent]
        self.marker: str | None = None
        self.lists: list[int | None] = []
        self.list_opened = False
        self.hidden = False

    def write(self, tokens) -> str:
        for token in tokens:
            handler = getattr(self, f"_{token.type}", None)
            if handler:
                handler(token)
        return "\n".join(self.lines).rstrip("\n")

    def _bullet_list_open(self, token):
        self.lists.append(None)
        self.list_opened = True

    def _ordered_list_open(self, token):
        self.lists.append(int(token.attrGet("start") or 1))
        self.list_opened = True

    def _bullet_list_close(self, token):
        self.lists.pop()

    _ordered_list_close = _bullet_list_close

    def _list_item_open(self, token):
        number = self.lists[-1]
        if number is None:
            self.marker = "- "
        else:
            self.marker = f"{number}. "
            self.lists[-1] = number + 1
        self.prefixes.append(" " * len(self.marker))

    def _list_item_close(self, token):
        self.prefixes.pop()

    def _blockquote_open(self, token):
        self.prefixes.append("> ")

    def _blockquote_close(self, token):
        self.prefixes.pop()

    def _paragraph_open(self, token):
        self.hidden = token.hidden

    def _heading_open(self, token):
        self.hidden = False

    def _inline(self, token):
        self._emit(inline_text(token.children), wrap=True)

    def _fence(self, token):
        self._emit(token.content.rstrip("\n"), wrap=False, extra="    ")

    _code_block = _fence

    def _hr(self, token):
        self._emit("* * *", wrap=False)

    def _emit(self, text: str, wrap: bool, extra: str = "") -> None:
        tight_item = self.hidden and not (self.list_opened and len(self.lists) == 1)
        if self.lines and not tight_item and not (self.list_opened and len(self.lists) > 1):
            self.lines.append("")
        rest = "".join(self.prefixes) + extra
        first = rest
        if self.marker is not None:
            first = "".join(self.prefixes[:-1]) + self.marker + extra
            self.marker = None
        self.list_opened = False
        self.hidden = False
        for number, line in enumerate(text.split("\n")):
            lead = first if number == 0 else rest
            if not wrap:
                self.lines.append((lead + line).rstrip())
                continue
            wrapped = textwrap.wrap(
                line, width=self.width, initial_indent=lead, subsequent_indent=rest,
                break_long_words=False, break_on_hyphens=False,
            )
            self.lines.extend(wrapped or [lead.rstrip()])
