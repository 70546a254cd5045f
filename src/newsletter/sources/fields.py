"""Checks shared by the event reader and the settings reader: each failure becomes a Problem."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit

from newsletter.errors import Problem

WEB = ("http", "https")


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """": did you mean 'location'?" for a near miss, else ""."""
    import difflib  # only when something is misspelt

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f": did you mean '{close[0]}'?" if close else ""


def is_url(value: str, schemes: tuple[str, ...] = WEB) -> bool:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in schemes:
        return False
    return parts.scheme.lower() in ("mailto", "tel") or bool(parts.netloc)


def _invisible(value: str) -> bool:
    """Whether `value` is only marks with no width (a byte-order mark, a soft hyphen, joiners) and spaces."""
    import unicodedata

    return all(character.isspace() or unicodedata.category(character) == "Cf" for character in value)


def _unprintable(value: str) -> str | None:
    """What in `value` is not printable text: a control character other than a line break or a tab, or half of
    a character (a lone surrogate, from a YAML escape such as "\\ud83c")."""
    for character in value:
        code = ord(character)
        if code < 0x20 and character not in "\n\t\r" or 0x7f <= code < 0xa0:
            return f"a control character (U+{code:04X})"
        if 0xd800 <= code < 0xe000:
            return f"half of a character (U+{code:04X}, a lone surrogate)"
    return None


class FieldReader:
    """Reads typed values out of a parsed mapping, noting every problem with its line."""

    def __init__(self, path: str, line_of: Callable[[str], int | None]):
        self.path = path
        self.line_of = line_of
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.line_of(field), field, message))

    def unknown(self, data: dict[str, Any], known: tuple[str, ...], prefix: str = "") -> None:
        for key in data:
            if key not in known:
                name = f"{prefix}{key}"
                self.problem(name, f"unknown field '{key}'{suggest(key, known)}")

    def text(self, data: dict[str, Any], key: str, field: str | None = None,
             required: bool = False) -> str | None:
        field = field or key
        value = data.get(key)
        if value is None:
            if required:
                self.problem(field, "is required")
            return None
        if not isinstance(value, str):
            self.problem(field, "must be text, not a list or a set of fields")
            return None
        if (odd := _unprintable(value)) is not None:
            self.problem(field, f"contains {odd}, which no one can read: remove it (a copy and paste may have "
                         "brought it in)")
            return None
        value = value.strip()
        if value and _invisible(value):
            value = ""
        if not value and required:
            self.problem(field, "is required")
            return None
        return value or None

    def url(self, data: dict[str, Any], key: str, field: str | None = None,
            schemes: tuple[str, ...] = WEB, required: bool = False) -> str | None:
        field = field or key
        value = self.text(data, key, field, required)
        if value is None:
            return None
        if not is_url(value, schemes):
            example = " or ".join(f"{s}:" for s in schemes)
            self.problem(field, f"'{value}' is not a full address starting with {example}")
            return None
        return value

    def flag(self, data: dict[str, Any], key: str) -> bool:
        value = self.text(data, key)
        if value is None:
            return False
        lowered = value.lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return False
        self.problem(key, f"'{value}' must be true or false")
        return False

    def mapping(self, data: dict[str, Any], key: str) -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(key, "must be a set of fields (for example 'src:' and 'alt:' on their own lines)")
            return None
        return value

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        """A list; a single value counts as a list of one."""
        value = data.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


def unknown_kind(kind: str, known: list[str]) -> str:
    """The message for a kind that is not configured, with how to add it."""
    close = suggest(kind, known)
    if close:
        return f"unknown kind '{kind}'{close}"
    return (f"unknown kind '{kind}' (kinds: {', '.join(known)}); to add it, write [[kinds]] and, on the next line, "
            f"id = \"{kind}\" in newsletter.toml")
