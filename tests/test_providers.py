"""Every mailing-service preset: its tags reach the HTML, the text and the .eml exactly."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from bs4 import BeautifulSoup

from newsletter.outputs.build import build
from newsletter.sources.config import load_settings
from newsletter.errors import InvalidInput
from newsletter.providers import PRESETS

EVENT = "---\ntitle: Tenant meeting\nkind: meeting\nstart: 2018-01-24 18:00\n---\nCome along.\n"

TAGS = {
    "mailchimp": ("*|UNSUB|*", "*|ARCHIVE|*"),
    "listmonk": ("{{ UnsubscribeURL }}", "{{ MessageURL }}"),
    "sendgrid": ("<%asm_group_unsubscribe_raw_url%>", None),
    "mailgun": ("%unsubscribe_url%", None),
    "buttondown": ("{{ unsubscribe_url }}", "{{ email_url }}"),
}


def outputs(project, settings: str):
    project.settings(settings)
    project.event("meeting.md", EVENT)
    result = build(project.config, project.events, week="2018-W04")
    message = message_from_bytes(result.outputs["digest.eml"], policy=policy.default)
    return result.outputs["digest.html"].decode(), result.outputs["digest.txt"].decode(), message


@pytest.mark.parametrize("name", sorted(TAGS))
def test_preset_tags_arrive_exactly_as_the_service_expects(project, name):
    unsubscribe, view = TAGS[name]
    assert (PRESETS[name].unsubscribe, PRESETS[name].view_online) == (unsubscribe, view)
    html, text, message = outputs(project, f'name = "Tenants Weekly"\nprovider = "{name}"\n')
    hrefs = [a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")]
    assert f'href="{unsubscribe}"' in html and unsubscribe in hrefs
    assert f"Unsubscribe: {unsubscribe}" in text.split("\n")
    html_part = message.get_body(("html",)).get_content()
    text_part = message.get_body(("plain",)).get_content()
    assert f'href="{unsubscribe}"' in html_part and f"Unsubscribe: {unsubscribe}" in text_part
    if view:
        assert f'href="{view}"' in html and f'href="{view}"' in html_part
        assert text.startswith(f"View this email in your browser: {view}\n")
    else:
        assert "View this email in your browser" not in html
    assert "newsletter-merge-tag" not in html + text
    assert message["List-Unsubscribe"] is None  # the service adds its own


def test_custom_provider_sets_tags_by_hand(project):
    html, text, message = outputs(project, '''
name = "Tenants Weekly"

[provider]
name = "custom"
unsubscribe = "[[UNSUB_LINK]]"
view_online = "{$web_version}"
''')
    assert 'href="[[UNSUB_LINK]]"' in html and 'href="{$web_version}"' in html
    assert "Unsubscribe: [[UNSUB_LINK]]" in text
    assert "View this email in your browser: {$web_version}" in text


def test_list_address_with_https_unsubscribe_has_one_click_headers_and_footer(project):
    html, text, message = outputs(project, '''
name = "Tenants Weekly"
provider = "list"
to = "tenants@lists.example.org"
unsubscribe = "https://lists.example.org/leave/tenants"
''')
    assert message["To"] == "tenants@lists.example.org"
    assert message["List-Unsubscribe"] == "<https://lists.example.org/leave/tenants>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "To leave this list: https://lists.example.org/leave/tenants" in text
    footer = BeautifulSoup(html, "html.parser").find("a", href="https://lists.example.org/leave/tenants")
    assert footer.get_text() == "unsubscribe from Tenants Weekly"


def test_list_address_with_mailto_unsubscribe(project):
    html, text, message = outputs(project, '''
name = "Tenants Weekly"
provider = "mailman"
unsubscribe = "mailto:tenants-leave@lists.example.org"
''')
    assert message["List-Unsubscribe"] == "<mailto:tenants-leave@lists.example.org>"
    assert message["List-Unsubscribe-Post"] is None  # one-click needs an https address
    assert "To leave this list, send an email to tenants-leave@lists.example.org." in text
    assert 'href="mailto:tenants-leave@lists.example.org"' in html


def test_explicit_unsubscribe_overrides_the_preset(project):
    html, text, _ = outputs(project, 'name = "N"\nprovider = "mailchimp"\nunsubscribe = "https://example.org/leave"\n')
    assert "Unsubscribe: https://example.org/leave" in text and "*|UNSUB|*" not in html


def test_unknown_provider_is_named_with_a_suggestion(project):
    project.settings('name = "N"\nprovider = "mailchimps"\n')
    with pytest.raises(InvalidInput) as caught:
        load_settings(project.config)
    assert str(caught.value) == "newsletter.toml:2: provider: unknown provider 'mailchimps': did you mean 'mailchimp'?"
