"""Reads `newsletter.toml` into Settings, reporting every problem at once."""

from __future__ import annotations

import re
import tomllib
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.colors import AA, HEX, contrast, readable_on
from newsletter.errors import InvalidInput, Problem
from newsletter.sources.events import display_path
from newsletter.sources.fields import FieldReader, is_url, suggest, unknown_kind
from newsletter.sources.images import read_image
from newsletter.models import (DEFAULT_KINDS, LAYOUTS, DigestOptions, ImportOptions, Kind, KindRule, Lines, Settings,
                               ShareOptions, SmtpSettings, Theme, default_label)
from newsletter.sources.files import SETTINGS_BYTES, Refused, read_regular
from newsletter.providers import ALIASES, NAMES, PRESETS, Provider

KEYS = (
    "name", "organization", "language", "languages", "bilingual", "clock", "timezone", "week_start", "from", "reply_to",
    "to", "list_id", "subject", "announce_subject", "preheader", "intro", "coming_up_weeks", "archive_url", "unsubscribe",
    "address", "kinds", "kinds_replace", "theme", "digest", "share", "import", "provider", "smtp",
)
DIGEST_KEYS = ("layout", "max_html_kb")
SHARE_KEYS = ("hashtags", "images", "paper")
IMPORT_KEYS = ("kinds", "form")
# What a form's column can fill: the event's own fields, its description, and `id`, the column that tells
# one response from another (a Google Form's Timestamp, by default).
FORM_FIELDS = ("id", "title", "kind", "start", "end", "location", "address", "online", "rsvp", "donate", "summary",
               "description", "hosts", "accessibility")
_HASHTAG = re.compile(r"^\w+$")
SMTP_KEYS = ("host", "port", "security", "username", "timeout", "ca_file")
SECURITY = ("starttls", "ssl", "none")
THEME_KEYS = ("accent", "background", "text", "logo")
KIND_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Section colours for a group's own kinds, each at least 4.5:1 on white like the defaults.
KIND_PALETTE = ("#0f6e6e", "#8a3b12", "#5b4ca8", "#7a5c00", "#a0295e", "#2f6f3e", "#3d5a80", "#6b4226")
MERGE_TAG = re.compile(r"\*\|.+\|\*|\{\{.+\}\}|%.+%|<%.+%>|\[.+\]|\{.+\}|\$\{.+\}")


def load_settings(path: Path) -> Settings:
    """Settings from `path`; raises InvalidInput listing every problem."""
    shown = display_path(path)
    try:
        text = read_regular(path, SETTINGS_BYTES).decode("utf-8").removeprefix("\ufeff")
    except Refused as exc:
        raise InvalidInput([Problem(shown, None, None, str(exc))]) from None
    except FileNotFoundError:
        raise InvalidInput([Problem(shown, None, None,
                                    "settings file not found (create one with at least name = \"...\")")]) from None
    except UnicodeDecodeError:
        raise InvalidInput([Problem(shown, None, None, "file is not UTF-8 text")]) from None
    except OSError as exc:
        raise InvalidInput([Problem(shown, None, None, f"cannot read the file: {exc.strerror}")]) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InvalidInput([Problem(shown, None, None, "TOML: tables or lists are nested too deep to read: settings "
                                    "need a level or two")]) from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise InvalidInput([Problem(shown, int(found[1]) if found else None, None, f"TOML: {message}")]) from None
    lines = TomlLines(text)
    reader = FieldReader(shown, lines.line)
    settings = _read(reader, data, path.resolve().parent, shown, lines)
    if reader.problems:
        raise InvalidInput(reader.problems)
    return settings


