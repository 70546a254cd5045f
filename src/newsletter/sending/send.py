"""`newsletter send`: hands the week's built message to an SMTP server.

The message sent is the `.eml` that `build` wrote, so what was checked is
what goes out; a proof only changes its subject, recipients and Message-ID.
Every real send is written to the send log, which refuses to send the same
thing (a week's digest, an event's notice) to the same people twice, however
its text changed in between.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from msgspec import Struct, field
from msgspec.structs import replace
from datetime import date, datetime, UTC
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from collections.abc import Callable

from newsletter.errors import NewsletterError
from newsletter.models import Settings, SmtpSettings

if TYPE_CHECKING:
    from newsletter.outputs.rendered import Rendered

PASSWORD_VARIABLE = "NEWSLETTER_SMTP_PASSWORD"
PROOF_PREFIX = "[PROOF] "


class SendFailed(NewsletterError):
    """Nothing, or not everything, was accepted; says who got the message and who did not."""

    def __init__(self, message: str, accepted: list[str] | None = None, refused: dict[str, str] | None = None,
                 uncertain: bool = False):
        super().__init__(message)
        self.accepted = accepted or []
        self.refused = refused or {}
        self.uncertain = uncertain  # cut off after the message was handed over: it may have gone out


class Delivery(Struct):
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    unlogged: str | None = None  # why the send log could not record that it went out


class Outgoing(Struct):
    """A message ready to go: built, written to dist/, addressed, not yet sent."""

    settings: Settings
    message: EmailMessage
    recipients: list[str]
    what: str  # for the log: "digest 2018-W04", "reminder <event id>"
    language: str | None  # the edition's, for a group that writes one per language
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

        announced = announce(config, events_dir, event, reminder=reminder, today=today, cache=cache)
        if announced.event.draft and not proof:
            raise NewsletterError(f"{announced.event.path} is a draft (draft: true): remove that line before "
                                  "sending it to the list (a --proof is fine)")
        about, what, warnings = f"Event: {announced.event.title} ({announced.kind})", what_of(announced), announced.warnings
        both: Rendered = announced
    else:
        from newsletter.outputs.build import build

        built = build(config, events_dir, week=week, today=today, drafts=drafts, preheader=preheader, cache=cache)
        about, what, warnings = f"Events: {len(built.digest.events)}", f"digest {built.week.id}", []
        both = built
    result = edition_of(both, language)
    if event:
        warnings = result.warnings
    edition = result.language if len(result.settings.editions) > 1 else None
    if edition:
        about = f"{about}; edition: {edition}"
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
    return Outgoing(settings, message, addresses, what, edition, about, proof, from_setting, saved, warnings)


def what_of(result) -> str:
    """What an event's email is, for the send log (and posted.log): a change notice is known by the change it announces."""
    return result.event.change if result.kind == "change notice" else f"{result.kind} {result.event.id}"


def label(outgoing: Outgoing) -> str:
    """What is sent, as the send log and its messages name it: "digest 2018-W04 (es)"."""
    return f"{outgoing.what} ({outgoing.language})" if outgoing.language else outgoing.what


def edition_of(result, language: str | None):
    """The edition to send: the one named by --language, which a group with several must give."""
    if language is None and result.translations:
        written = " or ".join(f"--language {e.language}" for e in result.editions)
        raise NewsletterError(f"--language: this group writes an edition per language; say which one to send: {written}")
    return result.edition(language)


class Repeat(Struct, frozen=True):
    """An earlier send of the same thing to some of the same people."""

    message: str
    interrupted: bool  # that send was cut off: it may or may not have gone out


def already_sent(outgoing: Outgoing) -> Repeat | None:
    """Why this send would repeat an earlier one, from the send log; None when it would not."""
    from newsletter.sending.sendlog import earlier_send, log_path, read_log, when

    if outgoing.proof:
        return None
    found = earlier_send(read_log(log_path(outgoing.settings.root)), outgoing.what, outgoing.language,
                         outgoing.recipients)
    if found is None:
        return None
    entry, who = found
    if entry.result in ("sent", "partly sent"):
        return Repeat(f"{label(outgoing)} went to {', '.join(who)} on {when(entry)}; "
                      "`--again` to send it anyway, e.g. as a correction", False)
    return Repeat(f"{label(outgoing)} may have gone to {', '.join(who)} on {when(entry)}: that send was cut off "
                  "before the server's answer was written down (see `newsletter sent`); look in the list's archive "
                  "or an inbox, then `--again` to send it anyway", True)


def unfilled_merge_tags(outgoing: Outgoing) -> str | None:
    """Why this message cannot go to people as it is: it carries merge tags that only the mailing service fills in."""
    settings = outgoing.settings
    provider = settings.provider
    own = settings.unsubscribe if settings.unsubscribe and not settings.unsubscribe.startswith(
        ("http:", "https:", "mailto:")) else None
    tags = [t for t in dict.fromkeys((provider.unsubscribe, provider.view_online, own)) if t]
    body = b"".join(part.get_content().encode("utf-8") for part in outgoing.message.iter_parts())
    found = [t for t in tags if t.encode("utf-8") in body]
    if not found:
        return None
    return (f"this message carries {provider.label}'s merge tags {', '.join(found)}, which only {provider.label} "
            f"fills in; sent from here they reach people as written")


