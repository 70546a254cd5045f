"""The language an email is written in: its message catalog (gettext, managed with Babel) and its locale.

Rendering happens inside `speaking(language)`; the words the templates and
the presenters write go through `_()`, and the date functions ask `locale()`
how to write a date. English keeps newsletter's own house style for dates
("Saturday, January 27 · 12:00–2:00 pm"); every other language is written by
Babel from CLDR ("sábado, 27 de enero · 12:00–14:00").
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

CATALOGS = Path(__file__).resolve().parent / "locale"
DOMAIN = "newsletter"
# Languages with a complete catalog, by their code; a region may follow: es-MX, pt-BR, fr-CA.
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português", "zh": "中文", "ar": "العربية"}

_language: ContextVar[str] = ContextVar("language", default="en")
_clock: ContextVar[str | None] = ContextVar("clock", default=None)  # "12h", "24h", or the language's own


class UnknownLanguage(ValueError):
    pass


def check_language(code: str) -> str:
    """`code` as given ('es', 'es-MX', 'ar') if it names a language; raises UnknownLanguage naming the catalogs.

    A language without a catalog yet still gets its dates, its `lang` and its
    direction; its labels stay English, which `check` points out.
    """
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        names = ", ".join(f"{key} ({name})" for key, name in LANGUAGES.items())
        raise UnknownLanguage(f"'{code}' is not a language code: use one of {names}, with a region if you like, "
                              "such as es-MX") from None
    return code


@lru_cache(maxsize=16)
def language_name(code: str) -> str:
    """A language's name in itself: 'English', 'Español', '中文'."""
    name = _locale(code).get_language_name(_locale(code)) or code
    return name[0].upper() + name[1:]


def english_name(code: str) -> str:
    """A language's name in English, for the tool's own messages: 'Spanish', 'Portuguese (Brazil)'."""
    return _locale(code).get_display_name("en") or code


def has_catalog(code: str) -> bool:
    """Whether newsletter's words are translated into `code`'s language."""
    return code.replace("_", "-").split("-")[0].lower() in LANGUAGES


@contextmanager
def speaking(language: str, clock: str | None = None):
    """Everything rendered inside is in `language`, its times on `clock` ("12h", "24h") or the language's own."""
    tokens = _language.set(language), _clock.set(clock)
    try:
        yield
    finally:
        _language.reset(tokens[0])
        _clock.reset(tokens[1])


def clock() -> str | None:
    return _clock.get()


def language() -> str:
    return _language.get()


def is_english() -> bool:
    return language().split("-")[0].lower() == "en"


@lru_cache(maxsize=16)
def _locale(code: str):
    from babel import Locale

    return Locale.parse(code.replace("-", "_"))


def locale():
    """The Babel Locale of the language being written."""
    return _locale(language())


@lru_cache(maxsize=16)
def translations(code: str):
    """The compiled catalog for `code` (its region's, else its language's); English needs none, nor Babel."""
    base = code.replace("-", "_").split("_")[0]
    if base == "en":
        from gettext import NullTranslations

        return NullTranslations()
    from babel.support import Translations

    return Translations.load(str(CATALOGS), [code.replace("-", "_"), base], domain=DOMAIN)


def join_names(names) -> str:
    """`names` as one phrase, joined the way the language being written joins a list (Babel's CLDR patterns).

    English keeps the house style of a plain comma list, and so needs no Babel:
    "ISO Boston, CERSC"; Spanish gives "ISO Boston y CERSC", Arabic "ISO Boston وCERSC".
    """
    names = list(names)
    if is_english() or len(names) < 2:
        return ", ".join(names)
    from babel.lists import format_list

    return format_list(names, style="standard", locale=locale())


def _(message: str) -> str:
    """`message` in the language being written."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """`singular` or `plural` for `count`, in the language being written (which may have more forms)."""
    return translations(language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks `message` for the catalog where it is defined; it is translated where it is shown."""
    return message