def _read(r: FieldReader, data: dict[str, Any], root: Path, shown: str, lines: TomlLines) -> Settings:
    r.unknown(data, KEYS)
    values: dict[str, Any] = {}
    name = _string(r, data, "name")
    if not name and "name" not in data:  # a name that is there but wrong has had its own problem
        r.problem("name", "is required: the newsletter's name")
    tz_name = _string(r, data, "timezone") or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name that is a folder of the tzdata package
        r.problem("timezone", f"unknown time zone '{tz_name}' (use an IANA name such as America/New_York)")
        tz, tz_name = ZoneInfo("UTC"), "UTC"
    for key in ("organization", "language", "subject", "announce_subject", "address", "list_id", "preheader"):
        if (value := _string(r, data, key)) is not None:
            values[key] = value
    if "language" in values:
        from newsletter.i18n import UnknownLanguage, check_language

        try:
            check_language(values["language"])
        except UnknownLanguage as exc:
            r.problem("language", str(exc))
            del values["language"]
    values.update(_languages(r, data, values.get("language")))
    if (hours := _string(r, data, "clock")) is not None:
        if hours not in ("12h", "24h"):
            r.problem("clock", f"'{hours}' must be \"12h\" (7:00 pm) or \"24h\" (19:00)")
        else:
            values["clock"] = hours
    week_start = _string(r, data, "week_start") or "monday"
    if week_start not in ("monday", "sunday"):
        r.problem("week_start", f"'{week_start}' must be monday or sunday")
    for key, attribute in (("from", "sender"), ("reply_to", "reply_to"), ("to", "to")):
        address = _string(r, data, key)
        if address is None:
            continue
        if "@" not in parseaddr(address)[1]:
            r.problem(key, f"'{address}' is not an email address (write Name <list@example.org>)")
        values[attribute] = address
    if "coming_up_weeks" in data:
        weeks = data["coming_up_weeks"]
        if not isinstance(weeks, int) or isinstance(weeks, bool) or not 0 <= weeks <= 12:
            r.problem("coming_up_weeks", "must be a whole number from 0 to 12")
        else:
            values["coming_up_weeks"] = weeks
    if (archive := _string(r, data, "archive_url")) is not None:
        if not is_url(archive):
            r.problem("archive_url", f"'{archive}' is not a full address starting with https://")
        values["archive_url"] = archive.rstrip("/") + "/"
    if "provider" in data:
        values["provider"] = _provider(r, data["provider"])
    if (unsubscribe := _string(r, data, "unsubscribe")) is not None:
        if not (is_url(unsubscribe, ("http", "https", "mailto")) or MERGE_TAG.search(unsubscribe)):
            r.problem("unsubscribe", f"'{unsubscribe}' is not an https:// address, a mailto: address "
                                     "or a merge tag such as *|UNSUB|*")
        values["unsubscribe"] = unsubscribe
    elif "provider" in values and values["provider"].unsubscribe:
        values["unsubscribe"] = values["provider"].unsubscribe
    if "smtp" in data:
        values["smtp"] = _smtp(r, data["smtp"], root)
    replace = data.get("kinds_replace", False)
    if not isinstance(replace, bool):
        r.problem("kinds_replace", "must be true or false")
        replace = False
    if "kinds" in data:
        values["kinds"] = _kinds(r, data["kinds"], replace)
    elif replace:
        r.problem("kinds_replace", "replaces the default kinds with your [[kinds]] tables, but there are none")
    if "theme" in data:
        values["theme"] = _theme(r, data["theme"], root, values.get("archive_url"))
    if "digest" in data:
        values["digest"] = _digest(r, data["digest"])
    if "share" in data:
        values["share"] = _share(r, data["share"])
    if "import" in data:
        values["importing"] = _import(r, data["import"], [k.id for k in values.get("kinds", DEFAULT_KINDS)])
    if (intro := _intro(r, data, root, shown)) is not None:
        values["intro"] = intro
    return Settings(name=name or "", timezone=tz, timezone_name=tz_name, week_start=week_start,
                    root=root, path=shown, lines=Lines(lines.lines), **values)


