"""The pre-send check: each finding, its severity, and what `check` does with them."""

from __future__ import annotations

from msgspec.structs import replace
import shutil

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.checks.lint import lint
from newsletter.models import RenderedEmail
from newsletter.providers import PRESETS

FOOTER = '<p><a href="*|UNSUB|*">Unsubscribe from Tenants Weekly</a></p>'


def findings(settings, body: str, subject: str = "Tenants Weekly: January 22–28", preheader: str = "This week: a rally"):
    settings = replace(settings, unsubscribe="*|UNSUB|*", address="12 Example St", provider=PRESETS["mailchimp"])
    html = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}{FOOTER}</body></html>"
    return [str(f) for f in lint(RenderedEmail(subject, preheader, html, "text"), settings)]


def test_a_clean_email_has_no_findings(settings):
    assert findings(settings, '<p><a href="https://example.org/rsvp">RSVP for the rally</a></p>') == []


@pytest.mark.parametrize("body, expected", [
    ('<img src="https://example.org/a.png">',
     "error: image 'https://example.org/a.png' has no alt text (fix: add alt: to the event's image, or alt text to the template's <img>)"),
    ('<a href="/about">About us</a>',
     "error: link 'About us' is not a full https:// address: /about (fix: write the whole address, starting with https://)"),
    ('<a href="http://example.org/x">the petition</a>',
     "warning: link 'the petition' is not secure: http://example.org/x (fix: use the https:// address)"),
    ('<a href="https://example.org/x"></a>',
     "error: a link to https://example.org/x has no text (fix: give the link words that say where it goes)"),
    ('<a href="https://example.org/x">Click here</a>',
     "warning: link text 'Click here' does not say where it goes (fix: name the destination, such as 'the petition' or 'RSVP for the rally')"),
    ('<a href="https://example.org/a">RSVP</a><a href="https://example.org/b">RSVP</a>',
     "warning: 2 different links all say 'rsvp' (fix: make each link's text say where it goes)"),
    ('<p style="color:#aaaaaa">faint words</p>',
     "error: text coloured #aaaaaa on #ffffff has contrast 2.3:1, under 4.5:1 (fix: pick theme colours (or template styles) with more contrast)"),
    ('<div style="background-color:#1d5fb4"><a style="color:#2266bb" href="https://example.org/d">Donate</a></div>',
     "error: text coloured #2266bb on #1d5fb4 has contrast 1.1:1, under 4.5:1 (fix: pick theme colours (or template styles) with more contrast)"),
    ("<p>" + "x" * 103_000 + "</p>",
     "error: the HTML is 105.9 KB as sent; Gmail clips messages over 102 KB and hides the rest (fix: shorten event descriptions, or link to the full text instead)"),
])
def test_each_finding(settings, body, expected):
    assert expected in findings(settings, body)


def test_subject_and_preheader(settings):
    found = findings(settings, "", subject="S" * 71, preheader="")
    assert "warning: the subject is 71 characters; inboxes cut it off after about 70 (fix: shorten the subject setting)" in found
    assert any(f.startswith("warning: there is no preheader") for f in found)


def test_missing_unsubscribe_and_address(settings):
    html = "<html><body><p>Hi</p></body></html>"
    found = [str(f) for f in lint(RenderedEmail("S", "P", html, "t"), settings)]
    assert found == [
        "error: the email has no unsubscribe link or merge tag (fix: set provider (such as \"mailchimp\") or unsubscribe in newsletter.toml)",
        "warning: there is no postal address in the footer; anti-spam laws such as CAN-SPAM ask for one (fix: set address in newsletter.toml)",
    ]


def test_a_list_that_adds_its_own_footer_only_warns(settings):
    listed = replace(settings, provider=PRESETS["list"])
    found = [str(f) for f in lint(RenderedEmail("S", "P", "<html><body><p>Hi</p></body></html>", "t"), listed)]
    assert found == ["warning: the email has no unsubscribe link; Mailing-list address adds its own footer "
                     "(fix: set unsubscribe in newsletter.toml so the email says how to leave as well)"]


def test_the_rendered_sample_is_clean_but_for_its_example_from_address(sample):
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-20"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.split("\n") if line.startswith(("warning", "error"))] == [
        "warning: the from address ISO Boston <events@example.org> is an example address, which no one can reply to "
        "and spam filters distrust (fix: set from in newsletter.toml to the group's own address)"]
    assert result.stdout.endswith("OK: settings and 5 event files are valid; 0 errors, 1 warning\n")


