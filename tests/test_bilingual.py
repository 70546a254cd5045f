"""Bilingual groups: translation files beside events, an edition per language or both in one email."""

from __future__ import annotations

import textwrap
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.errors import InvalidInput
from newsletter.outputs.build import build
from newsletter.outputs.project import load_project
from datetime import UTC

W04 = dict(week="2018-W04")
RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"
MEETING = "2018-01-25-metoo-fight-against-sexism"
RALLY_ES = """\
---
title: "Manifestación #Justice4Siham y #Justice4Naseem"
summary: Que Siham Byah vuelva con su hijo, y que el DCF deje de colaborar con ICE.
---

Siham Byah fue deportada a Marruecos el 29 de diciembre. Nos reunimos frente
al edificio federal JFK para exigir su regreso.
"""


def bilingual(sample: Path, mode: str = "separate", languages: str = '["en", "es"]', rally: str | None = RALLY_ES):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace(
        'name = "ISO Boston Events"', f'name = "ISO Boston Events"\nlanguages = {languages}\nbilingual = "{mode}"'))
    if rally is not None:
        code = languages.split('"')[3]
        (sample / "events" / f"{RALLY}.{code}.md").write_text(rally, encoding="utf-8")
    return config


def soup_of(data: bytes) -> BeautifulSoup:
    return BeautifulSoup(data, "html.parser")


def words(tag) -> str:
    return " ".join(tag.get_text(" ").replace("\u2060", "").split())


# Settings and translation files ------------------------------------------------