def _languages(r: FieldReader, data: dict[str, Any], language: str | None) -> dict[str, Any]:
    """`languages` and `bilingual`: a bilingual group's languages, primary first, and how its emails carry them."""
    from newsletter.i18n import UnknownLanguage, check_language

    values: dict[str, Any] = {}
    bilingual = _string(r, data, "bilingual")
    if bilingual is not None and bilingual not in ("separate", "together"):
        r.problem("bilingual", f"'{bilingual}' must be \"separate\" (one email per language) or "
                  "\"together\" (both languages in one email)")
        bilingual = None
    if "languages" not in data:
        if bilingual is not None:
            r.problem("bilingual", "goes with languages = [\"es\", \"en\"]: the group's languages, the first "
                      "the one its event files are written in")
        return values
    given = data["languages"]
    if not isinstance(given, list) or not given or not all(isinstance(code, str) and code.strip() for code in given):
        r.problem("languages", "must be a list of language codes, the first the one the event files are written "
                  "in: languages = [\"es\", \"en\"]")
        return values
    codes: list[str] = []
    for code in (code.strip() for code in given):
        try:
            check_language(code)
        except UnknownLanguage as exc:
            r.problem("languages", str(exc))
            continue
        if code.lower() in (c.lower() for c in codes):
            r.problem("languages", f"'{code}' is listed twice")
            continue
        codes.append(code)
    if not codes:
        return values
    if language is not None and language != codes[0]:
        r.problem("language", f"is '{language}' but languages starts with '{codes[0]}': the first of languages is "
                  "the language of the event files, so leave language out")
    values.update(languages=tuple(codes), language=codes[0])
    if bilingual is not None:
        values["bilingual"] = bilingual
    return values


def _provider(r: FieldReader, value: Any) -> Provider:
    """A preset by name ("mailchimp"), or a table: name = "custom" with its own tags."""
    if isinstance(value, str):
        value = ALIASES.get(value, value)
        if value not in PRESETS:
            hint = suggest(value, NAMES) or f" (one of: {', '.join(NAMES)})"
            r.problem("provider", f"unknown provider '{value}'{hint}")
            return Provider("custom", "Custom")
        return PRESETS[value]
    if not isinstance(value, dict):
        r.problem("provider", "must be a name such as \"mailchimp\", or a [provider] table")
        return Provider("custom", "Custom")
    r.unknown(value, ("name", "unsubscribe", "view_online", "adds_footer"), prefix="provider.")
    name = r.text(value, "name", "provider.name") or "custom"
    if name not in NAMES:
        hint = suggest(name, NAMES) or f" (one of: {', '.join(NAMES)})"
        r.problem("provider.name", f"unknown provider '{name}'{hint}")
        name = "custom"
    base = PRESETS.get(name, Provider("custom", "Custom"))
    adds_footer = value.get("adds_footer", base.adds_footer)
    if not isinstance(adds_footer, bool):
        r.problem("provider.adds_footer", "must be true or false")
        adds_footer = base.adds_footer
    return Provider(
        name=name, label=base.label, is_list=base.is_list, adds_footer=adds_footer,
        unsubscribe=r.text(value, "unsubscribe", "provider.unsubscribe") or base.unsubscribe,
        view_online=r.text(value, "view_online", "provider.view_online") or base.view_online,
    )


def _smtp(r: FieldReader, table: Any, root: Path) -> SmtpSettings | None:
    if not isinstance(table, dict):
        r.problem("smtp", "must be an [smtp] table with host, port, security and username")
        return None
    r.unknown(table, SMTP_KEYS, prefix="smtp.")
    host = r.text(table, "host", "smtp.host", required=True)
    security = r.text(table, "security", "smtp.security") or "starttls"
    if security not in SECURITY:
        r.problem("smtp.security", f"'{security}' must be starttls, ssl or none")
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    port = table.get("port", default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        r.problem("smtp.port", "must be a port number such as 587")
        port = default_port
    timeout = table.get("timeout", 30)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        r.problem("smtp.timeout", "must be a number of seconds such as 30")
        timeout = 30
    username = r.text(table, "username", "smtp.username")
    ca_file = r.text(table, "ca_file", "smtp.ca_file")
    if ca_file and not (root / ca_file).is_file():
        r.problem("smtp.ca_file", f"there is no file {ca_file} next to newsletter.toml")
        ca_file = None
    return SmtpSettings(host or "", port, security, username, float(timeout), ca_file) if host else None


def _intro(r: FieldReader, data: dict[str, Any], root: Path, shown: str) -> str | None:
    """The digest's opening words: `intro` in the settings, or intro.md beside them (not both)."""
    from newsletter.sources.body import problems as link_problems
    from newsletter.sources.events import display_path

    text = data.get("intro")
    if text is not None and not isinstance(text, str):
        r.problem("intro", "must be text in quotes (\"\"\" for several lines)")
        return None
    path = root / "intro.md"
    if path.is_file():
        if text is not None:
            r.problem("intro", f"is set here and in {display_path(path)}: keep one of them")
            return None
        try:
            text = read_regular(path, SETTINGS_BYTES, inside=(root,)).decode("utf-8").removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError) as exc:
            why = "is not UTF-8 text: save it as UTF-8" if isinstance(exc, UnicodeDecodeError) else (
                str(exc) if isinstance(exc, Refused) else f"cannot be read: {exc.strerror}")
            r.problems.append(Problem(display_path(path), None, None, why))
            return None
        for offset, message in link_problems(text):
            r.problems.append(Problem(display_path(path), offset + 1, None, message))
    elif text is not None:
        for _offset, message in link_problems(text):
            r.problem("intro", message)
    return text if text and text.strip() else None


