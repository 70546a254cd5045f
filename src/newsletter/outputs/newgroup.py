"""`newsletter init`: a new group's folder, with settings a volunteer can read and one example event.

Nothing is ever overwritten: a file that exists is left alone and named.
"""

from __future__ import annotations

import json
from msgspec import Struct, field
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsletter.errors import NewsletterError
from newsletter.providers import NAMES

GITIGNORE = ("# What newsletter writes: rebuild it any time.\ndist/\nsite/\n.newsletter-cache/\n"
             "# Held while a send is under way (sent.log itself is worth committing).\nsent.log.lock\n")

SETTINGS = """\
# {name}: the settings of your newsletter. Lines starting with # are notes,
# and the settings in them are off, at the default they show; remove the #
# to change one. Every setting is explained in newsletter's documentation (Settings).

name = {name_value}
timezone = {timezone_value}              # event times are read in this zone
from = {from_value}
{provider_line}{address_line}
# organization = "The group's full name, for the footer"
# reply_to = "Organizers <organizers@example.org>"
# to = "Our list <list@example.org>"    # the list address; send goes here without --to
# list_id = "Our list <list.example.org>"
# unsubscribe = "https://example.org/leave"   # or the service's tag; set by provider
# archive_url = "https://example.org/news/"   # where `newsletter archive` is published
# language = "en"
# week_start = "monday"                  # or "sunday"
# coming_up_weeks = 2
# subject = "{{{{ name }}}}: {{{{ week.label }}}}"
# announce_subject = "{{{{ event.short_date }}}} {{{{ event.headline }}}}"

# [digest]
# layout = "auto"                        # "full", "compact" or "auto"
# max_html_kb = 80

# [theme]
# accent = "#1d5fb4"                     # links and buttons
# background = "#ffffff"
# text = "#1f2328"
# logo = {{ src = "https://example.org/logo.png", alt = "{name}" }}   # or a file: images/logo.png

# [[kinds]]                              # add a section, or change one by id
# id = "canvass"
# after = "rally"

# [smtp]                                 # for `newsletter send`; the password goes in
# host = "smtp.example.org"              # the NEWSLETTER_SMTP_PASSWORD variable
# port = 587
# security = "starttls"
# username = "news@example.org"
"""


class NewGroup(Struct):
    name: str
    timezone: str
    sender: str
    provider: str | None = None
    address: str | None = None
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def guess_timezone() -> str:
    """The system's IANA zone ('America/New_York'), or UTC when it cannot be told."""
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # tzlocal raises various errors on odd systems; the guess is only a default
        return "UTC"
    return name if name and name not in ("Etc/UTC", "UTC", "Etc/Universal") else "UTC"


def check_answers(group: NewGroup) -> None:
    """Raise NewsletterError naming the first answer that cannot go in the settings."""
    if not group.name.strip():
        raise NewsletterError("--name: the newsletter needs a name")
    try:
        ZoneInfo(group.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name that is a folder of the tzdata package
        raise NewsletterError(f"--timezone: unknown time zone '{group.timezone}' "
                              "(use an IANA name such as America/New_York)") from None
    if "@" not in parseaddr(group.sender)[1]:
        raise NewsletterError(f"--from: '{group.sender}' is not an email address (write Name <news@example.org>)")
    if group.provider and group.provider not in NAMES:
        raise NewsletterError(f"--provider: unknown provider '{group.provider}' (one of: {', '.join(NAMES)})")


def create(folder: Path, group: NewGroup, today: date) -> NewGroup:
    """Write newsletter.toml, .gitignore and events/ with an example event in `folder`, keeping what exists."""
    from newsletter.sources.config import load_settings
    from newsletter.outputs.scaffold import new_event

    check_answers(group)
    folder.mkdir(parents=True, exist_ok=True)
    settings = SETTINGS.format(
        name=group.name, name_value=_quote(group.name), timezone_value=_quote(group.timezone),
        from_value=_quote(group.sender),
        provider_line=f"provider = {_quote(group.provider)}              # the mailing service\n" if group.provider
        else "# provider = \"mailchimp\"             # the mailing service: its unsubscribe tag\n",
        address_line=f"address = {_quote(group.address)}        # the postal address anti-spam laws ask for\n"
        if group.address else "# address = \"Street, City\"            # the postal address anti-spam laws ask for\n",
    )
    _write_new(folder / "newsletter.toml", settings, group)
    _write_new(folder / ".gitignore", GITIGNORE, group)
    events = folder / "events"
    events.mkdir(exist_ok=True)
    if not any(events.rglob("*.md")):
        next_week = today + timedelta(days=7 - today.weekday() + 3)  # Thursday of next week
        path = new_event(events, load_settings(folder / "newsletter.toml"), "meeting", "Our first meeting",
                         f"{next_week.isoformat()} 19:00", "21:00", "TBD")
        group.written.append(path)
    return group


def _write_new(path: Path, text: str, group: NewGroup) -> None:
    try:
        with open(path, "x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError:
        group.kept.append(path)
        return
    group.written.append(path)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string
