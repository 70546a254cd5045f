"""The .eml file, parsed back with Python's email package."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.utils import parseaddr, parsedate_to_datetime

from newsletter.outputs.build import build


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_sample_eml_parses_as_multipart_alternative_text_first(sample):
    result = build(sample / "newsletter.toml", sample / "events", week="2018-W04")
    message = parse(result.outputs["digest.eml"])
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    # On the wire every line ends in CRLF; the words are the same as the files'.
    assert parts[0].get_content().replace("\r\n", "\n") == result.outputs["digest.txt"].decode()
    assert parts[1].get_content().replace("\r\n", "\n") == result.outputs["digest.html"].decode()
    assert message["Subject"] == "ISO Boston Events: January 22–28, 2018"
    assert parseaddr(message["From"])[1] == "events@example.org"
    assert parseaddr(message["To"])[1] == "announce@example.org"
    assert parseaddr(message["Reply-To"])[1] == "boston@example.org"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<newsletter.2018-W04.") and message["Message-ID"].endswith("@example.org>")
    assert message["MIME-Version"] == "1.0"
    assert message["List-Unsubscribe"] is None  # a merge tag is the service's to fill in


def test_raw_message_lines_stay_within_the_rfc_limit(sample):
    raw = build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs["digest.eml"]
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    assert raw.isascii()  # 8-bit text is quoted-printable encoded


def test_non_ascii_subject_is_encoded_and_decodes_back(project):
    project.settings('name = "Café Solidarité"\nfrom = "Élise <elise@example.org>"\nunsubscribe = "https://example.org/leave"\n')
    project.event("a.md", "---\ntitle: Asamblea de inquilinos ✊\nkind: meeting\nstart: 2018-01-24 18:00\n---\n")
    raw = build(project.config, project.events, week="2018-W04").outputs["digest.eml"]
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in header_block.lower()
    message = parse(raw)
    assert message["Subject"] == "Café Solidarité: January 22–28, 2018"
    assert message["From"].addresses[0].display_name == "Élise"
    assert message["To"] == message["From"]  # no list address: To is the sender, the list goes in Bcc
    assert message["List-Unsubscribe"] == "<https://example.org/leave>"
    assert "Asamblea de inquilinos ✊" in message.get_body(("plain",)).get_content()


def test_mailto_unsubscribe_becomes_list_unsubscribe(project):
    project.settings('name = "N"\nunsubscribe = "mailto:leave@example.org?subject=unsubscribe"\n')
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    message = parse(build(project.config, project.events, week="2018-W04").outputs["digest.eml"])
    assert message["List-Unsubscribe"] == "<mailto:leave@example.org?subject=unsubscribe>"


def test_a_message_to_a_list_carries_list_id_and_precedence(sample):
    message = parse(build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs["digest.eml"])
    assert message["List-Id"] == "ISO Boston announcements <announce.example.org>"
    assert message["Precedence"] == "list"


def test_list_id_setting_and_no_list(project):
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    project.settings('name = "N"\nlist_id = "Eastside tenants <news.eastside.example.org>"\n')
    message = parse(build(project.config, project.events, week="2018-W04").outputs["digest.eml"])
    assert message["List-Id"] == "Eastside tenants <news.eastside.example.org>"
    project.settings('name = "N"\n')  # no list address: sent to people one by one
    message = parse(build(project.config, project.events, week="2018-W04").outputs["digest.eml"])
    assert message["List-Id"] is None and message["Precedence"] is None