def deliver(outgoing: Outgoing, password: str | None, now: Callable[[], datetime] | None = None) -> Delivery:
    """Send, writing the attempt to the send log before and its outcome after (proofs are not logged).

    Raises SendFailed. A send cut off between the two lines leaves an attempt
    without an outcome, which the next send of the same thing reads as "may
    have gone out".
    """
    from uuid import uuid4

    from newsletter.sending.sendlog import Entry, append, log_path

    smtp = require_smtp(outgoing.settings)
    clock = now or (lambda: datetime.now(UTC))
    path = log_path(outgoing.settings.root)
    attempt = Entry(time=_stamp(clock(), outgoing.settings), what=outgoing.what,
                    message_id=outgoing.message["Message-ID"], subject=str(outgoing.message["Subject"]),
                    recipients=outgoing.recipients, result="sending", language=outgoing.language,
                    attempt=uuid4().hex[:16])

    def accepted(delivery: Delivery) -> None:
        if not outgoing.proof:
            try:
                append(path, replace(attempt, time=_stamp(clock(), outgoing.settings), recipients=delivery.accepted,
                                     result="partly sent" if delivery.refused else "sent", refused=delivery.refused))
            except OSError as exc:  # the attempt line stays: the next send of it is told it may have gone out
                delivery.unlogged = f"{path}: could not record that it went out ({exc.strerror or exc})"

    refuse_before_sending(smtp, password)  # nothing is tried, so the send log has nothing to say
    if not outgoing.proof:
        try:
            append(path, attempt)
        except OSError as exc:
            raise SendFailed(f"{path}: cannot write the send log ({exc.strerror or exc}), which must know of a send "
                             "before it starts; nothing was sent") from None
    try:
        return send_message(outgoing.message, outgoing.recipients, smtp, outgoing.settings.sender, password,
                            tls_context(smtp, outgoing.settings.root), accepted)
    except SendFailed as exc:
        if not outgoing.proof and not exc.accepted and not exc.uncertain:
            append(path, replace(attempt, time=_stamp(clock(), outgoing.settings), recipients=[], result="failed",
                                 refused=exc.refused))
        raise


def _stamp(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.timezone).isoformat(timespec="seconds")


def tls_context(smtp: SmtpSettings, root: Path) -> ssl.SSLContext:
    """The system's trusted authorities, or the group's own with `[smtp] ca_file`."""
    if smtp.ca_file:
        return ssl.create_default_context(cafile=str(root / smtp.ca_file))
    return ssl.create_default_context()


def outgoing_message(eml: bytes, recipients: list[str], proof: bool) -> EmailMessage:
    """The built message, ready for these recipients; a proof says so in its subject."""
    from newsletter.outputs.mime import POLICY, set_header

    message = message_from_bytes(eml, policy=POLICY)
    if proof:
        set_header(message, "Subject", PROOF_PREFIX + str(message["Subject"]))
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


def refuse_before_sending(smtp: SmtpSettings, password: str | None) -> None:
    """SendFailed for what no connection could change: a password missing, or one that would go unencrypted."""
    if smtp.username and not password:
        raise SendFailed(f"smtp: set {PASSWORD_VARIABLE} to the password for {smtp.username}")
    if smtp.password_in_clear:
        raise SendFailed(f"smtp: security = \"none\" would send the password for {smtp.username} to "
                         f"{smtp.host}:{smtp.port} unencrypted; set security = \"starttls\" (port 587) or \"ssl\" "
                         "(port 465)")


def send_message(message: EmailMessage, recipients: list[str], smtp: SmtpSettings, sender: str,
                 password: str | None, context: ssl.SSLContext | None = None,
                 accepted: Callable[[Delivery], None] | None = None) -> Delivery:
    """Deliver to the SMTP server within `smtp.timeout` seconds in all; raises SendFailed with a one-line reason.

    `accepted` is called as soon as the server has taken the message, before
    the connection is closed, so that what went out is known even if the
    process is stopped right after.
    """
    where = f"{smtp.host}:{smtp.port}"
    refuse_before_sending(smtp, password)
    context = context or ssl.create_default_context()
    envelope_from = parseaddr(sender)[1]
    phase = "before"  # "data" once the message is being handed over, "accepted" once the server took it
    delivery = Delivery()
    client: smtplib.SMTP | None = None
    with _Deadline(smtp.timeout) as deadline:
        try:
            if smtp.security == "ssl":
                client = deadline.watch(smtplib.SMTP_SSL)(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
            else:
                client = deadline.watch(smtplib.SMTP)(smtp.host, smtp.port, timeout=smtp.timeout)
            if smtp.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise SendFailed(f"{where} does not offer STARTTLS: set smtp.security to \"ssl\" or check the port")
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, password or "")
            refused = _envelope(client, envelope_from, recipients)
            phase = "data"
            code, text = client.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
            if code != 250:
                raise smtplib.SMTPDataError(code, text)
            phase = "accepted"
            delivery = Delivery(accepted=[r for r in recipients if r not in refused],
                                refused={r: _reason(code, text) for r, (code, text) in refused.items()})
            if accepted is not None:
                accepted(delivery)
        except SendFailed:
            raise
        except Exception as exc:
            if phase == "accepted":  # the send log could not be written: that must not pass unnoticed
                raise
            raise _failure(exc, where, smtp, envelope_from, deadline.expired, uncertain=phase == "data") from None
        finally:
            if client is not None:
                _close(client, politely=phase == "accepted" and not deadline.expired)
    if delivery.refused:
        raise SendFailed(f"{where} refused some recipients", delivery.accepted, delivery.refused)
    return delivery