def _digest(r: FieldReader, table: Any) -> DigestOptions:
    if not isinstance(table, dict):
        r.problem("digest", "must be a [digest] table with layout and max_html_kb")
        return DigestOptions()
    r.unknown(table, DIGEST_KEYS, prefix="digest.")
    defaults = DigestOptions()
    layout = r.text(table, "layout", "digest.layout") or defaults.layout
    if layout not in LAYOUTS:
        r.problem("digest.layout", f"'{layout}' must be one of: {', '.join(LAYOUTS)}{suggest(layout, LAYOUTS)}")
        layout = defaults.layout
    limit = table.get("max_html_kb", defaults.max_html_kb)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or not 10 <= limit <= 102:
        r.problem("digest.max_html_kb", "must be a number of kilobytes from 10 to 102 (Gmail clips messages over 102 KB)")
        limit = defaults.max_html_kb
    return DigestOptions(layout, limit)


def _share(r: FieldReader, table: Any) -> ShareOptions:
    if not isinstance(table, dict):
        r.problem("share", "must be a [share] table, such as: hashtags = [\"TenantsUnion\"]")
        return ShareOptions()
    r.unknown(table, SHARE_KEYS, prefix="share.")
    tags = []
    for tag in r.items(table, "hashtags"):
        word = tag.removeprefix("#") if isinstance(tag, str) else None
        if word is None or not _HASHTAG.match(word):
            r.problem("share.hashtags", f"{tag!r} is not a hashtag: write letters, digits and _ only, "
                      "such as \"TenantsUnion\" (the # is added)")
        else:
            tags.append(word)
    images = table.get("images", True)
    if not isinstance(images, bool):
        r.problem("share.images", "must be true or false")
        images = True
    paper = r.text(table, "paper", "share.paper")
    if paper is not None and paper.lower() not in ("a4", "letter"):
        r.problem("share.paper", f"'{paper}' must be \"a4\" or \"letter\" (leave it out to go by the time zone's country)")
        paper = None
    return ShareOptions(tuple(tags), images, paper.lower() if paper else None)


def _import(r: FieldReader, table: Any, kinds: list[str]) -> ImportOptions:
    """[import]: [[import.kinds]] rules (a pattern on the title or categories, and the kind it gives) and
    [import.form], which column of a form's responses holds which field."""
    if not isinstance(table, dict):
        r.problem("import", "must be an [import] table, such as: [import.form] title = \"Event name\"")
        return ImportOptions()
    r.unknown(table, IMPORT_KEYS, prefix="import.")
    rules = []
    for number, rule in enumerate(r.items(table, "kinds")):
        field = f"import.kinds[{number}]"
        if not isinstance(rule, dict):
            r.problem(field, 'must be a table: [[import.kinds]] match = "rally|march", kind = "rally"')
            continue
        r.unknown(rule, ("match", "kind"), prefix=f"{field}.")
        pattern = r.text(rule, "match", f"{field}.match", required=True)
        kind = r.text(rule, "kind", f"{field}.kind", required=True)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                r.problem(f"{field}.match", f"'{pattern}' is not a pattern newsletter can read ({exc}): write the "
                          "words to look for with | between them, such as rally|march|protest")
                pattern = None
        if kind is not None and kind not in kinds:
            r.problem(f"{field}.kind", unknown_kind(kind, kinds))
            kind = None
        if pattern and kind:
            rules.append(KindRule(pattern, kind))
    form: list[tuple[str, str]] = []
    if "form" in table:
        columns = table["form"]
        if not isinstance(columns, dict):
            r.problem("import.form", 'must be a table of fields and column headings: title = "Event name"')
        else:
            r.unknown(columns, FORM_FIELDS, prefix="import.form.")
            for key in columns:
                heading = r.text(columns, key, f"import.form.{key}") if key in FORM_FIELDS else None
                if heading:
                    form.append((key, heading))
            if form and not {"title", "start"} <= {key for key, _ in form}:
                r.problem("import.form", "needs the columns of title and start at least: the event's name and "
                          "when it starts")
    return ImportOptions(tuple(rules), tuple(form))


