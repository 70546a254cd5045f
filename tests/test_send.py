"""Sending through a real SMTP server on loopback (aiosmtpd), with STARTTLS and AUTH."""

from __future__ import annotations

import socket
from pathlib import Path
from datetime import datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from newsletter.cli import main

USER, PASSWORD = "organizer", "s3cret-passw0rd"
REFUSED = "nobody@example.org"


LIST_SETTINGS = 'provider = "list"\nunsubscribe = "mailto:announce-leave@example.org"'


@pytest.fixture(autouse=True)
def sending_from_here(sample):
    """The sample pastes into Mailchimp; these tests send to people, so the group sends through its own list."""
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('provider = "mailchimp"', LIST_SETTINGS))


def with_mailchimp(root) -> None:
    config = root / "newsletter.toml"
    config.write_text(config.read_text().replace(LIST_SETTINGS, 'provider = "mailchimp"'))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses one address."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    import trustme

    authority = trustme.CA()
    server_cert = authority.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    ca_file = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return authority, server_cert, ca_file


@pytest.fixture
def smtp_server(certificates):
    import ssl

    authority, server_cert, _ = certificates
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, auth_require_tls=True, authenticator=check_login,
                            auth_required=True, ready_timeout=10)
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def project_with_smtp(sample, smtp_server, certificates, monkeypatch):
    controller, _ = smtp_server
    config = sample / "newsletter.toml"
    config.write_text(config.read_text() + f'''
[smtp]
host = "127.0.0.1"
port = {controller.port}
security = "starttls"
username = "{USER}"
timeout = 5
''')
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates[2]))  # trust the test authority
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
    return sample


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_proof_arrives_with_both_parts_and_the_merge_tags(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    with_mailchimp(project_with_smtp)
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 0, result.output
    assert result.stdout == 'Sent "[PROOF] ISO Boston Events: January 22–28, 2018" to me@example.org\n'
    [(sender, recipients, raw)] = mailbox.received
    assert sender == "events@example.org" and recipients == ["me@example.org"]
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "[PROOF] ISO Boston Events: January 22–28, 2018"
    assert message["To"] == "me@example.org"
    assert message["From"] == "ISO Boston <events@example.org>"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert 'href="*|UNSUB|*"' in html and 'href="*|ARCHIVE|*"' in html
    assert "Unsubscribe: *|UNSUB|*" in text
    built = message_from_bytes((project_with_smtp / "dist" / "2018-W04" / "digest.eml").read_bytes(), policy=policy.default)
    assert message["Message-ID"] != built["Message-ID"]  # a proof never collides with the real send
    assert PASSWORD not in result.output


def test_a_real_send_asks_first_and_sends_on_yes(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    declined = run("send", "--week", "2018-W04", "--to", "announce@example.org", input="n\n")
    assert declined.exit_code == 0 and mailbox.received == []
    assert declined.stdout.endswith("Send this to everyone above? [y/N]: n\nNot sent.\n")
    assert "Subject: ISO Boston Events: January 22–28, 2018" in declined.stdout
    assert "Recipients (1): announce@example.org" in declined.stdout
    assert "Events: 4" in declined.stdout
    accepted = run("send", "--week", "2018-W04", "--to", "announce@example.org", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    [(_, recipients, raw)] = mailbox.received
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "ISO Boston Events: January 22–28, 2018"
    assert message["To"] == "ISO Boston announcements <announce@example.org>"


def test_yes_skips_the_question(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", "announce@example.org", "--yes")
    assert result.exit_code == 0 and len(smtp_server[1].received) == 1


def test_dry_run_sends_nothing(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--to", "you@example.org", "--dry-run")
    assert result.exit_code == 0
    lines = result.stdout.split("\n")
    assert lines[0] == "Dry run: nothing sent."
    assert "Subject: ISO Boston Events: January 22–28, 2018" in lines
    assert "Recipients (2): me@example.org, you@example.org" in lines
    assert any(line.startswith("Size: ") and "text/html" in line for line in lines)
    assert smtp_server[1].received == []


def test_wrong_password_is_a_clear_failure_and_keeps_the_message(project_with_smtp, smtp_server, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "not-it")
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    port = smtp_server[0].port
    assert result.stderr.startswith(f"Not sent: 127.0.0.1:{port} refused the login for organizer: 535")
    assert "The message is saved in dist/2018-W04/digest.eml" in result.stderr
    assert "not-it" not in result.output
    assert (project_with_smtp / "dist" / "2018-W04" / "digest.eml").exists()


def test_missing_password(project_with_smtp, monkeypatch):
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD")
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert "Not sent: smtp: set NEWSLETTER_SMTP_PASSWORD to the password for organizer" in result.stderr


def test_partial_failure_says_who_got_it(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--to", REFUSED, "--proof")
    assert result.exit_code == 1
    assert result.stderr.startswith("Partly sent: ") and "refused some recipients" in result.stderr
    assert "  delivered to: me@example.org" in result.stderr
    assert f"  not delivered to {REFUSED}: 550 5.1.1 No such user here" in result.stderr
    assert [r for _, r, _ in smtp_server[1].received] == [["me@example.org"]]


def test_every_recipient_refused(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", REFUSED, "--proof")
    assert result.exit_code == 1
    assert "refused every recipient" in result.stderr and f"not delivered to {REFUSED}" in result.stderr


def test_server_gone(sample, monkeypatch):
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    controller.stop()  # the server was there, and now it is not
    config = sample / "newsletter.toml"
    config.write_text(config.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\n')
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Not sent: cannot connect to 127.0.0.1:{controller.port}: Connection refused")


def test_untrusted_certificate_is_a_tls_failure(project_with_smtp, monkeypatch, tmp_path):
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert "TLS failed" in result.stderr and "CERTIFICATE_VERIFY_FAILED" in result.stderr


def test_silent_server_times_out(sample, monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never says hello
        port = listener.getsockname()[1]
        config = sample / "newsletter.toml"
        config.write_text(config.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 1\n')
        result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Not sent: 127.0.0.1:{port} did not finish within 1 s")


def test_server_without_starttls_or_auth_is_explained(sample):
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        config = sample / "newsletter.toml"
        config.write_text(config.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\n')
        no_tls = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
        config.write_text(config.read_text() + 'security = "none"\nusername = "u"\n')
    finally:
        controller.stop()
    assert no_tls.exit_code == 1
    assert no_tls.stderr.startswith(f'Not sent: 127.0.0.1:{controller.port} does not offer STARTTLS: set smtp.security to "ssl"')


def test_send_needs_smtp_settings_and_real_addresses(sample):
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert result.stderr == "newsletter.toml: smtp: add an [smtp] table with host, port, security and username to send\n"
    result = run("send", "--week", "2018-W04", "--to", "not-an-address", "--proof")
    assert result.exit_code == 1 and result.stderr == "--to: 'not-an-address' is not an email address\n"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_on_the_ssl_port(sample, certificates, monkeypatch):
    import ssl

    _, server_cert, ca_file = certificates
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    mailbox = Mailbox()
    # The whole connection is TLS here; aiosmtpd only counts STARTTLS as TLS for AUTH.
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), ssl_context=context,
                            authenticator=check_login, auth_required=True, auth_require_tls=False,
                            ready_timeout=10)
    controller.start()
    try:
        config = sample / "newsletter.toml"
        config.write_text(config.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\n'
                          f'security = "ssl"\nusername = "{USER}"\n')
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
        result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    [(_, recipients, raw)] = mailbox.received
    assert recipients == ["me@example.org"] and b"[PROOF]" in raw


def test_an_events_change_notice_goes_out_through_the_same_path(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    event = "2018-01-11-united-front-study-group"
    declined = run("send", "--event", event, "--today", "2018-01-09", "--to", "announce@example.org", input="n\n")
    assert declined.exit_code == 0 and mailbox.received == [] and declined.stdout.endswith("Not sent.\n")
    subject = "RESCHEDULED: 1/11 Study Group: Left Organizing Tactics in the Age of Trump: The United Front"
    assert f"Subject: {subject}" in declined.stdout
    assert "Event: Left Organizing Tactics in the Age of Trump: The United Front (change notice)" in declined.stdout
    proof = run("send", "--event", event, "--today", "2018-01-09", "--to", "me@example.org", "--proof")
    assert proof.exit_code == 0, proof.output
    assert proof.stdout == f'Sent "[PROOF] {subject}" to me@example.org\n'
    [(_, recipients, raw)] = mailbox.received
    message = message_from_bytes(raw, policy=policy.default)
    assert recipients == ["me@example.org"] and message["Subject"] == f"[PROOF] {subject}"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "RESCHEDULED" in message.get_body(("plain",)).get_content()
    saved = project_with_smtp / "dist" / "announce" / event / "announcement.eml"
    assert message_from_bytes(saved.read_bytes(), policy=policy.default)["Subject"] == subject


def test_a_reminder_is_sent_with_yes(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    result = run("send", "--event", "2018-01-27-justice-for-siham-and-naseem-rally", "--reminder",
                 "--today", "2018-01-26", "--to", "announce@example.org", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == 'Sent "Tomorrow: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally" to announce@example.org\n'
    [(_, _, raw)] = mailbox.received
    assert message_from_bytes(raw, policy=policy.default)["To"] == "ISO Boston announcements <announce@example.org>"


def test_a_draft_event_goes_out_only_as_a_proof(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    path = project_with_smtp / "events" / "2018-01-25-metoo-fight-against-sexism.md"
    path.write_text(path.read_text().replace("kind: meeting", "kind: meeting\ndraft: true"))
    result = run("send", "--event", path.stem, "--today", "2018-01-20", "--to", "announce@example.org", "--yes")
    assert result.exit_code == 1 and mailbox.received == []
    assert result.stderr == ("events/2018-01-25-metoo-fight-against-sexism.md is a draft (draft: true): remove that "
                             "line before sending it to the list (a --proof is fine)\n")
    proof = run("send", "--event", path.stem, "--today", "2018-01-20", "--to", "me@example.org", "--proof")
    assert proof.exit_code == 0 and len(mailbox.received) == 1
    assert "is a draft" in proof.stderr


def test_a_failed_announcement_send_says_where_the_message_is(project_with_smtp, monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "wrong")
    result = run("send", "--event", "2018-01-27-justice-for-siham-and-naseem-rally", "--today", "2018-01-20",
                 "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert result.stderr.startswith("Not sent: 127.0.0.1:")
    assert result.stderr.endswith("The message is saved in dist/announce/2018-01-27-justice-for-siham-and-naseem-rally/announcement.eml\n")


# Sending without accidents ------------------------------------------------------------

def log_lines(root) -> list[dict]:
    import json

    path = root / "sent.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def logged_sends(root) -> list[dict]:
    """Each send's last line: its outcome, or its attempt when nothing came after it."""
    last = {}
    for line in log_lines(root):
        last[line.get("attempt") or id(line)] = line
    return list(last.values())


def test_without_to_it_goes_to_the_list_and_says_so(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", input="y\n")
    assert result.exit_code == 0, result.output
    assert ("Recipients (1): announce@example.org (the `to` setting in newsletter.toml; --to sends elsewhere)"
            in result.stdout)
    assert [r for _, r, _ in smtp_server[1].received] == [["announce@example.org"]]


def test_a_proof_needs_to(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--proof")
    assert result.exit_code == 1 and smtp_server[1].received == []
    assert result.stderr == "--proof: say who gets the proof with --to (a proof never goes to the list)\n"


def test_each_send_is_logged_and_the_same_message_is_not_sent_twice(project_with_smtp, smtp_server):
    _, mailbox = smtp_server
    assert run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof").exit_code == 0
    assert log_lines(project_with_smtp) == []  # a proof is not a send to the list
    first = run("send", "--week", "2018-W04", "--yes")
    assert first.exit_code == 0, first.output
    attempt, entry = log_lines(project_with_smtp)  # written before the message is handed over, and after
    assert (attempt["result"], attempt["attempt"]) == ("sending", entry["attempt"])
    assert (entry["what"], entry["subject"], entry["recipients"], entry["result"]) == (
        "digest 2018-W04", "ISO Boston Events: January 22–28, 2018", ["announce@example.org"], "sent")
    assert entry["message_id"].startswith("<newsletter.2018-W04.") and entry["time"][:4] == "2026"
    again = run("send", "--week", "2018-W04", "--yes", "--to", "someone@example.org", "--to", "announce@example.org")
    assert again.exit_code == 1 and len(mailbox.received) == 2
    stamp = datetime.fromisoformat(entry["time"])
    assert again.stderr == (f"Not sent: digest 2018-W04 went to announce@example.org on {stamp:%a %b} {stamp.day} "
                            f"{stamp:%H:%M}; `--again` to send it anyway, e.g. as a correction\n")
    forced = run("send", "--week", "2018-W04", "--yes", "--again")
    assert forced.exit_code == 0 and len(mailbox.received) == 3 and len(logged_sends(project_with_smtp)) == 2
    listed = run("sent")
    assert listed.exit_code == 0
    assert listed.stdout.split("\n")[:2] == [f"{attempt['time']}  digest 2018-W04  sent: ISO Boston Events: January 22–28, 2018",
                                             f"    to announce@example.org  {entry['message_id']}"]


def test_a_partial_send_is_logged_with_who_did_not_get_it(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--to", REFUSED, "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Partly sent: ")
    [entry] = logged_sends(project_with_smtp)
    assert entry["result"] == "partly sent" and entry["recipients"] == ["me@example.org"]
    assert entry["refused"] == {REFUSED: "550 5.1.1 No such user here"}
    retry = run("send", "--week", "2018-W04", "--to", REFUSED, "--yes")  # not sent to them yet: allowed
    assert "already sent" not in retry.stderr


def test_a_garbled_log_is_named_not_ignored(project_with_smtp, smtp_server):
    (project_with_smtp / "sent.log").write_text("not json\n")
    result = run("send", "--week", "2018-W04", "--yes")
    assert result.exit_code == 1 and smtp_server[1].received == []
    assert result.stderr == "sent.log:1: not a line newsletter wrote; fix or remove it (each line is one send, in JSON)\n"


def test_a_private_certificate_authority_with_ca_file(project_with_smtp, smtp_server, certificates, monkeypatch):
    import shutil

    monkeypatch.delenv("SSL_CERT_FILE")
    untrusted = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert untrusted.exit_code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr and "set smtp.ca_file to it" in untrusted.stderr
    shutil.copy(certificates[2], project_with_smtp / "our-ca.pem")
    config = project_with_smtp / "newsletter.toml"
    config.write_text(config.read_text().replace("timeout = 5\n", 'timeout = 5\nca_file = "our-ca.pem"\n'))
    trusted = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert trusted.exit_code == 0, trusted.output


# The second week: corrections, two sends at once, sends cut off, slow servers -----------

def plain_server(handler=None) -> Controller:
    """A loopback SMTP server without TLS or login, as a test list's relay might be."""
    controller = Controller(handler or Mailbox(), hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    return controller


def use_server(root, port: int, extra: str = "") -> None:
    config = root / "newsletter.toml"
    config.write_text(config.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n{extra}')


def test_a_corrected_digest_is_still_that_weeks_digest(sample):
    mailbox = Mailbox()
    controller = plain_server(mailbox)
    try:
        use_server(sample, controller.port)
        assert run("send", "--week", "2018-W04", "--yes").exit_code == 0
        event = sample / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
        event.write_text(event.read_text().replace("Rally", "Rally!", 1))  # a typo fixed after sending
        corrected = run("send", "--week", "2018-W04", "--yes")
        proof = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
        asked = run("send", "--week", "2018-W04", "--again", input="y\n")
    finally:
        controller.stop()
    [first] = logged_sends(sample)[:1]
    stamp = datetime.fromisoformat(first["time"])
    earlier = f"digest 2018-W04 went to announce@example.org on {stamp:%a %b} {stamp.day} {stamp:%H:%M}"
    assert corrected.exit_code == 1
    assert corrected.stderr == f"Not sent: {earlier}; `--again` to send it anyway, e.g. as a correction\n"
    assert proof.exit_code == 0, proof.output  # a proof to someone else is never blocked
    assert asked.exit_code == 0, asked.output
    assert f"Note: {earlier}; `--again` to send it anyway, e.g. as a correction\nSend it again anyway? [y/N]: y\n" in asked.stdout
    assert [r for _, r, _ in mailbox.received] == [["announce@example.org"], ["me@example.org"], ["announce@example.org"]]


class SlowMailbox(Mailbox):
    """Takes its time over each message, as a busy relay does."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(2)
        return await super().handle_DATA(server, session, envelope)


def newsletter_process(root, *args):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "newsletter", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def wait_for(condition, seconds: float = 20) -> None:
    import time

    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


def test_two_sends_at_once_deliver_once_and_the_second_names_the_first(sample):
    mailbox = SlowMailbox()
    controller = plain_server(mailbox)
    lock = sample / "sent.log.lock"
    try:
        use_server(sample, controller.port)
        first = newsletter_process(sample, "send", "--week", "2018-W04", "--yes")
        wait_for(lambda: lock.exists() and lock.read_text().strip())
        second = newsletter_process(sample, "send", "--week", "2018-W04", "--yes")
        outputs = [p.communicate(timeout=60) for p in (first, second)]
    finally:
        controller.stop()
    assert (first.returncode, second.returncode) == (0, 1), outputs
    assert outputs[1][1].startswith("Not sent: another send is under way (digest 2018-W04 to announce@example.org, "
                                    "process ")
    assert len(mailbox.received) == 1 and [e["result"] for e in logged_sends(sample)] == ["sent"]
    again = run("send", "--week", "2018-W04", "--yes")  # the lock is let go: the guard answers now
    assert again.exit_code == 1 and "digest 2018-W04 went to announce@example.org" in again.stderr


class ScriptedServer:
    """A bare SMTP server on loopback that answers the way the test says, to stop or stall at any point.

    `after_data` is "accept" (250, then no answer to QUIT) or "stall" (no answer
    to the message at all); `greeting_lines` trickles that many "220-" lines,
    one every `interval` seconds, before the greeting ends.
    """

    def __init__(self, after_data="accept", greeting_lines=0, interval=0.25):
        import threading

        self.after_data, self.greeting_lines, self.interval = after_data, greeting_lines, interval
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.got_message = threading.Event()
        self.got_quit = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(30)
            for number in range(self.greeting_lines):
                if self.stop.wait(self.interval):
                    return
                try:
                    connection.sendall(f"220-still saying hello {number}\r\n".encode())
                except OSError:
                    return
            connection.sendall(b"220 ready\r\n")
            stream = connection.makefile("rb")
            for _ in range(200):  # a bounded conversation
                line = stream.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT"):
                    connection.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    while stream.readline() not in (b".\r\n", b""):
                        pass
                    self.got_message.set()
                    if self.after_data == "accept":
                        connection.sendall(b"250 queued\r\n")
                    else:
                        self.stop.wait(30)
                        return
                elif verb == b"QUIT":
                    self.got_quit.set()
                    self.stop.wait(30)  # never says goodbye
                    return

    def close(self):
        self.stop.set()
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.mark.parametrize("after_data", ["accept", "stall"])
def test_a_send_cut_off_is_not_repeated_blindly(sample, after_data):
    server = ScriptedServer(after_data)
    try:
        use_server(sample, server.port, "timeout = 30\n")
        process = newsletter_process(sample, "send", "--week", "2018-W04", "--yes")
        # Stopped like a closed laptop: after the server took the message, before the goodbye.
        wait_for(server.got_quit.is_set if after_data == "accept" else server.got_message.is_set)
        process.kill()
        process.communicate(timeout=30)
    finally:
        server.close()
    [entry] = logged_sends(sample)
    again = run("send", "--week", "2018-W04", "--yes")
    assert again.exit_code == 1
    if after_data == "accept":  # the outcome was written before QUIT
        assert entry["result"] == "sent"
        assert "Not sent: digest 2018-W04 went to announce@example.org on " in again.stderr
        return
    assert entry["result"] == "sending"  # the attempt, with no outcome
    assert again.stderr.startswith("Not sent: digest 2018-W04 may have gone to announce@example.org on ")
    assert "that send was cut off" in again.stderr and "`--again` to send it anyway" in again.stderr
    asked = run("send", "--week", "2018-W04", input="n\n")
    assert asked.exit_code == 0 and asked.stdout.endswith("Send it again anyway? [y/N]: n\nNot sent.\n")
    assert "Note: digest 2018-W04 may have gone to announce@example.org" in asked.stdout
    assert "  digest 2018-W04  cut off, may have gone out: ISO Boston Events" in run("sent").stdout


def test_the_timeout_bounds_the_whole_conversation(sample):
    import time

    server = ScriptedServer(greeting_lines=60, interval=0.25)  # a line every quarter second, for 15 s
    try:
        use_server(sample, server.port, "timeout = 1\n")
        started = time.monotonic()
        result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
        took = time.monotonic() - started
    finally:
        server.close()
    assert result.exit_code == 1
    assert f"Not sent: 127.0.0.1:{server.port} did not finish within 1 s" in result.stderr
    assert took < 8, took


def test_no_password_goes_out_unencrypted(sample, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to connect")

    monkeypatch.setattr(socket, "create_connection", no_network)  # this test must never reach the network
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
    config = sample / "newsletter.toml"
    config.write_text(config.read_text() + f'\n[smtp]\nhost = "smtp.example.org"\nport = 25\nsecurity = "none"\n'
                      f'username = "{USER}"\n')
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    assert result.exit_code == 1
    assert result.stderr.startswith(f'Not sent: smtp: security = "none" would send the password for {USER} to '
                                    'smtp.example.org:25 unencrypted; set security = "starttls" (port 587) or "ssl"')
    checked = run("check", "--week", "2018-W04")
    assert 'smtp.security = "none" sends the password for organizer unencrypted to smtp.example.org' in checked.stdout


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_password_may_go_unencrypted_to_this_computer(sample, monkeypatch):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=check_login,
                            auth_required=True, auth_require_tls=False, ready_timeout=10)
    controller.start()
    try:
        use_server(sample, controller.port, f'username = "{USER}"\n')
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
        result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert len(mailbox.received) == 1


def test_a_mailing_services_merge_tags_never_reach_people_raw(sample):
    mailbox = Mailbox()
    controller = plain_server(mailbox)
    try:
        with_mailchimp(sample)
        use_server(sample, controller.port)
        to_list = run("send", "--week", "2018-W04", "--yes")
        proof = run("send", "--week", "2018-W04", "--to", "me@example.org", "--proof")
    finally:
        controller.stop()
    assert to_list.exit_code == 1
    assert to_list.stderr == (
        "Not sent: this message carries Mailchimp's merge tags *|UNSUB|*, *|ARCHIVE|*, which only Mailchimp fills in; "
        "sent from here they reach people as written. Paste dist/2018-W04/digest.html into Mailchimp and send it "
        "from there; or, to send from here, set provider = \"list\" and an https: or mailto: unsubscribe in "
        "newsletter.toml (a --proof to yourself is fine)\n")
    assert proof.exit_code == 0, proof.output
    assert proof.stderr == ("warning: this message carries Mailchimp's merge tags *|UNSUB|*, *|ARCHIVE|*, which only "
                            "Mailchimp fills in; sent from here they reach people as written\n")
    assert [r for _, r, _ in mailbox.received] == [["me@example.org"]]


def test_list_leaves_out_a_change_notice_that_was_sent(sample):
    study = "2018-01-11-united-front-study-group"
    controller = plain_server()
    try:
        use_server(sample, controller.port)
        before = run("list", "--week", "2018-W02", "--today", "2018-01-08")
        proof = run("send", "--event", study, "--today", "2018-01-08", "--to", "me@example.org", "--proof")
        after_proof = run("list", "--week", "2018-W02", "--today", "2018-01-08")
        sent = run("send", "--event", study, "--today", "2018-01-08", "--yes")
        after = run("list", "--week", "2018-W02", "--today", "2018-01-08")
    finally:
        controller.stop()
    assert f"newsletter send --event {study}" in before.stdout
    assert proof.exit_code == 0 and after_proof.stdout == before.stdout  # a proof is not the notice
    assert sent.exit_code == 0, sent.output
    assert "Change notices to send" not in after.stdout
    [entry] = logged_sends(sample)
    assert entry["what"] == f"change notice {study} (rescheduled 2018-01-11 19:00)"


def test_without_to_or_a_to_setting_send_refuses_and_says_how(sample):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('to = "ISO Boston announcements <announce@example.org>"\n', ""))
    result = run("send", "--week", "2018-W04", "--yes")
    assert result.exit_code == 1
    assert result.stderr == '--to: say who gets it, or set to = "Our list <list@example.org>" in newsletter.toml\n'
    settings = (Path(__file__).resolve().parents[1] / "docs" / "settings.md").read_text()
    assert "| `to` | none | " in settings and "without it, `send` needs `--to`" in settings


def test_a_missing_password_leaves_no_line_in_the_send_log(project_with_smtp, smtp_server, monkeypatch):
    """Nothing was tried, so nothing is logged: not an attempt, not a failure."""
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD")
    result = run("send", "--week", "2018-W04", "--yes")
    assert result.exit_code == 1 and "set NEWSLETTER_SMTP_PASSWORD" in result.stderr
    assert not (project_with_smtp / "sent.log").exists() and smtp_server[1].received == []


def test_a_send_log_that_cannot_be_written_stops_the_send_in_one_line(project_with_smtp, smtp_server, monkeypatch):
    """A read-only disk (simulated: the tests run with rights that ignore file modes) refuses the attempt's line."""
    import errno

    from newsletter.sending import sendlog

    def read_only(path, entry):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(sendlog, "append", read_only)
    result = run("send", "--week", "2018-W04", "--yes")
    assert result.exit_code == 1 and smtp_server[1].received == []
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Not sent:")]
    assert "sent.log: cannot write the send log (Read-only file system)" in line and "nothing was sent" in line
    assert "Traceback" not in result.output


def test_a_send_the_log_cannot_record_afterwards_is_said_and_asked_about_next_time(project_with_smtp, smtp_server,
                                                                                  monkeypatch):
    """The message went out but its outcome line could not be written: the command says so, and the attempt's
    line makes the next send of it ask first."""
    import errno

    from newsletter.sending import sendlog

    written = sendlog.append

    def full_after_the_attempt(path, entry):
        if entry.result != "sending":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written(path, entry)

    monkeypatch.setattr(sendlog, "append", full_after_the_attempt)
    result = run("send", "--week", "2018-W04", "--yes")
    assert result.exit_code == 0 and len(smtp_server[1].received) == 1
    assert "warning: " in result.stderr and "could not record that it went out (No space left on device)" in result.stderr
    monkeypatch.setattr(sendlog, "append", written)
    again = run("send", "--week", "2018-W04", input="n\n")
    assert len(smtp_server[1].received) == 1 and "may have gone to" in again.output and "Not sent." in again.output
