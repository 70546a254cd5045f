"""An event file written as a person would write it: the fields in the usual order, plain values where YAML
reads them back unchanged, quoted where it would not, and the description as Markdown below."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

ORDER = ("title", "kind", "start", "end", "timezone", "location", "online", "rsvp", "donate", "summary", "hosts",
         "accessibility", "status", "rescheduled_from", "status_note", "draft", "repeat", "changes", "source")
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*")
_WORDS_YAML_READS = re.compile(r"(?i)(y|yes|n|no|true|false|on|off|null|~|[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?)")


def scalar(value: Any) -> str:
    """One value as YAML writes it back to the same text: plain when it can be, else in double quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if (_PLAIN.fullmatch(text) and ": " not in text and " #" not in text and not text.endswith((":", " "))
            and not _WORDS_YAML_READS.fullmatch(text)):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _in_brackets(value: Any) -> str:
    """A list item between [ and ]: a comma or a bracket in it would end it there, so it is quoted."""
    text = scalar(value)
    return json.dumps(str(value), ensure_ascii=False) if any(c in text for c in ",[]{}") and text[0] != '"' else text


def _key(key: str) -> str:
    """A field name: plain (the reader takes `on:` as the word on), quoted only when YAML could not read it."""
    return key if _PLAIN.fullmatch(key) and ": " not in key and not key.endswith(":") else json.dumps(key)


def field_lines(key: str, value: Any, indent: str = "") -> list[str]:
    """One field of the front matter as its lines."""
    if isinstance(value, dict):
        lines = [f"{indent}{_key(key)}:"]
        for inner, item in value.items():
            lines += field_lines(inner, item, indent + "  ")
        return lines
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return [f"{indent}{_key(key)}: [{', '.join(_in_brackets(item) for item in value)}]"]
        lines = [f"{indent}{_key(key)}:"]
        for item in value:
            inner = field_lines("-", item, indent + "  ")
            lines += inner
        return lines
    return [f"{indent}{_key(key)}: {scalar(value)}"]


def event_text(front: dict[str, Any], body: str) -> str:
    """The whole file: front matter between --- lines, then the description."""
    keys = [key for key in ORDER if key in front] + [key for key in front if key not in ORDER]
    lines = ["---"]
    for key in keys:
        if front[key] is not None:
            lines += field_lines(key, front[key])
    lines.append("---")
    text = "\n".join(lines) + "\n"
    if body.strip():
        text += "\n" + body.strip("\n") + "\n"
    return text


def when_text(value: datetime | date) -> str:
    """A start as people write it: 2027-03-06 19:00 (with seconds only when there are some), or a date."""
    return f"{value.date().isoformat()} {clock_text(value)}" if isinstance(value, datetime) else value.isoformat()


def clock_text(value: datetime) -> str:
    """19:00, or 19:00:25 when the source gives seconds."""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def end_text(start: datetime, end: datetime) -> str:
    """An end as people write it: the time alone on the start's day, else the date and time."""
    return clock_text(end) if end.date() == start.date() else when_text(end)
