"""Sending through a real SMTP server on loopback (aiosmtpd), with STARTTLS and AUTH."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from newsletter.cli import main

USER, PASSWORD = "organizer", "s3cret-passw0rd"
REFUSED = "nobody@example.org"


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
    assert any(l.startswith("Size: ") and "text/html" in l for l in lines)
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
    assert result.stderr.startswith(f"Not sent: 127.0.0.1:{port} did not answer within 1 s")


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
    [entry] = log_lines(project_with_smtp)
    assert (entry["what"], entry["subject"], entry["recipients"], entry["result"]) == (
        "digest 2018-W04", "ISO Boston Events: January 22–28, 2018", ["announce@example.org"], "sent")
    assert entry["message_id"].startswith("<newsletter.2018-W04.") and entry["time"][:4] == "2026"
    again = run("send", "--week", "2018-W04", "--yes", "--to", "someone@example.org", "--to", "announce@example.org")
    assert again.exit_code == 1 and len(mailbox.received) == 2
    assert again.stderr == (f"Not sent: this message was already sent to announce@example.org at {entry['time']} "
                            "(see `newsletter sent`): add --again to send it once more\n")
    forced = run("send", "--week", "2018-W04", "--yes", "--again")
    assert forced.exit_code == 0 and len(mailbox.received) == 3 and len(log_lines(project_with_smtp)) == 2
    listed = run("sent")
    assert listed.exit_code == 0
    assert listed.stdout.split("\n")[:2] == [f"{entry['time']}  digest 2018-W04  sent: ISO Boston Events: January 22–28, 2018",
                                             f"    to announce@example.org  {entry['message_id']}"]


def test_a_partial_send_is_logged_with_who_did_not_get_it(project_with_smtp, smtp_server):
    result = run("send", "--week", "2018-W04", "--to", "me@example.org", "--to", REFUSED, "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Partly sent: ")
    [entry] = log_lines(project_with_smtp)
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
