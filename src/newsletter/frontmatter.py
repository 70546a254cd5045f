"""Splits a Markdown file into YAML front matter and body, keeping each field's line.

Every scalar is read as a string (PyYAML's BaseLoader): YAML 1.1 would turn
`14:00` into 840 and `no` into False, so the event reader decides what each
field means instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_NULLS = {"", "~", "null", "Null", "NULL"}


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class FrontMatter:
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    def line(self, path: str) -> int | None:
        """The line of a field such as 'title' or 'image.alt', or of its nearest parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0] if "." in path else path.rpartition("[")[0]
        return None


def decode(raw: bytes) -> str:
    """UTF-8 text with any byte-order mark removed and line endings made '\\n'."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FrontMatterError("file is not UTF-8 text (save it as UTF-8)", line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split(text: str) -> FrontMatter:
    """Read the front matter block and the body that follows it."""
    if not text.strip():
        raise FrontMatterError("file is empty (it needs front matter between --- lines)", 1)
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise FrontMatterError("no front matter: the file must start with a line of ---", 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise FrontMatterError("front matter is not closed: add a line of --- after the last field", 1)
    source = "\n".join(lines[1:index])
    data, positions = _load_yaml(source, first_line=2)
    body = "\n".join(lines[index + 1 :])
    return FrontMatter(data, positions, body, body_line=index + 2)


def _load_yaml(source: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        root = yaml.compose(source, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        problem = exc.problem or exc.context or "cannot be read"
        raise FrontMatterError(f"YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"YAML: {exc}", first_line) from None
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(
            "front matter must be fields such as 'title: ...', one per line", first_line
        )
    positions: dict[str, int] = {}
    data = _to_python(root, "", positions, first_line)
    return data, positions


def _to_python(node: yaml.Node, path: str, positions: dict[str, int], first_line: int) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for number, item in enumerate(node.value):
            item_path = f"{path}[{number}]"
            positions[item_path] = first_line + item.start_mark.line
            items.append(_to_python(item, item_path, positions, first_line))
        return items
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            raise FrontMatterError("YAML: a field name must be plain text", line)
        key = key_node.value
        key_path = f"{path}.{key}" if path else key
        if key in result:
            raise FrontMatterError(f"YAML: field '{key_path}' is given twice", line)
        positions[key_path] = line
        result[key] = _to_python(value_node, key_path, positions, first_line)
    return result