def _envelope(client: smtplib.SMTP, envelope_from: str, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
    """MAIL FROM and one RCPT TO each; gives the refused recipients, raising when the sender or all are refused."""
    client.ehlo_or_helo_if_needed()
    code, text = client.mail(envelope_from)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, envelope_from)
    refused = {}
    for recipient in recipients:
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, text)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    return refused


def _close(client: smtplib.SMTP, politely: bool) -> None:
    """Say QUIT when the conversation went well; close the connection in any case."""
    try:
        if politely:
            client.quit()
    except (smtplib.SMTPException, OSError):
        pass  # the message was accepted: a lost goodbye changes nothing
    finally:
        client.close()


def _failure(exc: Exception, where: str, smtp: SmtpSettings, envelope_from: str, expired: bool,
             uncertain: bool) -> SendFailed:
    """The one-line reason for what went wrong while talking to the server."""
    maybe = "; the server may have accepted the message before that, so look before sending again" if uncertain else ""
    timed_out = isinstance(exc, (socket.timeout, TimeoutError)) or (
        isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc))
    if expired or timed_out:
        return SendFailed(f"{where} did not finish within {smtp.timeout:g} s{maybe}", uncertain=uncertain)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reasons = {r: _reason(code, text) for r, (code, text) in exc.recipients.items()}
        return SendFailed(f"{where} refused every recipient", [], reasons)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendFailed(f"{where} refused the login for {smtp.username}: {_reason(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SendFailed(f"{where} refused the sender {envelope_from}: {_reason(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendFailed(f"{where} does not support what was asked: {exc} (check smtp.security and smtp.port)")
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendFailed(f"{where} answered {_reason(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = "" if smtp.ca_file else (
            "; if the server's certificate comes from your organization's own authority, set smtp.ca_file to it")
        return SendFailed(f"{where}: TLS failed: {exc.reason or exc}: {exc.verify_message}{hint}")
    if isinstance(exc, ssl.SSLError):
        return SendFailed(f"{where}: TLS failed: {exc.reason or exc}{maybe}", uncertain=uncertain)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendFailed(f"{where} closed the connection: {exc}{maybe}", uncertain=uncertain)
    if isinstance(exc, OSError) and not uncertain:
        return SendFailed(f"cannot connect to {where}: {exc.strerror or exc}")
    if isinstance(exc, OSError):
        return SendFailed(f"{where}: the connection failed: {exc.strerror or exc}{maybe}", uncertain=True)
    raise exc


_Client = TypeVar("_Client", bound=smtplib.SMTP)


class _Deadline:
    """Ends the conversation when its time is up, however the server trickles its answers.

    The client's own time-out applies to each read, so a server that sends one
    continuation line a second would keep it waiting for ever. A watcher thread
    shuts the client's socket at the deadline; the blocked read then fails at once.
    """

    def __init__(self, seconds: float):
        import threading

        self.seconds = seconds
        self.client: smtplib.SMTP | None = None
        self.done = threading.Event()
        self.expired = False
        self.watcher = threading.Thread(target=self._watch, name="smtp-deadline", daemon=True)

    def watch(self, base: type[_Client]) -> type[_Client]:
        """`base`, made to show the watcher its connection as soon as it is opened, greeting included."""
        deadline = self

        class Watched(base):  # type: ignore[valid-type, misc]  # a subclass of the class given, made here
            def connect(self, *args, **kwargs):
                deadline.client = self
                return super().connect(*args, **kwargs)

        return Watched

    def __enter__(self) -> _Deadline:
        self.watcher.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.done.set()
        self.watcher.join()

    def _watch(self) -> None:
        if self.done.wait(self.seconds):
            return
        self.expired = True
        while not self.done.is_set():  # the socket may not exist yet while the connection is being made
            sock = self.client.sock if self.client is not None else None
            if sock is not None:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.done.wait(0.05)


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
