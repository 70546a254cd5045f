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


def headers_of(raw: bytes) -> list[tuple[str, list[str]]]:
    """Each header as (name, its physical lines), as they stand in the message before the body."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    fields: list[tuple[str, list[str]]] = []
    for line in head:
        if line[:1] in (" ", "\t"):
            fields[-1][1].append(line)
        else:
            fields.append((line.split(":", 1)[0], [line]))
    return fields


def test_headers_fold_inside_the_value_in_arabic_chinese_and_long_subjects(sample):
    import re

    config = sample / "newsletter.toml"
    cases = {
        "ar": ('from = "الاشتراكيون الثوريون في بوسطن والمنطقة المحيطة بها <events@example.org>"', "ar"),
        "zh": ('subject = "{{ name }}：{{ week.label }}：反对性别歧视的斗争、团结叙利亚、为Siham和Naseem伸张正义的集会"', "zh"),
        "long": ('subject = "{{ name }}: {{ week.label }}, with a rally, a panel, a meeting, a fund drive and a study '
                 'group"\nreply_to = "ISO Boston Events with a long name for the group here <boston@example.org>"', "en"),
    }
    original = config.read_text()
    for name, (lines, language) in cases.items():
        text = "\n".join(row for row in original.split("\n") if not row.startswith(("from =", "subject =", "reply_to =")))
        config.write_text(text.replace('name = "ISO Boston Events"',
                                       f'name = "ISO Boston Events"\nlanguage = "{language}"\n{lines}'))
        raw = build(config, sample / "events", week="2018-W04").outputs["digest.eml"]
        for field, physical in headers_of(raw):
            assert physical[0][len(field) + 1:].strip(), (name, field, physical)  # the value starts on its own line
            assert all(len(line) <= 78 for line in physical), (name, field, physical)
            assert all(len(word) <= 75 for word in re.findall(r"=\?[^?]+\?[bqBQ]\?[^?]*\?=", "".join(physical)))
        message = parse(raw)
        if name == "ar":
            # RFC 2047 joins adjacent encoded words without the space between them, as mail clients and the
            # standard library's decode_header do; Python's newer parser keeps that space inside a display name.
            from email.header import decode_header, make_header

            found = dict(headers_of(raw))["From"]
            decoded = str(make_header(decode_header("\r\n".join(found)[len("From: "):])))
            assert decoded == "الاشتراكيون الثوريون في بوسطن والمنطقة المحيطة بها <events@example.org>"
        if name == "zh":
            from datetime import date

            from babel.dates import format_interval

            # the week as the installed Babel writes it, in a subject's plain spaces
            week = " ".join(format_interval(date(2018, 1, 22), date(2018, 1, 28), "yMMMMd", locale="zh").split())
            assert message["Subject"] == f"ISO Boston Events：{week}：反对性别歧视的斗争、团结叙利亚、为Siham和Naseem伸张正义的集会"
        if name == "long":
            assert message["Subject"] == ("ISO Boston Events: January 22–28, 2018, with a rally, a panel, a meeting, a "
                                          "fund drive and a study group")
            assert message["Reply-To"] == "ISO Boston Events with a long name for the group here <boston@example.org>"
        assert not message["Subject"].startswith(" ") and not message["From"].startswith(" ")


def test_the_size_as_sent_is_the_html_parts_size_in_the_eml(sample):
    from newsletter.rendering.render import sent_bytes

    result = build(sample / "newsletter.toml", sample / "events", week="2018-W04")
    html = next(p for p in parse(result.outputs["digest.eml"]).iter_parts() if p.get_content_type() == "text/html")
    in_eml = len(html.get_payload())
    assert in_eml > len(result.outputs["digest.html"]) * 1.05  # quoted-printable weighs more than the file
    assert abs(sent_bytes(result.outputs["digest.html"].decode()) - in_eml) <= in_eml // 500
