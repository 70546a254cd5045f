"""Splits a Markdown file into YAML front matter and body, keeping each field's line.

Every scalar is read as a string (PyYAML's BaseLoader, or its libyaml twin): YAML 1.1 would turn
`14:00` into 840 and `no` into False, so the event reader decides what each
field means instead.
"""

from __future__ import annotations

import re
from msgspec import Struct, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # PyYAML is imported when a file is parsed: a run that takes every file from the cache never needs it
    import yaml

_NULLS = {"", "~", "null", "Null", "NULL"}
MAX_DEPTH = 12  # the deepest an event file goes is changes.<date>.speakers[0].name
TOO_DEEP = "the fields are nested deeper than an event file ever needs: check the indentation and the brackets"


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class FrontMatter(Struct):
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


# libyaml composes about ten times faster; the pure-Python parser reads again only a file that has an error,
# so that every message is worded as below whichever parser is installed.
USE_LIBYAML = True


def _compose(source: str) -> yaml.Node | None:
    import yaml

    fast = getattr(yaml, "CBaseLoader", None) if USE_LIBYAML else None
    if fast is not None:
        try:
            return yaml.compose(source, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(source, Loader=yaml.BaseLoader)


def _load_yaml(source: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    global yaml  # bound here, on first use, for _to_python too
    import yaml

    lines = source.split("\n")
    try:
        root = _compose(source)
    except RecursionError:
        raise FrontMatterError(TOO_DEEP, first_line + _too_deep_at(lines)) from None
    except yaml.MarkedYAMLError as exc:
        message, at = _in_plain_words(exc, lines)
        raise FrontMatterError(message, first_line + at if at is not None else None) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: NUL, DEL and the like
        at = source.count("\n", 0, exc.position) if isinstance(exc.position, int) else 0
        raise FrontMatterError(f"contains a character no one can read (U+{exc.character:04X}): remove it (a copy "
                               "and paste may have brought it in)" if isinstance(exc.character, int) else
                               f"YAML: {exc.reason}", first_line + at) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"YAML: {' '.join(str(exc).split())}", first_line) from None
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(
            "front matter must be fields such as 'title: ...', one per line", first_line
        )
    positions: dict[str, int] = {}
    data = _to_python(root, "", positions, first_line, lines, set())
    return data, positions


def _too_deep_at(lines: list[str]) -> int:
    """The line (0-based) where brackets first open deeper than an event file goes, or 0 when none does."""
    depth = 0
    for number, line in enumerate(lines):
        for character in line:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(character, 0)
            if depth > MAX_DEPTH:
                return number
    return 0


def _field_on(line: str) -> str | None:
    found = re.match(r"\s*-?\s*([A-Za-z_][\w-]*)\s*:", line)
    return found[1] if found else None


def _in_plain_words(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[str, int | None]:
    """What a YAML parser error means for someone who has never seen YAML, and the line (0-based) to look at."""
    mark = exc.problem_mark or exc.context_mark
    at = mark.line if mark else None
    text = lines[at] if at is not None and at < len(lines) else ""
    field = _field_on(text) or "this line"
    problem = exc.problem or ""
    if problem.startswith("mapping values are not allowed"):
        value = text.split(":", 1)[1].strip() if ":" in text else ""
        return (f"{field}: the value contains ': ', which YAML reads as a new field: put the whole {field} in double "
                f"quotes, as {field}: \"{value}\""), at
    if "'\\t'" in problem or "\t" in problem:
        return "a tab is used to indent this line: use spaces instead (two for each level)", at
    if exc.context == "while scanning a quoted scalar":
        start = exc.context_mark.line if exc.context_mark else at
        quoted = _field_on(lines[start]) if start is not None and start < len(lines) else field
        return (f"{quoted or 'this line'}: a quote opens the value but never closes it: end the value with the same "
                "quote on the same line"), start
    if exc.context in ("while parsing a flow sequence", "while parsing a flow mapping"):
        start = exc.context_mark.line if exc.context_mark else at
        opened = _field_on(lines[start]) if start is not None and start < len(lines) else None
        bracket, closing = ("[", "]") if "sequence" in exc.context else ("{", "}")
        return (f"{opened or 'this line'}: a value starting with '{bracket}' is read as a list, and this one is never "
                f"closed with '{closing}': put the whole {opened or 'value'} in double quotes"), start
    if "found '-'" in problem or "<block sequence start>" in problem:
        return ("a list item ('- …') is not under a field, or does not line up with the items above it: put each "
                "'- ' under its field name, indented by the same spaces"), at
    if "found '<scalar>'" in problem and re.search(r":\s*[\"'][^\"']*[\"']\s*\S", text):
        return (f"{field}: there is text after the closing quote: put the whole {field} inside the quotes"), at
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return ("this line is not 'field: value': check its spacing against the lines above "
                "(each field starts at the same place, and goes with a colon)"), at
    return f"YAML: {problem or exc.context or 'cannot be read'} (check the spacing and quotes on this line)", at


def _to_python(node: yaml.Node, path: str, positions: dict[str, int], first_line: int, lines: list[str],
               seen: set[int], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise FrontMatterError(TOO_DEEP, first_line + node.start_mark.line)
    if not isinstance(node, yaml.ScalarNode):
        # An alias (*name) is the same node again: a few of them nested repeat a value billions of times.
        if id(node) in seen:
            raise FrontMatterError("YAML: '*' repeats a value marked with '&' elsewhere; event files do not use "
                                   "these: write the value out where it goes", first_line + node.start_mark.line)
        seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        plain = not node.style  # None from PyYAML, "" from libyaml
        if plain:
            _lost_to_yaml(node, path, first_line, lines)
        elif node.style in ("'", '"'):
            _lost_after_quotes(node, path, first_line, lines)
        if plain and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for number, item in enumerate(node.value):
            item_path = f"{path}[{number}]"
            positions[item_path] = first_line + item.start_mark.line
            items.append(_to_python(item, item_path, positions, first_line, lines, seen, depth + 1))
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
        result[key] = _to_python(value_node, key_path, positions, first_line, lines, seen, depth + 1)
    return result


def _lost_after_quotes(node: yaml.ScalarNode, path: str, first_line: int, lines: list[str]) -> None:
    """Refuse a hashtag after a quoted value's closing quote, which YAML drops as a comment."""
    name = path.rsplit(".", 1)[-1] or "the value"
    end = node.end_mark
    rest = lines[end.line][end.column:] if end.line < len(lines) else ""
    if re.match(r"\s+#[^\s#]", rest):
        tag = rest.strip()
        quote = node.style
        raise FrontMatterError(
            f"{name}: '{tag}' after the closing quote is read as a comment and lost: move it inside the quotes, "
            f"as {name}: {quote}{node.value} {tag}{quote}", first_line + end.line)


def _lost_to_yaml(node: yaml.ScalarNode, path: str, first_line: int, lines: list[str]) -> None:
    """Refuse a plain value that YAML cut short: at a ' #' (a comment), or one that swallowed a list item."""
    name = path.rsplit(".", 1)[-1] or "the value"
    end = node.end_mark
    rest = lines[end.line][end.column:] if end.line < len(lines) else ""
    # "#MeToo", "#1": a hashtag, which YAML takes for a comment; "# note", with a space, is meant as one.
    if re.match(r"\s*#[^\s#]", rest) and (node.value == "" or rest[:1].isspace()):
        if node.value == "":
            raise FrontMatterError(
                f"{name}: the value starts with #, which YAML reads as a comment, so {name} is empty: put the whole "
                f"{name} in double quotes, as {name}: \"{rest.strip()}\"", first_line + end.line)
        raise FrontMatterError(
            f"{name}: the value contains ' #', which YAML reads as the start of a comment, so the rest of the line "
            f"is lost: put the whole {name} in double quotes", first_line + end.line)
    for number in range(node.start_mark.line + 1, min(end.line + 1, len(lines))):
        if lines[number].lstrip().startswith("- "):
            raise FrontMatterError(
                f"{name}: a list item ('- …') follows a value on the same field: either write one value, or put "
                f"nothing after '{name}:' and each item on its own '- ' line", first_line + number)
