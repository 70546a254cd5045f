"""`newsletter send`: hands the week's built message to an SMTP server.

The message sent is the `.eml` that `build` wrote, so what was checked is
what goes out; a proof only changes its subject, recipients and Message-ID.
Every real send is written to the send log, which refuses to send the same
message to the same people twice.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

from newsletter.errors import NewsletterError
from newsletter.models import Settings, SmtpSettings

PASSWORD_VARIABLE = "NEWSLETTER_SMTP_PASSWORD"
PROOF_PREFIX = "[PROOF] "


class SendFailed(NewsletterError):
    """Nothing, or not everything, was accepted; says who got the message and who did not."""

    def __init__(self, message: str, accepted: list[str] | None = None, refused: dict[str, str] | None = None):
        super().__init__(message)
        self.accepted = accepted or []
        self.refused = refused or {}


@dataclass
class Delivery:
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


@dataclass
class Outgoing:
    """A message ready to go: built, written to dist/, addressed, not yet sent."""

    settings: Settings
    message: EmailMessage
    recipients: list[str]
    what: str  # for the log: "digest 2018-W04", "reminder <event id>"
    about: str  # for the confirmation: "Events: 4"
    proof: bool
    from_setting: bool  # the recipients are the `to` setting, no --to given
    saved: Path | None
    warnings: list = field(default_factory=list)


def prepare(config: Path, events_dir: Path, recipients: list[str], week: str | None = None, event: str | None = None,
            reminder: bool = False, proof: bool = False, today: date | None = None, drafts: bool = False,
            preheader: str | None = None, language: str | None = None, cache: bool = True) -> Outgoing:
    """Build the digest (or `event`'s email), write it to dist/, and address it; raises NewsletterError.

    A group that writes an edition per language sends one at a time: `language` says which.
    """
    if event:
        from newsletter.outputs.announce import announce

        result = announce(config, events_dir, event, reminder=reminder, today=today, cache=cache)
        if result.event.draft and not proof:
            raise NewsletterError(f"{result.event.path} is a draft (draft: true): remove that line before "
                                  "sending it to the list (a --proof is fine)")
        about, what, warnings = f"Event: {result.event.title} ({result.kind})", f"{result.kind} {result.event.id}", result.warnings
    else:
        from newsletter.outputs.build import build

        result = build(config, events_dir, week=week, today=today, drafts=drafts, preheader=preheader, cache=cache)
        about, what, warnings = f"Events: {len(result.digest.events)}", f"digest {result.week.id}", []
    result = _edition(result, language)
    if event:
        warnings = result.warnings
    if len(result.settings.editions) > 1:
        what, about = f"{what} ({result.language})", f"{about}; edition: {result.language}"
    settings = result.settings
    from_setting = not recipients
    if from_setting:
        if proof:
            raise NewsletterError("--proof: say who gets the proof with --to (a proof never goes to the list)")
        if not settings.to:
            raise NewsletterError("--to: say who gets it, or set to = \"Our list <list@example.org>\" in newsletter.toml")
        recipients = [settings.to]
    addresses = check_recipients(recipients)
    message = outgoing_message(result.outputs[result.eml_name], addresses, proof)
    saved = next((p for p in result.written if p.name == result.eml_name), None)
    return Outgoing(settings, message, addresses, what, about, proof, from_setting, saved, warnings)


def _edition(result, language: str | None):
    """The edition to send: the one named by --language, which a group with several must give."""
    if language is None and result.translations:
        written = " or ".join(f"--language {e.language}" for e in result.editions)
        raise NewsletterError(f"--language: this group writes an edition per language; say which one to send: {written}")
    return result.edition(language)


def already_sent(outgoing: Outgoing) -> str | None:
    """Why this send would repeat an earlier one, from the send log; None when it would not."""
    from newsletter.sending.sendlog import earlier_send, log_path, read_log

    if outgoing.proof:
        return None
    found = earlier_send(read_log(log_path(outgoing.settings.root)), outgoing.message["Message-ID"],
                         outgoing.recipients)
    if found is None:
        return None
    entry, who = found
    return (f"this message was already sent to {', '.join(who)} at {entry.time} (see `newsletter sent`): "
            "add --again to send it once more")


def deliver(outgoing: Outgoing, password: str | None, now: datetime | None = None) -> Delivery:
    """Send, then write the result to the send log (a proof is not logged); raises SendFailed."""
    from newsletter.sending.sendlog import Entry, append, log_path

    smtp = require_smtp(outgoing.settings)
    try:
        delivery = send_message(outgoing.message, outgoing.recipients, smtp, outgoing.settings.sender, password,
                                tls_context(smtp, outgoing.settings.root))
    except SendFailed as exc:
        delivery, failure = Delivery(exc.accepted, exc.refused), exc
    else:
        failure = None
    if delivery.accepted and not outgoing.proof:
        stamp = (now or datetime.now(timezone.utc)).astimezone(outgoing.settings.timezone)
        append(log_path(outgoing.settings.root), Entry(
            time=stamp.isoformat(timespec="seconds"), what=outgoing.what, message_id=outgoing.message["Message-ID"],
            subject=str(outgoing.message["Subject"]), recipients=delivery.accepted,
            result="partly sent" if delivery.refused else "sent", refused=delivery.refused))
    if failure is not None:
        raise failure
    return delivery


def tls_context(smtp: SmtpSettings, root: Path) -> ssl.SSLContext:
    """The system's trusted authorities, or the group's own with `[smtp] ca_file`."""
    if smtp.ca_file:
        return ssl.create_default_context(cafile=str(root / smtp.ca_file))
    return ssl.create_default_context()


def outgoing_message(eml: bytes, recipients: list[str], proof: bool) -> EmailMessage:
    """The built message, ready for these recipients; a proof says so in its subject."""
    message = message_from_bytes(eml, policy=policy.SMTP)
    if proof:
        subject = message["Subject"]
        del message["Subject"]
        message["Subject"] = PROOF_PREFIX + subject
        del message["To"]
        message["To"] = ", ".join(recipients)
        domain = message["Message-ID"].rsplit("@", 1)[-1].rstrip(">") if message["Message-ID"] else None
        del message["Message-ID"]
        # A proof gets its own ID, so the real send is not taken for a duplicate.
        message["Message-ID"] = make_msgid("proof", domain=domain)
    return message


def check_recipients(recipients: list[str]) -> list[str]:
    cleaned = []
    for recipient in recipients:
        address = parseaddr(recipient)[1]
        if "@" not in address:
            raise NewsletterError(f"--to: '{recipient}' is not an email address")
        cleaned.append(address)
    return cleaned


def send_message(message: EmailMessage, recipients: list[str], smtp: SmtpSettings, sender: str,
                 password: str | None, context: ssl.SSLContext | None = None) -> Delivery:
    """Deliver to the SMTP server; raises SendFailed with a one-line reason."""
    where = f"{smtp.host}:{smtp.port}"
    if smtp.username and not password:
        raise SendFailed(f"smtp: set {PASSWORD_VARIABLE} to the password for {smtp.username}")
    context = context or ssl.create_default_context()
    envelope_from = parseaddr(sender)[1]
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise SendFailed(f"{where} does not offer STARTTLS: set smtp.security to \"ssl\" or check the port")
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, password or "")
            refused = client.send_message(message, from_addr=envelope_from, to_addrs=recipients)
    except SendFailed:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = {r: _reason(code, text) for r, (code, text) in exc.recipients.items()}
        raise SendFailed(f"{where} refused every recipient", [], reasons) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"{where} refused the login for {smtp.username}: {_reason(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendFailed(f"{where} refused the sender {envelope_from}: {_reason(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendFailed(f"{where} does not support what was asked: {exc} (check smtp.security and smtp.port)") from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"{where} answered {_reason(exc.smtp_code, exc.smtp_error)}") from None
    except ssl.SSLCertVerificationError as exc:
        hint = "" if smtp.ca_file else (
            "; if the server's certificate comes from your organization's own authority, set smtp.ca_file to it")
        raise SendFailed(f"{where}: TLS failed: {exc.reason or exc}: {exc.verify_message}{hint}") from None
    except ssl.SSLError as exc:
        raise SendFailed(f"{where}: TLS failed: {exc.reason or exc}") from None
    except (socket.timeout, TimeoutError):
        raise SendFailed(f"{where} did not answer within {smtp.timeout:g} s") from None
    except smtplib.SMTPServerDisconnected as exc:
        if "timed out" in str(exc):  # smtplib reports a read time-out as a disconnection
            raise SendFailed(f"{where} did not answer within {smtp.timeout:g} s") from None
        raise SendFailed(f"{where} closed the connection: {exc}") from None
    except OSError as exc:
        raise SendFailed(f"cannot connect to {where}: {exc.strerror or exc}") from None
    delivery = Delivery(
        accepted=[r for r in recipients if r not in refused],
        refused={r: _reason(code, text) for r, (code, text) in refused.items()},
    )
    if delivery.refused:
        raise SendFailed(f"{where} refused some recipients", delivery.accepted, delivery.refused)
    return delivery


def _reason(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def summary_lines(message: EmailMessage, recipients: list[str]) -> list[str]:
    """What would be sent, for --dry-run and the confirmation prompt."""
    lines = [f"{name}: {message[name]}" for name in
             ("Subject", "From", "To", "Reply-To", "Date", "Message-ID", "List-Id", "List-Unsubscribe") if message[name]]
    parts = {part.get_content_type(): len(part.get_content().encode("utf-8")) for part in message.iter_parts()}
    sizes = ", ".join(f"{kind} {size / 1000:.1f} KB" for kind, size in parts.items())
    lines.append(f"Size: {len(message.as_bytes()) / 1000:.1f} KB ({sizes})")
    lines.append(f"Recipients ({len(recipients)}): {', '.join(recipients)}")
    return lines


def describe(outgoing: Outgoing) -> list[str]:
    """The confirmation: what goes to whom, and where the recipients came from."""
    lines = summary_lines(outgoing.message, outgoing.recipients)
    if outgoing.from_setting:
        lines[-1] += " (the `to` setting in newsletter.toml; --to sends elsewhere)"
    return lines + [outgoing.about]


def require_smtp(settings: Settings) -> SmtpSettings:
    if settings.smtp is None:
        raise NewsletterError(f"{settings.path}: smtp: add an [smtp] table with host, port, security and username to send")
    return settings.smtp