# Settings that go into a header or a single line: a line break would end the header (or split the line).
ONE_LINE = ("name", "organization", "from", "reply_to", "to", "list_id", "unsubscribe", "subject", "announce_subject",
            "preheader", "language", "timezone", "clock", "week_start", "archive_url")
# Settings that, once written, must say something: an empty one would send a mail from nobody or about nothing.
NOT_EMPTY = ("from", "to", "reply_to", "subject", "announce_subject", "name")
_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _string(r: FieldReader, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        r.problem(key, "must be text in quotes")
        return None
    if key in ONE_LINE and (found := _BREAKS.search(value.strip())):
        what = "a line break" if found[0] in "\r\n\x85\u2028\u2029\x0b\x0c" else f"a control character (U+{ord(found[0]):04X})"
        r.problem(key, f"contains {what}: write it on one line, as plain text")
        return None
    if not value.strip() and key in NOT_EMPTY:
        r.problem(key, "is empty: give it a value, or remove the line to use the default")
        return None
    return value.strip() or None


def _kinds(r: FieldReader, tables: Any, replace: bool) -> tuple[Kind, ...]:
    """The default kinds with the group's [[kinds]] changing or adding to them by id; or only the group's, with replace."""
    if not isinstance(tables, list) or not tables:
        r.problem("kinds", "must be one or more [[kinds]] tables, each with at least an id")
        return DEFAULT_KINDS
    kinds: list[Kind] = [] if replace else list(DEFAULT_KINDS)
    seen: set[str] = set()
    palette = iter(c for c in KIND_PALETTE if c not in {k.color for k in kinds})
    for number, table in enumerate(tables):
        field = f"kinds[{number}]"
        if not isinstance(table, dict):
            r.problem(field, "must be a [[kinds]] table with an id, such as id = \"canvass\"")
            continue
        r.unknown(table, ("id", "heading", "color", "label", "after", "translations"), prefix=f"{field}.")
        kind_id = r.text(table, "id", f"{field}.id", required=True)
        heading = r.text(table, "heading", f"{field}.heading")
        color = _color(r, table, "color", f"{field}.color")
        label = r.text(table, "label", f"{field}.label")
        after = r.text(table, "after", f"{field}.after")
        words = _kind_words(r, table.get("translations"), f"{field}.translations")
        if not kind_id:
            continue
        if not KIND_ID.match(kind_id):
            r.problem(f"{field}.id", f"'{kind_id}' must be lowercase letters, digits and dashes")
            continue
        if kind_id in ("ongoing", "coming-up"):
            r.problem(f"{field}.id", f"'{kind_id}' is a section newsletter adds itself")
            continue
        if kind_id in seen:
            r.problem(f"{field}.id", f"'{kind_id}' is listed twice")
            continue
        seen.add(kind_id)
        existing = next((k for k in kinds if k.id == kind_id), None)
        if existing is not None:
            kind = Kind(kind_id, heading or existing.heading, color or existing.color, label or existing.label,
                        words or existing.translations)
            if not after:
                kinds[kinds.index(existing)] = kind
                continue
            kinds.remove(existing)
            position = None
        else:
            builtin = next((k for k in DEFAULT_KINDS if k.id == kind_id), None)  # listed again with kinds_replace
            singular = label or (builtin.label if builtin else default_label(kind_id))
            kind = Kind(kind_id, heading or (builtin.heading if builtin else plural(singular)),
                        color or (builtin.color if builtin else next(palette, "#57606a")), singular, words)
            position = None
        if after:
            found = next((n for n, k in enumerate(kinds) if k.id == after), None)
            if found is None:
                hint = suggest(after, [k.id for k in kinds]) or f" (kinds: {', '.join(k.id for k in kinds)})"
                r.problem(f"{field}.after", f"there is no kind '{after}' to place it after{hint}")
            else:
                position = found + 1
        kinds.insert(len(kinds) if position is None else min(position, len(kinds)), kind)
    return tuple(kinds) or DEFAULT_KINDS


def _kind_words(r: FieldReader, value: Any, field: str) -> tuple[tuple[str, str | None, str | None], ...]:
    """`translations = { es = { heading = "…", label = "…" } }`: a kind's words in the group's other languages."""
    if value is None:
        return ()
    example = 'translations = { es = { heading = "Bancos telefónicos", label = "Banco telefónico" } }'
    if not isinstance(value, dict):
        r.problem(field, f"must give each language's words, as {example}")
        return ()
    found = []
    for code, words in value.items():
        if not isinstance(words, dict):
            r.problem(f"{field}.{code}", f"must be a table with heading and label, as {example}")
            continue
        r.unknown(words, ("heading", "label"), prefix=f"{field}.{code}.")
        found.append((str(code), r.text(words, "heading", f"{field}.{code}.heading"),
                      r.text(words, "label", f"{field}.{code}.label")))
    return tuple(found)


def plural(word: str) -> str:
    """'Canvasses', 'Phone Banks', 'Parties': a section heading from a kind's singular name."""
    if re.search(r"(s|x|z|ch|sh)$", word, re.IGNORECASE):
        return word + "es"
    if re.search(r"[^aeiou]y$", word, re.IGNORECASE):
        return word[:-1] + "ies"
    return word + "s"


def _color(r: FieldReader, table: dict[str, Any], key: str, field: str) -> str | None:
    value = r.text(table, key, field)
    if value is not None and not HEX.match(value):
        r.problem(field, f"'{value}' must be a hex colour such as #1d5fb4")
        return None
    return value


def _theme(r: FieldReader, table: Any, root: Path, archive_url: str | None) -> Theme:
    if not isinstance(table, dict):
        r.problem("theme", "must be a [theme] table")
        return Theme()
    r.unknown(table, THEME_KEYS, prefix="theme.")
    defaults = Theme()
    accent = _color(r, table, "accent", "theme.accent") or defaults.accent
    background = _color(r, table, "background", "theme.background") or defaults.background
    text = _color(r, table, "text", "theme.text") or defaults.text
    for field, color in (("theme.text", text), ("theme.accent", accent)):
        ratio = contrast(color, background)
        if ratio < AA:
            r.problem(field, f"{color} on background {background} has contrast {ratio:.1f}:1, "
                             "under the 4.5:1 people need to read it")
    if contrast(readable_on(accent), accent) < AA:
        r.problem("theme.accent", f"no text colour reads well on buttons of {accent}: pick a darker or lighter accent")
    logo = None
    if table.get("logo") is not None:
        logo = read_image(r, table["logo"], "theme.logo", root, archive_url, "say what the logo shows, such as the group's name")
    return Theme(accent=accent, background=background, text=text, logo=logo)


class TomlLines:
    """Finds the line of a key such as 'theme.accent' or 'kinds[1].color' in TOML text.

    tomllib gives values without positions; this reads the table headers and
    `key =` lines so that a message can point at the line to fix.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        table = ""
        counts: dict[str, int] = {}
        for number, line in enumerate(text.split("\n"), start=1):
            header = self._HEADER.match(line)
            if header:
                name = header[2].replace('"', "").replace("'", "")
                if header[1] == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    name = f"{name}[{index}]"
                table = name
                self.lines.setdefault(table, number)
                self.lines.setdefault(table.split("[")[0], number)
                continue
            key = self._KEY.match(line)
            if key:
                name = key[1].strip('"')
                self.lines.setdefault(f"{table}.{name}" if table else name, number)

    def line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None
