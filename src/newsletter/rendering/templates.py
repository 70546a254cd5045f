"""Finds templates (a group's own first, then the built-in ones) and renders them with Jinja2."""

from __future__ import annotations

import functools
import re
import textwrap
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsletter.errors import InvalidInput, Problem, TemplateProblem
from newsletter.models import Settings

_PACKAGE = Path(__file__).resolve().parents[1]  # the newsletter package


@lru_cache(maxsize=8)  # where newsletter is installed does not change while it runs
def builtin_dir(kind: str = "email") -> Path:
    """The templates shipped with newsletter: inside the installed package, or the source tree's."""
    installed = _PACKAGE / "templates" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parents[1] / "templates" / kind


def search_path(settings: Settings) -> list[Path]:
    """Where templates are looked for, first match wins; a group's own folder counts from when it is there."""
    own = settings.root / "templates" / "email"
    builtin = builtin_dir()
    if own.is_dir() and not _same_folder(own, builtin):
        return [own, builtin]
    return [builtin]


@lru_cache(maxsize=16)
def _same_folder(one: Path, other: Path) -> bool:
    """Asked before each template is rendered, the preview's many times a second: resolving costs a look at
    every folder of both paths."""
    return one.resolve() == other.resolve()


def wrap(text: Any, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """A Jinja filter: `text` filled to `width` columns, long words (URLs) left whole."""
    return _wrapped(str(text), width, str(indent), None if first is None else str(first))


@lru_cache(maxsize=1024)  # the preview wraps the same paragraphs after every save
def _wrapped(text: str, width: int, indent: str, first: str | None) -> str:
    lines = textwrap.wrap(
        " ".join(text.split()), width=width,
        initial_indent=indent if first is None else first, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    )
    return "\n".join(lines)


_TIME = re.compile(r"\d{1,2}:\d{2}(?: ?[ap]m)?(?:[–-]\d{1,2}:\d{2}(?: ?[ap]m)?)?(?: [A-Z]{2,5}\b)?")


def times_together(text: str) -> str:
    """A Jinja filter for HTML: each time or time range in `text` kept on one line ("10:00 am–1:00 pm").

    A no-break space before am/pm and a word joiner after the dash cost a few
    bytes each, where a nowrap <span> around every time would cost a busy week kilobytes.
    """
    def joined(found: re.Match) -> str:
        return found.group().replace(" ", "\u00a0").replace("–", "–\u2060")

    return _TIME.sub(joined, str(text))


def bytecode_cache(kind: str, root: Path, builtin: Path | None = None):
    """Jinja's compiled templates for environment `kind` of the project at `root` (sources/bytecode.py).

    Each entry is checked against its template's source, so an edited
    template (a group's own or a built-in one) is compiled again; Jinja
    checks its own version. The names carry `kind` and a digest of
    newsletter's code and Python's version, as the compiled code also
    depends on the environment's options, set in that code. Rendering only
    adds to it in memory: the command saves it with the compiled cache.
    Those compiled from `builtin` (newsletter's own templates) are kept
    once for the user rather than in each project.
    """
    from newsletter.sources.bytecode import held

    return held(root, kind, builtin)


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...], root: Path):
    import jinja2

    builtin = jinja2.FileSystemLoader(str(folders[-1]))
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader([str(f) for f in folders])]
    # An override can extend the template it replaces: {% extends "builtin/digest.mjml" %}
    loaders.append(jinja2.PrefixLoader({"builtin": builtin}))
    env = jinja2.Environment(
        extensions=["jinja2.ext.i18n"],
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("mjml", "html", "xml"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache("email", root, folders[-1]),
    )
    env.filters["wrap"] = wrap
    env.filters["times_together"] = times_together
    return env


def render(settings: Settings, name: str, context: dict[str, Any]) -> str:
    """Render template `name` from the search path, turning Jinja's failures into TemplateProblem."""
    import jinja2

    from newsletter.i18n import language, translations

    folders = tuple(search_path(settings))
    env = _environment(folders, settings.root)
    env.install_gettext_translations(translations(language()), newstyle=True)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(str(f) for f in folders)
        raise TemplateProblem(f"template '{exc.name}' not found (searched {searched})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: template: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template '{name}': {exc.message}") from None


SETTING_OUTPUT = 10_000  # characters a template from the settings may write: a subject or a preheader is one line
SETTING_RANGE = 1_000  # the longest range() such a template may loop over
SETTING_STEPS = 100_000  # loop turns and calls such a template may take, however its loops nest
_steps: ContextVar[int] = ContextVar("settings_template_steps", default=0)


def render_subject(settings: Settings, template: str, key: str, context: dict[str, Any]) -> str:
    """A subject line from the setting `key` (`subject`, `announce_subject`, `preheader`), a Jinja template.

    Settings come from whoever edits the group's repository, so the template
    runs in Jinja's sandbox: it reads the variables it is given and nothing
    else of Python, loops over at most SETTING_RANGE items and writes at most
    SETTING_OUTPUT characters. Whatever goes wrong is one line naming the setting.
    """
    import jinja2

    line = settings.lines.get(key)
    _steps.set(0)
    try:
        pieces, size = [], 0
        for piece in _subject_template(template, settings.root).generate(context):
            size += len(piece)
            if size > SETTING_OUTPUT:
                raise InvalidInput([Problem(settings.path, line, key, f"template: writes more than {SETTING_OUTPUT:,} "
                                            "characters; a subject is one line")])
            pieces.append(piece)
    except InvalidInput:
        raise
    except jinja2.TemplateError as exc:
        raise InvalidInput([Problem(settings.path, line, key, f"template: {exc.message}")]) from None
    except Exception as exc:  # anything the template's own expressions raise: 1/0, int("x")...
        raise InvalidInput([Problem(settings.path, line, key, f"template: {exc}")]) from None
    return " ".join("".join(pieces).split())


@lru_cache(maxsize=32)
def _subject_template(template: str, root: Path):
    """A subject line's template, in the sandbox; plain text, not HTML: '&' stays '&'. Loaded by its text, so
    that Jinja's bytecode cache keeps it (compiling one needs Jinja's lexer, parser and compiler).

    Every loop of it is counted and every joining of text is measured (see _counting), so that loops
    nested however deep, or text doubled over and over, stop at a limit instead of running away.
    """
    import jinja2

    name = f"subject: {template}"
    return _sandbox(root).overlay(loader=jinja2.DictLoader({name: template})).get_template(name)


def _counting(tree):
    """`tree` with each loop's items passed through counted() and each `~` through joined()."""
    from jinja2 import nodes

    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name("counted", "load"), [loop.iter], [], None, None, lineno=loop.lineno)
    for parent in tree.find_all(nodes.Node):
        for name, value in parent.iter_fields():
            if isinstance(value, nodes.Concat):
                setattr(parent, name, _joined_call(value))
            elif isinstance(value, list):
                setattr(parent, name, [_joined_call(v) if isinstance(v, nodes.Concat) else v for v in value])
    return tree


