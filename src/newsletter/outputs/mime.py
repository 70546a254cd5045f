"""An email (digest or announcement) as a standard message, built with Python's `email` package."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from newsletter.sources.fields import is_url
from newsletter.models import RenderedEmail, Settings


def build_message(email: RenderedEmail, settings: Settings, ident: str, now: datetime) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part second, both UTF-8.

    `ident` names what the message is, such as the week '2018-W04' or
    'announce.<event id>'; it goes into the Message-ID.
    """
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = email.subject
    message["From"] = settings.sender
    message["To"] = settings.recipient
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Date"] = format_datetime(now.astimezone(settings.timezone))
    message["Message-ID"] = message_id(email, settings, ident)
    if list_id := list_identifier(settings):
        # RFC 2919: filters and clients sort list mail by it; Precedence tells autoresponders to stay quiet.
        message["List-Id"] = list_id
        message["Precedence"] = "list"
    if settings.unsubscribe and is_url(settings.unsubscribe, ("http", "https", "mailto")):
        message["List-Unsubscribe"] = f"<{settings.unsubscribe}>"
        if settings.unsubscribe.lower().startswith("https://"):
            # RFC 8058: mail clients may unsubscribe with one POST to the https address.
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


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
    return message.as_bytes(policy=policy.SMTP)