@pytest.mark.parametrize("lines, message", [
    ('languages = ["en", "xx"]', "newsletter.toml:2: languages: 'xx' is not a language code: use one of en (English)"),
    ('languages = ["en", "es", "ES"]', "newsletter.toml:2: languages: 'ES' is listed twice"),
    ('languages = "es"', "newsletter.toml:2: languages: must be a list of language codes"),
    ('language = "en"\nlanguages = ["es", "en"]',
     "newsletter.toml:2: language: is 'en' but languages starts with 'es': the first of languages is the language "
     "of the event files, so leave language out"),
    ('bilingual = "together"', "newsletter.toml:2: bilingual: goes with languages = [\"es\", \"en\"]"),
    ('languages = ["es", "en"]\nbilingual = "both"',
     "newsletter.toml:3: bilingual: 'both' must be \"separate\" (one email per language) or \"together\""),
])
def test_language_settings_are_checked_in_plain_words(project, lines, message):
    project.settings(f'name = "Tenants Weekly"\n{lines}\n')
    with pytest.raises(InvalidInput) as caught:
        project.load()
    assert any(str(p).startswith(message) for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_the_first_language_is_the_primary_and_separate_is_the_default(project):
    project.settings('name = "Tenants Weekly"\nlanguages = ["es", "en"]\n')
    settings = project.load().settings
    assert (settings.language, settings.primary, settings.editions, settings.together) == ("es", "es", ("es", "en"), ())


EVENT = """\
---
title: Reunión de inquilinos
kind: meeting
start: 2026-03-07 18:00
location:
  name: Centro comunitario
  notes: Entrada por la calle Oak
speakers:
  - name: Ana Ruiz
    bio: presidenta del sindicato
links:
  - label: Folleto
    url: https://example.org/folleto.pdf
---

Hablamos de la huelga de alquileres.
"""


@pytest.mark.parametrize("translation, message", [
    ("title: Tenants' meeting\nstart: 2026-03-08 18:00\n",
     "events/2026-03-07-reunion.en.md:3: start: a translation holds only words: the start comes from "
     "events/2026-03-07-reunion.md, so leave it out here"),
    ("tittle: Tenants' meeting\n", "events/2026-03-07-reunion.en.md:2: tittle: unknown field 'tittle': did you mean 'title'?"),
    ("location: Community center\n", "events/2026-03-07-reunion.en.md:2: location: only its notes are translated"),
    ("location:\n  name: Community center\n",
     "events/2026-03-07-reunion.en.md:3: location.name: only the location's notes are translated"),
    ("speakers:\n  - bio: union president\n  - bio: somebody else\n",
     "events/2026-03-07-reunion.en.md:2: speakers: lists 2, but events/2026-03-07-reunion.md has 1"),
    ("links:\n  - label: Flyer\n    url: https://example.org/flyer.pdf\n",
     "events/2026-03-07-reunion.en.md:4: links[0].url: only the label is translated"),
    ("status_note: Moved for the snow\n",
     "events/2026-03-07-reunion.en.md:2: status_note: events/2026-03-07-reunion.md is not rescheduled"),
])
def test_a_translation_that_sets_a_fact_is_an_error_naming_the_file_line_and_field(project, translation, message):
    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\nlanguages = ["es", "en"]\n')
    project.event("2026-03-07-reunion.md", EVENT)
    project.event("2026-03-07-reunion.en.md", f"---\n{translation}---\n")
    with pytest.raises(InvalidInput) as caught:
        project.load()
    assert [str(p) for p in caught.value.problems if str(p).startswith(message)], [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("name, message", [
    ("2026-03-07-asamblea.en.md", "events/2026-03-07-asamblea.en.md: there is no events/2026-03-07-asamblea.md for it "
     "to translate"),
    ("2026-03-07-reunion.fr.md", "events/2026-03-07-reunion.fr.md: a translation into 'fr', but newsletter.toml has "
     "languages = [\"es\", \"en\"]: add 'fr' to languages = [...], or rename the file"),
    ("2026-03-07-reunion.es.md", "events/2026-03-07-reunion.es.md: the event files are in 'es' already"),
    ("2026-03-07-reunion.eng.md", "events/2026-03-07-reunion.eng.md: a translation into 'eng', but newsletter.toml "
     "has languages = [\"es\", \"en\"]: add 'eng' to languages = [...], or rename it 2026-03-07-reunion.en.md"),
])
def test_a_translation_file_without_its_event_or_language_is_an_error(project, name, message):
    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\nlanguages = ["es", "en"]\n')
    project.event("2026-03-07-reunion.md", EVENT)
    project.event(name, "---\ntitle: Tenants' meeting\n---\n")
    with pytest.raises(InvalidInput) as caught:
        project.load()
    assert [str(p) for p in caught.value.problems] == [message] or str(caught.value.problems[0]).startswith(message)


def test_translated_words_replace_the_primary_ones_and_the_rest_is_marked_untranslated(project):
    from newsletter.sources.translations import localize, untranslated

    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\nlanguages = ["es", "en"]\n')
    project.event("2026-03-07-reunion.md", EVENT)
    project.event("2026-03-07-reunion.en.md", """\
        ---
        title: Tenants' meeting
        speakers:
          - bio: union president
        ---

        We talk about the rent strike.
        """)
    [event] = project.load().events
    english = localize(event, "en", "es")
    assert (english.title, english.speakers[0].bio, english.body) == (
        "Tenants' meeting", "union president", "We talk about the rent strike.")
    assert english.start == event.start and english.location.name == "Centro comunitario"
    assert untranslated(event, "en", "es") == ["location.notes", "links"]
    assert english.text_language == "es"
    assert localize(event, "es", "es") is event


def test_a_series_translation_covers_every_date_but_a_changed_title_stays_as_written(project):
    from datetime import datetime, timedelta

    from newsletter.schedule.recurrence import occurrences
    from newsletter.sources.translations import localize

    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\nlanguages = ["es", "en"]\n')
    project.event("asamblea.md", """\
        ---
        title: Asamblea semanal
        kind: meeting
        start: 2026-03-05 18:00
        repeat:
          every: week
          count: 3
        changes:
          2026-03-12:
            title: Asamblea especial
        ---
        """)
    project.event("asamblea.en.md", "---\ntitle: Weekly assembly\n---\n")
    [series] = project.load().events
    english = localize(series, "en", "es")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    dates = occurrences(english, start, start + timedelta(weeks=3))
    assert [(d.title, sorted(d.untranslated)) for d in dates] == [
        ("Weekly assembly", []), ("Asamblea especial", ["title"]), ("Weekly assembly", [])]


# Separate editions ---------------------------------------------------------------


def test_separate_editions_are_one_set_of_files_per_language(sample):
    config = bilingual(sample)
    result = build(config, sample / "events", **W04)
    assert [e.language for e in result.editions] == ["en", "es"]
    out = sample / "dist" / "2018-W04"
    assert {p.absolute().relative_to(out).parts[0] for e in result.editions for p in e.written} == {"en", "es"}
    assert (out / "es" / "share" / "whatsapp.txt").read_text().startswith("*ISO Boston Events: 22–28 de enero de 2018*")
    english = soup_of((sample / "dist/2018-W04/en/digest.html").read_bytes())
    spanish = soup_of((sample / "dist/2018-W04/es/digest.html").read_bytes())
    assert english.html["lang"] == "en" and spanish.html["lang"] == "es"
    assert english.find("h3", id=f"event-{RALLY}").get_text() == "#Justice4Siham & #Justice4Naseem Rally"
    rally = spanish.find("h3", id=f"event-{RALLY}")
    assert rally.get_text() == "Manifestación #Justice4Siham y #Justice4Naseem" and not rally.has_attr("lang")
    assert words(rally.find_next("p", class_="nl-summary")).startswith("Que Siham Byah vuelva con su hijo")
    # The untranslated events fall back to English, each field marked so a screen reader switches voice.
    meeting = spanish.find("h3", id=f"event-{MEETING}")
    assert meeting["lang"] == "en" and meeting.get_text().startswith("#MeToo")
    assert meeting.find_next("p", class_="nl-summary")["lang"] == "en"
    assert meeting.find_next("div", class_="nl-description")["lang"] == "en"
    assert words(meeting.find_next(class_="nl-details")).startswith("Cuándo: jueves, 25 de enero · 19:00–21:00")
    agenda = [a for a in spanish.select(".nl-agenda a")]
    assert [a.get("lang") for a in agenda] == ["en", "en", None, "en"]

    messages = {code: message_from_bytes((sample / f"dist/2018-W04/{code}/digest.eml").read_bytes(),
                                         policy=policy.default) for code in ("en", "es")}
    assert messages["en"]["Subject"] == "ISO Boston Events: January 22–28, 2018"
    assert messages["es"]["Subject"] == "ISO Boston Events: 22–28 de enero de 2018"
    assert messages["en"]["Message-ID"] != messages["es"]["Message-ID"]
    text = messages["es"].get_body(("plain",)).get_content().splitlines()
    assert "[3] Manifestación #Justice4Siham y #Justice4Naseem" in text
    assert "Siham Byah fue deportada a Marruecos el 29 de diciembre. Nos reunimos" in text
    # The Spanish edition's links go to the Spanish archive.
    assert rally.find_next("a", string="Descargar para Apple y otros (.ics)")["href"].startswith("https://example.org/iso-boston/es/")


def test_build_says_what_each_edition_is(sample):
    bilingual(sample)
    result = CliRunner().invoke(main, ["build", "--week", "2018-W04"])
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert lines[1:3] == ["English (en):", "Subject: ISO Boston Events: January 22–28, 2018"]
    at = lines.index("Español (es):")
    assert lines[at + 1] == "Subject: ISO Boston Events: 22–28 de enero de 2018"
    assert "Wrote dist/2018-W04/es/digest.eml" in lines


def test_announcements_have_an_edition_per_language_too(sample):
    bilingual(sample)
    result = CliRunner().invoke(main, ["announce", RALLY, "--today", "2018-01-20"])
    assert result.exit_code == 0, result.output
    spanish = soup_of((sample / f"dist/announce/{RALLY}/es/announcement.html").read_bytes())
    assert spanish.html["lang"] == "es" and spanish.h1.get_text() == "Manifestación #Justice4Siham y #Justice4Naseem"
    message = message_from_bytes((sample / f"dist/announce/{RALLY}/es/announcement.eml").read_bytes(),
                                 policy=policy.default)
    assert message["Subject"] == "27/1 Manifestación: Manifestación #Justice4Siham y #Justice4Naseem"


def test_send_takes_the_language_of_the_edition(sample):
    bilingual(sample)
    missing = CliRunner().invoke(main, ["send", "--week", "2018-W04", "--to", "me@example.org", "--dry-run"])
    assert missing.exit_code == 1
    assert missing.output.strip().endswith("say which one to send: --language en or --language es")
    chosen = CliRunner().invoke(main, ["send", "--week", "2018-W04", "--to", "me@example.org", "--dry-run",
                                       "--language", "es"])
    assert chosen.exit_code == 0, chosen.output
    assert "Subject: ISO Boston Events: 22–28 de enero de 2018" in chosen.output
    unknown = CliRunner().invoke(main, ["send", "--week", "2018-W04", "--to", "me@example.org", "--dry-run",
                                        "--language", "fr"])
    assert "--language: there is no 'fr' edition (the editions are: en, es)" in unknown.output


def test_check_lists_the_events_still_untranslated(sample):
    bilingual(sample, rally=RALLY_ES.replace("summary: Que Siham Byah vuelva con su hijo, y que el DCF deje de "
                                             "colaborar con ICE.\n", ""))
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-20"])
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert (f"warning: events/{MEETING}.md: '#MeToo: The Fight Against Sexism in the Era of Trump' has no Spanish "
            f"translation yet, so it is shown in English (fix: write events/{MEETING}.es.md with its title, summary "
            "and description)") in lines
    assert (f"warning: events/{RALLY}.es.md leaves summary untranslated (fix: add it to events/{RALLY}.es.md)"
            in lines)
    assert sum("has no Spanish translation yet" in line for line in lines) == 3
    assert lines[-2].startswith("OK: settings, 5 event files and 1 translation are valid; 0 errors")


# Both languages in one email --------------------------------------------------------


def test_together_shows_each_event_in_both_languages_each_block_with_its_lang(sample):
    config = bilingual(sample, "together")
    result = build(config, sample / "events", **W04)
    assert result.translations == [] and [p.parent.name for p in result.written][0] == "2018-W04"
    soup = soup_of(result.outputs["digest.html"])
    assert soup.html["lang"] == "en"
    entry = soup.find("h3", id=f"event-{RALLY}").find_parent("div", class_="nl-entry")
    assert entry["lang"] == "en"
    version = entry.find_next_sibling("div", class_="nl-version")
    assert (version["lang"], version["dir"]) == ("es", "ltr")
    assert words(version.find(class_="nl-version-title")) == "Manifestación #Justice4Siham y #Justice4Naseem"
    assert words(version.find(class_="nl-description")).startswith("Siham Byah fue deportada")
    # An event with no translation is shown once, in the primary language.
    meeting = soup.find("h3", id=f"event-{MEETING}").find_parent("div", class_="nl-entry")
    following = meeting.find_next_sibling()
    assert following is None or "nl-version" not in (following.get("class") or [])
    assert len(soup.find_all("div", class_="nl-version")) == 1

    text = result.outputs["digest.txt"].decode().split("\n")
    at = text.index("-- Español --")
    assert text[at + 1:at + 4] == ["Manifestación #Justice4Siham y #Justice4Naseem",
                                   "Que Siham Byah vuelva con su hijo, y que el DCF deje de colaborar con",
                                   "ICE."]
    assert text.index("[3] #Justice4Siham & #Justice4Naseem Rally") < at
    message = message_from_bytes(result.outputs["digest.eml"], policy=policy.default)
    assert message["Subject"] == "ISO Boston Events: January 22–28, 2018"


def test_together_in_arabic_reads_right_to_left_in_its_block(sample):
    config = bilingual(sample, "together", languages='["en", "ar"]', rally=textwrap.dedent("""\
        ---
        title: تجمع العدالة لسهام ونسيم
        accessibility: المكان متاح للكراسي المتحركة
        ---
        """))
    soup = soup_of(build(config, sample / "events", **W04).outputs["digest.html"])
    version = soup.find("div", class_="nl-version")
    assert (version["lang"], version["dir"]) == ("ar", "rtl")
    assert words(version.find(class_="nl-access")) == "إمكانية الوصول: المكان متاح للكراسي المتحركة"


# The archive and the preview ---------------------------------------------------------


def test_the_archive_has_a_site_per_language_joined_by_hreflang_and_a_switch(sample):
    bilingual(sample)
    result = CliRunner().invoke(main, ["archive", "--out", "site", "--today", "2018-01-20"])
    assert result.exit_code == 0, result.output
    base = "https://example.org/iso-boston/"
    for path, code in (("site/2018-W04/index.html", "en"), ("site/es/2018-W04/index.html", "es")):
        page = soup_of((sample / path).read_bytes())
        assert page.html["lang"] == code
        alternates = {link["hreflang"]: link["href"] for link in page.find_all("link", hreflang=True)}
        assert alternates == {"en": f"{base}2018-W04/", "es": f"{base}es/2018-W04/"}
        switch = page.find("nav", class_="languages")
        current = switch.find("a", attrs={"aria-current": "page"})
        assert current["href"] == alternates[code]
    spanish = soup_of((sample / "site/es/2018-W04/index.html").read_bytes())
    assert spanish.find("a", string="Manifestación #Justice4Siham y #Justice4Naseem") is not None
    assert spanish.find("a", string="English")["lang"] == "en"
    assert (sample / f"site/es/events/{RALLY}/index.html").exists()
    feed = (sample / "site/es/feed.xml").read_text()
    assert 'xml:lang="es"' in feed and "1 evento: " in feed


def test_the_preview_serves_each_edition_in_its_own_words(sample):
    from datetime import date

    from newsletter.serving.preview import PreviewSite

    config = bilingual(sample)
    site = PreviewSite(config, sample / "events", today=date(2018, 1, 20))
    page = soup_of(site.respond("/es/week/2018-W04/", 1).body)
    assert page.html["lang"] == "es"
    assert [b.get_text() for b in page.select(".tabs button")] == ["Escritorio", "Teléfono", "Modo oscuro",
                                                                   "Texto sin formato", "Compartir"]
    assert page.find("nav", class_="editions").find("a", string="English")["href"] == "/week/2018-W04/"
    assert page.find("a", href=f"/es/announce/{RALLY}/") is not None
    email = soup_of(site.respond("/es/week/2018-W04/email.html", 1).body)
    assert email.find("h3", id=f"event-{RALLY}").get_text() == "Manifestación #Justice4Siham y #Justice4Naseem"
    assert site.respond("/fr/week/2018-W04/", 1) is None
    english = soup_of(site.respond("/week/2018-W04/", 1).body)
    assert english.html["lang"] == "en" and english.select_one(".tabs button").get_text() == "Desktop"


def test_each_language_s_archive_pages_pass_the_nu_html_checker(sample):
    import json
    import subprocess

    from test_archive import vnu_jar

    jar = vnu_jar()
    config = bilingual(sample, "together", rally=RALLY_ES)
    together = CliRunner().invoke(main, ["archive", "--out", "together", "--today", "2018-01-20"])
    assert together.exit_code == 0, together.output
    spanish_block = soup_of((sample / f"together/events/{RALLY}/index.html").read_bytes()).find("div", lang="es")
    assert words(spanish_block).startswith("Manifestación #Justice4Siham y #Justice4Naseem")
    config.write_text(config.read_text().replace('bilingual = "together"', 'bilingual = "separate"'))
    result = CliRunner().invoke(main, ["archive", "--out", "site", "--today", "2018-01-20"])
    assert result.exit_code == 0, result.output
    pages = [str(sample / "site" / page) for page in ("index.html", "es/index.html", "es/2018-W04/index.html",
                                                      f"es/events/{RALLY}/index.html", f"events/{RALLY}/index.html")]
    pages += [str(sample / "together" / page) for page in ("2018-W04/index.html", f"events/{RALLY}/index.html")]
    done = subprocess.run(["java", "-jar", jar, "--format", "json", *pages], capture_output=True, text=True,
                          timeout=300)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m["type"] == "error"] == []


def test_an_arabic_block_in_an_english_digest_reads_right_to_left_on_a_phone(browser, sample):
    config = bilingual(sample, "together", languages='["en", "ar"]', rally=textwrap.dedent("""\
        ---
        title: تجمع العدالة لسهام ونسيم
        summary: لمّ شمل سهام بابنها، وإنهاء تعاون إدارة الأطفال مع وكالة الهجرة.
        ---

        نجتمع أمام المبنى الفيدرالي للمطالبة بعودتها.
        """))
    build(config, sample / "events", **W04, out=sample / "out")
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        page.goto((sample / "out" / "digest.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        block = page.locator(".nl-version")
        assert block.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert block.evaluate("e => getComputedStyle(e).borderRightWidth") == "3px"  # the rule on its start side
        title = page.locator(".nl-version-title")
        box, frame = title.bounding_box(), block.bounding_box()
        assert frame["x"] + frame["width"] - (box["x"] + box["width"]) < 20  # the title starts at the right
    finally:
        page.close()


def test_a_near_miss_of_a_language_is_named_not_read_as_an_event(project):
    project.settings('name = "Tenants Weekly"\ntimezone = "America/New_York"\nlanguages = ["en", "es"]\n')
    project.event("2026-03-07-reunion.md", EVENT)
    project.event("2026-03-07-reunion.sp.md", "---\ntitle: Reunión de inquilinos\n---\n")
    with pytest.raises(InvalidInput) as caught:
        project.load()
    assert [str(p) for p in caught.value.problems] == [
        "events/2026-03-07-reunion.sp.md: 'sp' is not one of the group's languages, so this is not read as a "
        "translation of 2026-03-07-reunion.md: did you mean 2026-03-07-reunion.es.md?"]


def test_words_left_in_a_left_to_right_language_keep_their_direction_in_an_arabic_edition(sample):
    config = bilingual(sample, languages='["en", "ar"]', rally=None)
    arabic = build(config, sample / "events", **W04).edition("ar")
    soup = soup_of(arabic.outputs["digest.html"])
    assert soup.html["dir"] == "rtl"
    kept = soup.find_all(attrs={"lang": "en"})
    assert kept and all(tag.get("dir") == "ltr" for tag in kept)


SERIES = """\
---
title: Branch meeting
kind: meeting
start: 2018-01-04 19:00
end: 21:00
repeat:
  every: week
  count: 6
changes:
  2018-01-25:
    title: Branch meeting at City Hall
    status: cancelled
    status_note: Everyone is going to the City Council hearing instead.
---
Our weekly meeting.
"""
SERIES_ES = """\
---
title: Reunión de la sección
changes:
  2018-01-25:
    title: Reunión de la sección en el Ayuntamiento
    status_note: Todos vamos a la audiencia del Concejo Municipal.
    body: |
      Nos vemos en la audiencia.
---
Nuestra reunión semanal.
"""


@pytest.mark.parametrize("mode", ["separate", "together"])
def test_a_translation_file_carries_the_words_of_a_series_changed_date(sample, mode):
    config = bilingual(sample, mode, rally=None)
    (sample / "events" / "branch.md").write_text(SERIES, encoding="utf-8")
    (sample / "events" / "branch.es.md").write_text(SERIES_ES, encoding="utf-8")
    result = build(config, sample / "events", **W04)
    if mode == "separate":
        spanish = soup_of(result.edition("es").outputs["digest.html"])
        entry = spanish.find("h3", id="event-branch-2018-01-25")
        assert words(entry) == "Reunión de la sección en el Ayuntamiento"
        following = " ".join(words(tag) for tag in entry.find_all_next("p", limit=4))
        assert "Todos vamos a la audiencia del Concejo Municipal." in following
        assert "City Council" not in following
        assert entry.get("lang") is None  # nothing left in English to mark
    else:
        soup = soup_of(result.outputs["digest.html"])
        version = soup.find("h3", id="event-branch-2018-01-25").find_parent("div", class_="nl-entry") \
            .find_next_sibling("div", class_="nl-version")
        assert words(version.find(class_="nl-version-title")) == "Reunión de la sección en el Ayuntamiento"
        assert words(version.find(class_="nl-status-note")) == "Todos vamos a la audiencia del Concejo Municipal."
    checked = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18"])
    assert "branch.es.md" not in checked.stdout, checked.stdout


def test_a_series_status_note_at_the_top_of_a_translation_says_where_it_goes(sample):
    config = bilingual(sample, rally=None)
    (sample / "events" / "branch.md").write_text(SERIES, encoding="utf-8")
    (sample / "events" / "branch.es.md").write_text("---\ntitle: Reunión\nstatus_note: Todos a la audiencia.\n---\n",
                                                    encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_project(config, sample / "events", cache=False)
    assert [str(p) for p in caught.value.problems] == [
        "events/branch.es.md:3: status_note: the reason for one date's change goes under changes: and its date "
        "(2018-01-25), as in events/branch.md"]


def test_check_says_a_changed_dates_words_go_under_changes(sample):
    bilingual(sample, rally=None)
    (sample / "events" / "branch.md").write_text(SERIES, encoding="utf-8")
    (sample / "events" / "branch.es.md").write_text("---\ntitle: Reunión de la sección\n---\nNuestra reunión.\n",
                                                    encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18"])
    assert ("warning: events/branch.es.md leaves title, status_note untranslated (fix: add them to "
            "events/branch.es.md, the words of the 2018-01-25 change under changes: and 2018-01-25:)") in checked.stdout


KIND = """
[[kinds]]
id = "phone-bank"
heading = "Phone banks"
label = "Phone bank"
"""


def test_a_groups_own_kind_has_its_words_in_each_language(sample):
    config = bilingual(sample, rally=None)
    config.write_text(config.read_text() + KIND + 'translations = { es = { heading = "Bancos telefónicos", '
                      'label = "Banco telefónico" } }\n')
    (sample / "events" / "2018-01-26-calls.md").write_text(
        "---\ntitle: Calls to the council\nkind: phone-bank\nstart: 2018-01-26 18:00\nrsvp: https://example.org/r\n"
        "---\nCall your councillor.\n")
    (sample / "events" / "2018-01-26-calls.es.md").write_text("---\ntitle: Llamadas al concejo\n---\nLlama.\n")
    result = build(config, sample / "events", **W04)
    english = [words(h) for h in soup_of(result.outputs["digest.html"]).find_all("h2")]
    spanish = [words(h) for h in soup_of(result.edition("es").outputs["digest.html"]).find_all("h2")]
    assert "Phone banks" in english and "Bancos telefónicos" in spanish and "Phone banks" not in spanish
    notice = CliRunner().invoke(main, ["announce", "2018-01-26-calls", "--today", "2018-01-20", "--out", "a"])
    assert notice.exit_code == 0, notice.output
    from email import message_from_bytes, policy

    subject = message_from_bytes((sample / "a" / "es" / "announcement.eml").read_bytes(), policy=policy.default)["Subject"]
    assert subject == "26/1 Banco telefónico: Llamadas al concejo"
    checked = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18"])
    assert "phone-bank" not in checked.stdout


def test_check_names_a_kind_without_words_in_an_editions_language(sample):
    config = bilingual(sample, rally=None)
    config.write_text(config.read_text() + KIND)
    (sample / "events" / "2018-01-26-calls.md").write_text(
        "---\ntitle: Calls to the council\nkind: phone-bank\nstart: 2018-01-26 18:00\n---\nCall.\n")
    checked = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-18"])
    assert ("warning: the kind 'phone-bank' has no heading or label in Spanish, so the es edition shows 'Phone banks' "
            "as written (fix: add translations = { es = { heading = \"…\", label = \"…\" } } to its [[kinds]] in "
            "newsletter.toml)") in checked.stdout.split("\n")


def test_moving_to_an_edition_per_language_and_back_leaves_only_this_builds_files(sample):
    def files() -> list[str]:
        return sorted(str(p.relative_to(sample / "dist" / "2018-W04")) for p in (sample / "dist" / "2018-W04").rglob("*")
                      if p.is_file())

    assert CliRunner().invoke(main, ["build", "--week", "2018-W04"]).exit_code == 0
    single = files()
    (sample / "dist" / "2018-W04" / "notes.txt").write_text("ours")  # a file of the group's own stays
    config = bilingual(sample)
    moved = CliRunner().invoke(main, ["build", "--week", "2018-W04"])
    assert moved.exit_code == 0, moved.output
    assert files() == sorted([f"en/{name}" for name in single] + [f"es/{name}" for name in single] + ["notes.txt"])
    assert "Removed dist/2018-W04/digest.html, from a build with one edition" in moved.stdout
    config.write_text(config.read_text().replace('languages = ["en", "es"]\nbilingual = "separate"', ""))
    (sample / "events" / f"{RALLY}.es.md").unlink()
    back = CliRunner().invoke(main, ["build", "--week", "2018-W04"])
    assert back.exit_code == 0, back.output
    assert files() == sorted(single + ["notes.txt"])
    assert not (sample / "dist" / "2018-W04" / "es").exists()