def test_warnings_fail_only_with_strict(sample):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('address = "ISO Boston · Boston, MA, USA"\n', "")
                      .replace("events@example.org", "events@isoboston.test"))
    relaxed = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-20"])
    assert relaxed.exit_code == 0
    assert "warning: there is no postal address in the footer" in relaxed.stdout
    strict = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-20", "--strict"])
    assert strict.exit_code == 1 and strict.stderr == "Not ready: 0 errors, 1 warning\n"


def test_errors_fail_the_check(sample):
    (sample / "events" / "2018-01-26-link.md").write_text(
        "---\ntitle: Film\nkind: other\nstart: 2018-01-26 19:00\nlinks:\n  - label: click here\n    url: http://example.org/film\n---\n")
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04"])
    assert result.exit_code == 0  # both are warnings
    assert "warning: link 'click here' is not secure: http://example.org/film (fix: use the https:// address)" in result.stdout
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('provider = "mailchimp"', ""))
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04"])
    assert result.exit_code == 1
    assert "error: the email has no unsubscribe link or merge tag" in result.stdout


def test_theme_contrast_is_refused_in_the_settings(project):
    project.settings('name = "N"\n[theme]\ntext = "#999999"\n')
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "newsletter.toml:3: theme.text: #999999 on background #ffffff has contrast 2.8:1" in result.stderr


def _spamassassin():
    from conftest import require

    require(shutil.which("spamassassin") is not None, "SpamAssassin: sudo apt-get install spamassassin")


def test_spam_score_of_the_sample_is_low_and_the_parts_agree(sample):
    _spamassassin()
    from newsletter.outputs.build import build
    from newsletter.checks.spam import spam_report

    report = spam_report(build(sample / "newsletter.toml", sample / "events", week="2018-W04").outputs["digest.eml"])
    assert report.score < 1.0, report.rules
    assert report.required == 5.0
    assert not {"MPART_ALT_DIFF", "MPART_ALT_DIFF_COUNT", "MIME_HTML_ONLY", "MISSING_DATE", "MISSING_MID",
                "MISSING_HEADERS", "HTML_FONT_LOW_CONTRAST"} & set(report.names)


def test_check_spam_prints_score_and_rules(sample):
    _spamassassin()
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--spam"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    score_line = next(line for line in lines if line.startswith("SpamAssassin (local tests only): score "))
    assert float(score_line.split("score ")[1].split()[0]) < 1.0
    assert any(line.strip().endswith("BODY: HTML included in message") for line in lines)


def test_spam_catches_a_message_built_to_look_like_spam(sample):
    _spamassassin()
    from newsletter.checks.spam import spam_report

    raw = (b"From: winner@example.com\r\nSubject: FREE MONEY!!! ACT NOW!!!\r\n\r\n"
           b"<html><body><font color=white>free money</font> CLICK HERE to claim your $1,000,000 prize"
           b" 100% FREE guaranteed viagra</body></html>\r\n")
    report = spam_report(raw)
    assert report.score > 3.0 and "MISSING_DATE" in report.names



# What would embarrass a group --------------------------------------------------------------

def check_lines(*args: str) -> list[str]:
    result = CliRunner().invoke(main, ["check", *args])
    return [line for line in result.stdout.split("\n") if line.startswith(("warning", "error"))]


def test_the_example_text_of_new_is_an_error(project):
    project.settings('name = "N"\ntimezone = "America/New_York"\nunsubscribe = "*|UNSUB|*"\naddress = "1 St"\n')
    assert CliRunner().invoke(main, ["new", "rally", "Rent strike rally", "--start", "2018-01-27 12:00"]).exit_code == 0
    assert check_lines("--week", "2018-W04", "--today", "2018-01-20") == [
        "error: events/2018-01-27-rent-strike-rally.md: the description is still the example text of `newsletter new` "
        "(fix: write what the event is about under the --- line, or delete that paragraph)",
        "warning: there is no from address, so the email would come from newsletter@example.org (fix: set from in "
        "newsletter.toml, such as from = \"Our Group <news@our-group.org>\")"]


