"""Reading newsletter.toml: defaults, every setting, and errors with lines and suggestions."""

from __future__ import annotations

import pytest

from newsletter.sources.config import load_settings
from newsletter.errors import InvalidInput
from newsletter.models import DEFAULT_KINDS


def problems(project, text: str) -> list[str]:
    project.settings(text)
    with pytest.raises(InvalidInput) as caught:
        load_settings(project.config)
    return [str(p) for p in caught.value.problems]


def test_a_name_alone_is_enough(project):
    project.settings('name = "Campus Chapter News"\n')
    settings = load_settings(project.config)
    assert settings.name == "Campus Chapter News"
    assert settings.timezone_name == "UTC"
    assert settings.week_start == "monday"
    assert settings.kinds == DEFAULT_KINDS
    assert settings.coming_up_weeks == 2
    assert settings.recipient == settings.sender  # To: defaults to From:, as with a Bcc'd list
    assert settings.language == "en" and settings.direction == "ltr"


def test_every_setting_is_read(project):
    project.settings('''
        name = "Tenants Weekly"
        organization = "Eastside Tenants Union"
        language = "ar"
        timezone = "America/Chicago"
        week_start = "sunday"
        from = "Tenants <news@example.org>"
        reply_to = "organizers@example.org"
        to = "list@example.org"
        subject = "{{ name }} for {{ week.label }}"
        coming_up_weeks = 3
        archive_url = "https://example.org/archive"
        unsubscribe = "{{ UnsubscribeURL }}"
        address = "12 Example St"

        [[kinds]]
        id = "canvass"
        heading = "Canvassing"
        color = "#225588"

        [[kinds]]
        id = "rally"
        heading = "Rallies"
        color = "#aa0000"

        [theme]
        accent = "#005a9c"
        background = "#fffdf7"
        text = "#222222"
        logo = { src = "https://example.org/logo.png", alt = "Eastside Tenants Union" }
    ''')
    s = load_settings(project.config)
    assert (s.organization, s.language, s.direction) == ("Eastside Tenants Union", "ar", "rtl")
    assert s.timezone_name == "America/Chicago" and s.week_start == "sunday"
    assert (s.sender, s.reply_to, s.recipient) == ("Tenants <news@example.org>", "organizers@example.org", "list@example.org")
    assert s.subject == "{{ name }} for {{ week.label }}"
    assert s.coming_up_weeks == 3
    assert s.archive_url == "https://example.org/archive/"
    assert s.unsubscribe == "{{ UnsubscribeURL }}"
    assert [k.id for k in s.kinds] == ["rally", "meeting", "panel", "study-group", "fund-drive", "other", "canvass"]
    assert s.kind("rally").heading == "Rallies"
    assert s.theme.accent == "#005a9c" and s.theme.logo.alt == "Eastside Tenants Union"


def test_unknown_key_is_named_with_its_line_and_a_suggestion(project):
    assert problems(project, 'name = "N"\ntimezon = "UTC"\n') == [
        "newsletter.toml:2: timezon: unknown field 'timezon': did you mean 'timezone'?"
    ]


def test_every_settings_problem_at_once(project):
    found = problems(project, '''
        timezone = "Mars/Olympus"
        week_start = "friday"
        from = "not an address"
        coming_up_weeks = "two"
        unsubscribe = "ftp://example.org/x"

        [[kinds]]
        id = "Canvass Day"
        heading = "Canvassing"

        [theme]
        accent = "#dddddd"
        text = "blue"
    ''')
    assert found == [
        "newsletter.toml: name: is required: the newsletter's name",
        "newsletter.toml:2: timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as America/New_York)",
        "newsletter.toml:3: week_start: 'friday' must be monday or sunday",
        "newsletter.toml:4: from: 'not an address' is not an email address (write Name <list@example.org>)",
        "newsletter.toml:5: coming_up_weeks: must be a whole number from 0 to 12",
        "newsletter.toml:6: unsubscribe: 'ftp://example.org/x' is not an https:// address, a mailto: address or a merge tag such as *|UNSUB|*",
        "newsletter.toml:9: kinds[0].id: 'Canvass Day' must be lowercase letters, digits and dashes",
        "newsletter.toml:13: theme.accent: #dddddd on background #ffffff has contrast 1.4:1, under the 4.5:1 people need to read it",
        "newsletter.toml:14: theme.text: 'blue' must be a hex colour such as #1d5fb4",
    ]


def test_logo_without_alt_text(project):
    found = problems(project, 'name = "N"\n[theme]\nlogo = { src = "https://example.org/l.png" }\n')
    assert found == ["newsletter.toml:3: theme.logo.alt: is required: say what the logo shows, such as the group's name"]


def test_toml_syntax_error_has_its_line(project):
    found = problems(project, 'name = "N"\ntimezone = America/New_York\n')
    assert len(found) == 1 and found[0].startswith("newsletter.toml:2: TOML: ")


def test_missing_settings_file(project):
    project.config.unlink()
    with pytest.raises(InvalidInput) as caught:
        load_settings(project.config)
    assert str(caught.value).startswith("newsletter.toml: settings file not found")


def test_kinds_have_singular_labels_built_in_given_or_derived(project):
    assert [k.label for k in load_settings(project.config).kinds] == [
        "Rally", "Meeting", "Panel", "Study Group", "Fund Drive", "Event"]
    project.settings('''
        name = "N"
        announce_subject = "{{ event.label }}: {{ event.title }}"

        [[kinds]]
        id = "phone-bank"
        heading = "Phone banks"

        [[kinds]]
        id = "rally"
        heading = "Actions"

        [[kinds]]
        id = "teach-in"
        heading = "Teach-ins"
        label = "Teach-In"
    ''')
    s = load_settings(project.config)
    assert [(k.id, k.label) for k in s.kinds] == [
        ("rally", "Rally"), ("meeting", "Meeting"), ("panel", "Panel"), ("study-group", "Study Group"),
        ("fund-drive", "Fund Drive"), ("other", "Event"), ("phone-bank", "Phone Bank"), ("teach-in", "Teach-In")]
    assert s.kind("rally").heading == "Actions"
    assert s.announce_subject == "{{ event.label }}: {{ event.title }}"


