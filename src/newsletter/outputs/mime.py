"""An email (digest or announcement) as a standard message, built with Python's `email` package."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from newsletter.sources.fields import is_url
from newsletter.models import RenderedEmail, Settings


def build_message(email: RenderedEmail, settings: Settings, ident: str, now: datetime) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part second, both UTF-8.

    `ident` names what the message is, such as the week '2018-W04' or
    'announce.<event id>'; it goes into the Message-ID.
    """
    message = EmailMessage(policy=POLICY)
    set_header(message, "Subject", email.subject)
    set_header(message, "From", settings.sender)
    set_header(message, "To", settings.recipient)
    if settings.reply_to:
        set_header(message, "Reply-To", settings.reply_to)
    message["Date"] = format_datetime(now.astimezone(settings.timezone))
    message["Message-ID"] = message_id(email, settings, ident)
    if list_id := list_identifier(settings):
        # RFC 2919: filters and clients sort list mail by it; Precedence tells autoresponders to stay quiet.
        set_header(message, "List-Id", list_id)
        message["Precedence"] = "list"
    if settings.unsubscribe and is_url(settings.unsubscribe, ("http", "https", "mailto")):
        message["List-Unsubscribe"] = f"<{settings.unsubscribe}>"
        if settings.unsubscribe.lower().startswith("https://"):
            # RFC 8058: mail clients may unsubscribe with one POST to the https address.
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


# Headers are written folded as set_header folds them, never folded again: Python's own folding puts a long
# first word (an encoded display name, a long subject) on a line of its own, leaving `From:` empty.
POLICY = policy.SMTP.clone(refold_source="none")
WRAP = 78  # RFC 5322's recommended line length
WORDS = 76  # email.header's line length: a continuation line of one encoded word keeps it to 75 (RFC 2047)
_PHRASE_AND_ID = ("From", "To", "Reply-To", "List-Id")  # a display name, then <address> (List-Id: <id>)


def set_header(message: EmailMessage, name: str, value: str) -> None:
    """Set `name`, folded inside its value where RFC 5322 folds, each piece of non-ASCII text an RFC 2047 encoded word.

    The first line always carries the start of the value, so that the field is never empty there; the
    encoding is the standard library's (email.header), the folding of a name and its address ours.
    """
    del message[name]
    message.set_raw(name, _named(name, value) if name in _PHRASE_AND_ID else _words(name, value))


def _words(name: str, value: str) -> str:
    """Unstructured text: runs of ASCII words as they are, runs with other characters as encoded words."""
    from email.header import Header

    header = Header(maxlinelen=WORDS, header_name=name)
    runs: list[tuple[bool, list[str]]] = []
    for word in value.split(" "):
        if runs and runs[-1][0] == word.isascii():
            runs[-1][1].append(word)
        else:
            runs.append((word.isascii(), [word]))
    for plain, words in runs:
        header.append(" ".join(words), "us-ascii" if plain else "utf-8")
    return header.encode()


def _named(name: str, value: str) -> str:
    from email.header import Header

    display, address = parseaddr(value)
    if not address and "<" in value:  # a List-Id such as 'Name <announce.example.org>'
        display, address = value.rsplit("<", 1)[0].strip(), value.rsplit("<", 1)[1].rstrip("> ")
    if not display:
        return f"<{address}>" if name == "List-Id" else address
    if display.isascii():
        phrase = formataddr((display, "x@x")).removesuffix(" <x@x>")
    else:
        phrase = Header(display, "utf-8", maxlinelen=WORDS, header_name=name).encode()
    last = phrase.rsplit("\n", 1)[-1]
    taken = len(last) + (len(name) + 2 if "\n" not in phrase else 0)
    joiner = " " if taken + len(address) + 3 <= WRAP else "\n "
    return f"{phrase}{joiner}<{address}>"


def list_identifier(settings: Settings) -> str | None:
    """'ISO Boston announcements <announce.example.org>': the list_id setting, or one made from the `to` address."""
    if settings.list_id:
        name, identifier = parseaddr(settings.list_id)
        if not identifier and "<" not in settings.list_id:
            identifier = settings.list_id.strip()
        return f"{name} <{identifier}>" if name else f"<{identifier}>"
    if not settings.to:
        return None
    name, address = parseaddr(settings.to)
    local, _, domain = address.partition("@")
    return f"{name or settings.name} <{local}.{domain}>"


def message_id(email: RenderedEmail, settings: Settings, ident: str) -> str:
    """Stable for the same content, new when anything in the email changes."""
    digest = hashlib.sha256((email.subject + email.text + email.html).encode()).hexdigest()[:16]
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    return f"<newsletter.{ident}.{digest}@{domain}>"


def to_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=POLICY)