def test_defaults_left_and_events_over_or_cancelled_without_a_word(project):
    project.settings('name = "N"\nfrom = "News <news@example.com>"\nunsubscribe = "*|UNSUB|*"\naddress = "1 St"\n')
    project.event("a.md", "---\ntitle: Picket\nkind: rally\nstart: 2018-01-22 12:00\nend: \"13:00\"\n---\n")
    project.event("b.md", "---\ntitle: Canvass\nkind: other\nstart: 2018-01-27 10:00\nstatus: cancelled\n---\n")
    assert check_lines("--week", "2018-W04", "--today", "2018-01-24") == [
        "warning: events are read as UTC, the default time zone (fix: set timezone in newsletter.toml, such as "
        "timezone = \"America/New_York\")",
        "warning: the from address News <news@example.com> is an example address, which no one can reply to and spam "
        "filters distrust (fix: set from in newsletter.toml to the group's own address)",
        "warning: 'Picket' ended on Monday, January 22, before today, and is still listed as scheduled (fix: send the "
        "digest before its week begins; if the event did not happen, set its status)",
        "warning: events/b.md: 'Canvass' is cancelled without a word why (fix: add status_note: one line saying why, "
        "such as status_note: Called off for the snowstorm)",
    ]


# newsletter's own markup passes its own check -------------------------------------------

COMPLETE = ('from = "ISO Boston <events@isoboston.org>"', 'reply_to = "ISO Boston <boston@isoboston.org>"')
SERIES = {
    "general-meeting.md": "---\ntitle: Eastside Tenants Union general meeting\nkind: meeting\nstart: 2018-01-04 19:00\n"
                          "end: 21:00\nrepeat:\n  every: week\nlocation:\n  name: Eastside Library\n---\nEvery week.\n",
    "phone-bank.md": "---\ntitle: Phone bank\nkind: meeting\nstart: 2018-01-02 18:00\nend: 20:00\nrepeat:\n"
                     "  every: week\n  on: [tuesday, thursday]\nlocation:\n  name: Union hall\n---\nCalls.\n",
}


def complete(root) -> None:
    config = root / "newsletter.toml"
    text = config.read_text()
    for line in COMPLETE:
        key = line.split(" = ")[0]
        text = "\n".join(line if row.startswith(f"{key} = ") else row for row in text.split("\n"))
    config.write_text(text)


def test_the_sample_with_weekly_series_passes_check_strict(sample):
    complete(sample)
    for name, text in SERIES.items():
        (sample / "events" / name).write_text(text)
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18", "--strict"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("0 errors, 0 warnings\n")


def test_a_generated_busy_week_passes_check_strict(sample):
    from busy_week import write_busy_week

    complete(sample)
    shutil.rmtree(sample / "events")
    for path in write_busy_week(sample / "events", 30):  # a group says why it called something off
        path.write_text(path.read_text().replace("status: cancelled", "status: cancelled\nstatus_note: The hall is closed."))
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18", "--strict"])
    assert result.exit_code == 0, result.output


# Times the clocks skip or pass twice --------------------------------------------------

def test_a_series_date_the_clocks_skip_is_an_error_naming_the_times_that_exist(sample):
    (sample / "events" / "night-shift.md").write_text(
        "---\ntitle: Night shift\nkind: meeting\nstart: 2018-03-04 02:30\nend: 04:00\nrepeat:\n  every: week\n"
        "  count: 3\n---\n")
    result = CliRunner().invoke(main, ["check", "--week", "2018-W10", "--today", "2018-03-05"])
    assert result.exit_code == 1
    assert ("error: events/night-shift.md: 'Night shift' starts at 2:30 am on Sunday, March 11, a time that does not "
            "exist in America/New_York: the clocks go forward then, and calendars would show 3:30 am (fix: under "
            "changes:, give 2018-03-11 a start of 2018-03-11 03:30 (or 01:30))") in result.stdout.split("\n")


def test_a_time_the_clocks_pass_twice_is_a_warning_saying_which_is_meant(sample):
    (sample / "events" / "vigil.md").write_text(
        "---\ntitle: Night vigil\nkind: rally\nstart: 2018-11-04 00:30\nend: 01:30\n---\n")
    result = CliRunner().invoke(main, ["check", "--week", "2018-W44", "--today", "2018-10-30"])
    assert ("warning: events/vigil.md: 'Night vigil' ends at 1:30 am on Sunday, November 4, which happens twice in "
            "America/New_York as the clocks go back: newsletter means the first, 01:30 EDT (UTC-04:00) (fix: to mean "
            "the second, write end: 2018-11-04 01:30-05:00, with its offset)") in result.stdout.split("\n")