def test_a_broken_announce_subject_names_its_line(project):
    project.settings('name = "N"\nannounce_subject = "{{ event.title"\n')
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    from click.testing import CliRunner

    from newsletter.cli import main

    result = CliRunner().invoke(main, ["announce", "a", "--today", "2018-01-20"])
    assert result.exit_code == 1
    assert result.stderr.startswith("newsletter.toml:2: announce_subject: template: ")


def test_digest_layout_defaults_to_auto_under_80_kb(project):
    project.settings('name = "N"\n')
    options = load_settings(project.config).digest
    assert (options.layout, options.max_html_kb) == ("auto", 80)
    project.settings('name = "N"\n[digest]\nlayout = "compact"\nmax_html_kb = 60\n')
    options = load_settings(project.config).digest
    assert (options.layout, options.max_html_kb) == ("compact", 60)


def test_digest_table_mistakes_are_named_with_their_line(project):
    found = problems(project, 'name = "N"\n[digest]\nlayout = "compat"\nmax_html_kb = 150\nmax_kb = 3\n')
    assert found == [
        "newsletter.toml:3: digest.layout: 'compat' must be one of: auto, full, compact: did you mean 'compact'?",
        "newsletter.toml:4: digest.max_html_kb: must be a number of kilobytes from 10 to 102 "
        "(Gmail clips messages over 102 KB)",
        "newsletter.toml:5: digest.max_kb: unknown field 'max_kb': did you mean 'max_html_kb'?",
    ]



# Kinds: the defaults, changed or added to by id -------------------------------------------

def test_an_id_alone_adds_a_kind_with_a_heading_and_an_accessible_colour(project):
    from newsletter.colors import contrast

    project.settings('name = "N"\n[[kinds]]\nid = "canvass"\n[[kinds]]\nid = "phone-bank"\n[[kinds]]\nid = "party"\n')
    kinds = load_settings(project.config).kinds
    added = [(k.id, k.heading, k.label) for k in kinds[6:]]
    assert added == [("canvass", "Canvasses", "Canvass"), ("phone-bank", "Phone Banks", "Phone Bank"),
                     ("party", "Parties", "Party")]
    colors = [k.color for k in kinds]
    assert len(set(colors)) == len(colors) and all(contrast(c, "#ffffff") >= 4.5 for c in colors)


def test_a_default_kind_is_changed_in_place_and_after_places_a_new_one(project):
    project.settings('''
        name = "N"
        [[kinds]]
        id = "meeting"
        heading = "Branch meetings"
        color = "#005a9c"
        [[kinds]]
        id = "canvass"
        heading = "Canvassing"
        after = "rally"
        [[kinds]]
        id = "other"
        after = "canvass"
    ''')
    kinds = load_settings(project.config).kinds
    assert [k.id for k in kinds] == ["rally", "canvass", "other", "meeting", "panel", "study-group", "fund-drive"]
    meeting = kinds[3]
    assert (meeting.heading, meeting.color, meeting.label) == ("Branch meetings", "#005a9c", "Meeting")


def test_kinds_replace_keeps_only_the_groups_kinds(project):
    project.settings('name = "N"\nkinds_replace = true\n[[kinds]]\nid = "canvass"\n[[kinds]]\nid = "rally"\n')
    kinds = load_settings(project.config).kinds
    assert [(k.id, k.heading) for k in kinds] == [("canvass", "Canvasses"), ("rally", "Rallies & actions")]


def test_kind_mistakes(project):
    found = problems(project, 'name = "N"\n[[kinds]]\nid = "canvass"\nafter = "meetng"\n[[kinds]]\nheading = "X"\n')
    assert found == [
        "newsletter.toml:4: kinds[0].after: there is no kind 'meetng' to place it after: did you mean 'meeting'?",
        "newsletter.toml:5: kinds[1].id: is required",
    ]


def test_intro_from_the_settings_or_intro_md_but_not_both(project):
    project.settings('name = "N"\nintro = """\nWelcome, **neighbors**.\n"""\n')
    assert load_settings(project.config).intro.strip() == "Welcome, **neighbors**."
    (project.root / "intro.md").write_text("From the file.\n")
    assert problems(project, 'name = "N"\nintro = "x"\n') == [
        "newsletter.toml:2: intro: is set here and in intro.md: keep one of them"]
    (project.root / "intro.md").write_text("A line.\n\nSee [the plan](/plan).\n")
    assert problems(project, 'name = "N"\n') == [
        "intro.md:3: link '/plan' is not a full address: write it with https://"]


def test_a_time_zone_that_names_a_folder_of_the_tzdata_package_is_a_problem_not_a_crash(project, monkeypatch):
    """ZoneInfo("__pycache__") raises IsADirectoryError once Python has written bytecode into the tzdata package."""
    import newsletter.sources.config as config

    real = config.ZoneInfo

    def zone(name: str):
        if name == "__pycache__":
            raise IsADirectoryError(21, "Is a directory", name)
        return real(name)

    monkeypatch.setattr(config, "ZoneInfo", zone)
    project.config.write_text(project.config.read_text().replace("America/New_York", "__pycache__"))
    with pytest.raises(InvalidInput) as found:
        load_settings(project.config)
    assert "timezone: unknown time zone '__pycache__'" in str(found.value)
