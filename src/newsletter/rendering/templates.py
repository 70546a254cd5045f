"""Finds templates (a group's own first, then the built-in ones) and renders them with Jinja2."""

from __future__ import annotations

import re
import textwrap
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


def bytecode_cache(kind: str):
    """Jinja's compiled templates, kept between runs in Jinja's own per-user temporary folder.

    Each entry is checked against its template's source, so an edited
    template (a group's own or a built-in one) is compiled again; the names
    carry newsletter's version and the environment's `kind`, as the compiled
    code also depends on the environment's options.
    """
    import jinja2

    from newsletter import __version__

    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"__newsletter-{__version__}-{kind}-%s.cache")
    except RuntimeError:  # no safe temporary folder of this user's
        return None


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]):
    import jinja2

    builtin = jinja2.FileSystemLoader(str(folders[-1]))
    loaders = [jinja2.FileSystemLoader([str(f) for f in folders])]
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
        bytecode_cache=bytecode_cache("email"),
    )
    env.filters["wrap"] = wrap
    env.filters["times_together"] = times_together
    return env


def render(settings: Settings, name: str, context: dict[str, Any]) -> str:
    """Render template `name` from the search path, turning Jinja's failures into TemplateProblem."""
    import jinja2

    from newsletter.rendering.i18n import language, translations

    folders = tuple(search_path(settings))
    env = _environment(folders)
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


def render_subject(settings: Settings, template: str, key: str, context: dict[str, Any]) -> str:
    """A subject line from the setting `key` (`subject`, `announce_subject`, `preheader`), a Jinja template.

    Settings come from whoever edits the group's repository, so the template
    runs in Jinja's sandbox: it reads the variables it is given and nothing
    else of Python, loops over at most SETTING_RANGE items and writes at most
    SETTING_OUTPUT characters. Whatever goes wrong is one line naming the setting.
    """
    import jinja2

    line = settings.lines.get(key)
    try:
        pieces, size = [], 0
        for piece in _subject_template(template).generate(context):
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
def _subject_template(template: str):
    """A subject line's template, in the sandbox; plain text, not HTML: '&' stays '&'. Loaded by its text, so
    that Jinja's bytecode cache keeps it (compiling one needs Jinja's lexer, parser and compiler)."""
    import jinja2

    name = f"subject: {template}"
    return _sandbox().overlay(loader=jinja2.DictLoader({name: template})).get_template(name)


@lru_cache(maxsize=1)
def _sandbox():
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        # Multiplying a string or a list, or raising to a power, is checked before it is done.
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
                raise jinja2.sandbox.SecurityError("a power over 64 is not allowed here")
            if operator == "*" and isinstance(left, (str, list, tuple)) and isinstance(right, int) and right > 100:
                raise jinja2.sandbox.SecurityError("repeating text or a list more than 100 times is not allowed here")
            if operator == "*" and isinstance(right, (str, list, tuple)) and isinstance(left, int) and left > 100:
                raise jinja2.sandbox.SecurityError("repeating text or a list more than 100 times is not allowed here")
            return super().call_binop(context, operator, left, right)

    def bounded_range(*args: int) -> range:
        found = range(*args)
        if len(found) > SETTING_RANGE:
            raise jinja2.sandbox.SecurityError(f"range() over {SETTING_RANGE:,} items is not allowed here")
        return found

    env = Sandbox(autoescape=False, undefined=jinja2.StrictUndefined, bytecode_cache=bytecode_cache("settings"))
    env.globals["range"] = bounded_range
    env.filters["wrap"] = wrap
    env.filters["times_together"] = times_together
    return env
