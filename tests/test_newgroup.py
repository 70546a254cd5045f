"""`newsletter init`: a new group's folder from a few answers, never overwriting anything."""

from __future__ import annotations

from click.testing import CliRunner

from newsletter.outputs.project import load_project
from newsletter.cli import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_with_options_writes_settings_events_and_gitignore(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init", "tenants", "--name", "Tenants Weekly", "--from", "Tenants <news@tenants.test>",
                 "--timezone", "America/Chicago", "--provider", "mailchimp", "--address", "12 Main St, Chicago",
                 "--yes", "--today", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[:3] == ["Wrote tenants/newsletter.toml", "Wrote tenants/.gitignore",
                                             "Wrote tenants/events/2026-12-03-our-first-meeting.md"]
    project = load_project(tmp_path / "tenants" / "newsletter.toml", tmp_path / "tenants" / "events")
    settings = project.settings
    assert (settings.name, settings.timezone_name, settings.sender, settings.address) == (
        "Tenants Weekly", "America/Chicago", "Tenants <news@tenants.test>", "12 Main St, Chicago")
    assert settings.provider.name == "mailchimp" and settings.unsubscribe == "*|UNSUB|*"
    [event] = project.events
    assert event.start.isoformat() == "2026-12-03T19:00:00-06:00" and event.kind == "meeting"  # next week's Thursday
    assert (tmp_path / "tenants" / ".gitignore").read_text().split("\n")[1:4] == ["dist/", "site/", ".newsletter-cache/"]


def test_every_other_setting_is_listed_and_each_works_when_uncommented(tmp_path):
    assert run("init", str(tmp_path), "--name", "N", "--from", "n@n.test", "--yes").exit_code == 0
    text = (tmp_path / "newsletter.toml").read_text()
    for key in ("organization", "reply_to", "to", "list_id", "unsubscribe", "archive_url", "language", "week_start",
                "coming_up_weeks", "subject", "announce_subject", "[digest]", "[theme]", "[[kinds]]", "[smtp]",
                "provider", "address"):
        assert f"# {key}" in text, key
    uncommented = "\n".join(line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
                            for line in text.split("\n"))
    (tmp_path / "newsletter.toml").write_text(uncommented)
    from newsletter.sources.config import load_settings

    settings = load_settings(tmp_path / "newsletter.toml")
    assert settings.archive_url == "https://example.org/news/" and settings.smtp.port == 587


def test_init_asks_and_shows_its_guess_of_the_time_zone(tmp_path, monkeypatch):
    monkeypatch.setattr("newsletter.outputs.newgroup.guess_timezone", lambda: "Europe/Berlin")
    answers = "Kiezladen News\n\nKiez <news@kiez.test>\nlist\n\n"
    result = run("init", str(tmp_path), "--today", "2026-11-24", input=answers)
    assert result.exit_code == 0, result.output
    assert "Time zone of your events (this computer's, or another) [Europe/Berlin]: " in result.stdout
    settings = load_project(tmp_path / "newsletter.toml", tmp_path / "events").settings
    assert (settings.name, settings.timezone_name, settings.provider.name, settings.address) == (
        "Kiezladen News", "Europe/Berlin", "list", None)


def test_init_never_overwrites(tmp_path):
    (tmp_path / "newsletter.toml").write_text('name = "Ours"\n')
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "mine.md").write_text("---\ntitle: Mine\nkind: rally\nstart: 2026-12-01\n---\n")
    result = run("init", str(tmp_path), "--name", "N", "--from", "n@n.test", "--yes")
    assert result.exit_code == 0
    assert f"Kept {tmp_path}/newsletter.toml: it exists, so it was not changed" in result.stdout
    assert (tmp_path / "newsletter.toml").read_text() == 'name = "Ours"\n'
    assert [p.name for p in (tmp_path / "events").iterdir()] == ["mine.md"]


def test_bad_answers_are_one_line_each(tmp_path):
    cases = [
        (["--timezone", "Boston"], "--timezone: unknown time zone 'Boston' (use an IANA name such as America/New_York)\n"),
        (["--from", "news at tenants"], "--from: 'news at tenants' is not an email address (write Name <news@example.org>)\n"),
        (["--provider", "mailchump"], "--provider: unknown provider 'mailchump' (one of: mailchimp, listmonk, sendgrid, "
                                      "mailgun, buttondown, list, custom)\n"),
    ]
    for extra, message in cases:
        args = {"--name": "N", "--from": "n@n.test", "--timezone": "UTC"}
        args.update(dict(zip(extra[::2], extra[1::2], strict=True)))
        result = run("init", str(tmp_path), *[x for pair in args.items() for x in pair], "--yes")
        assert result.exit_code == 1 and result.stderr == message
    assert list(tmp_path.iterdir()) == []  # nothing half-written