def _joined_call(concat):
    from jinja2 import nodes

    return nodes.Call(nodes.Name("joined", "load"), list(concat.nodes), [], None, None, lineno=concat.lineno)


def _spend() -> None:
    import jinja2

    taken = _steps.get() + 1
    _steps.set(taken)
    if taken > SETTING_STEPS:
        raise jinja2.sandbox.SecurityError(f"takes more than {SETTING_STEPS:,} steps; a subject is one line")


def _bounded(value):
    """`value`, unless it is text or a list longer than a settings template may write."""
    import jinja2

    if isinstance(value, (str, list, tuple)) and len(value) > SETTING_OUTPUT:
        raise jinja2.sandbox.SecurityError(f"makes text or a list over {SETTING_OUTPUT:,} long; a subject is one line")
    return value


def _small_numbers(args) -> None:
    import jinja2

    if any(isinstance(a, int) and not isinstance(a, bool) and abs(a) > SETTING_OUTPUT for a in args):
        raise jinja2.sandbox.SecurityError(f"a number over {SETTING_OUTPUT:,} is not allowed in a call here")


def _counted(items):
    for item in items:
        _spend()
        yield item


def _joined(*parts) -> str:
    return _bounded("".join(str(part) for part in parts))


def _checked_filter(function):
    """A filter that, like every call, takes a step, takes no huge number, and makes nothing over the limit."""
    @functools.wraps(function)
    def checked(*args, **kwargs):
        _spend()
        _small_numbers([*args[1:], *kwargs.values()])
        return _bounded(function(*args, **kwargs))

    return checked


@lru_cache(maxsize=4)
def _sandbox(root: Path):
    import jinja2
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Counting(CodeGenerator):
        def visit_Template(self, node, frame=None):
            super().visit_Template(_counting(node), frame)

    class Sandbox(ImmutableSandboxedEnvironment):
        code_generator_class = Counting
        # Multiplying a string or a list, or raising to a power, is checked before it is done.
        intercepted_binops = frozenset(["*", "**", "+"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
                raise jinja2.sandbox.SecurityError("a power over 64 is not allowed here")
            if operator == "*" and isinstance(left, (str, list, tuple)) and isinstance(right, int) and right > 100:
                raise jinja2.sandbox.SecurityError("repeating text or a list more than 100 times is not allowed here")
            if operator == "*" and isinstance(right, (str, list, tuple)) and isinstance(left, int) and left > 100:
                raise jinja2.sandbox.SecurityError("repeating text or a list more than 100 times is not allowed here")
            return _bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
            _spend()
            if __obj is not bounded_range:  # which says what its limit is
                _small_numbers([*args, *kwargs.values()])
            return _bounded(super().call(__context, __obj, *args, **kwargs))

    def bounded_range(*args: int) -> range:
        found = range(*args)
        if len(found) > SETTING_RANGE:
            raise jinja2.sandbox.SecurityError(f"range() over {SETTING_RANGE:,} items is not allowed here")
        return found

    env = Sandbox(autoescape=False, undefined=jinja2.StrictUndefined, bytecode_cache=bytecode_cache("settings", root))
    env.globals.update(range=bounded_range, counted=_counted, joined=_joined)
    env.filters["wrap"] = wrap
    env.filters["times_together"] = times_together
    env.filters = {name: _checked_filter(function) for name, function in env.filters.items()}
    return env
