"""The group's language: labels from the message catalogs, dates from Babel, and the catalogs kept complete."""

from __future__ import annotations

import subprocess
import sys
from email import message_from_bytes, policy

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from conftest import REPO
from newsletter.outputs.build import build
from newsletter.i18n import CATALOGS, LANGUAGES

W04 = dict(week="2018-W04")


def spanish(sample, language: str = "es"):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"', f'name = "ISO Boston Events"\nlanguage = "{language}"'))
    return build(config, sample / "events", **W04)


def words(tag) -> str:
    return " ".join(tag.get_text(" ").replace("\u2060", "").split())


def test_a_spanish_digest_speaks_spanish_in_its_labels_and_dates(sample):
    result = spanish(sample)
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    assert soup.html["lang"] == "es"
    assert [h.get_text(strip=True) for h in soup.find_all("h2")] == [
        "Esta semana", "Manifestaciones y acciones", "Reuniones", "Paneles y charlas", "En curso"]
    rally = soup.find("h3", string="#Justice4Siham & #Justice4Naseem Rally")
    assert words(rally.find_previous_sibling("p")) == "sáb, 27/1 · 12:00"
    details = words(rally.find_next(class_="nl-details"))
    assert details.startswith("Cuándo: sábado, 27 de enero · 12:00–14:00 Dónde: JFK Federal Building")
    assert words(soup.find(class_="nl-view-online")) == "Ver este correo en el navegador"
    assert soup.find("a", string="Dona a CERSC") is not None
    assert result.email.subject == "ISO Boston Events: 22–28 de enero de 2018"
    assert result.email.preheader.startswith("Esta semana: sáb: #Justice4Siham")
    text = result.outputs["digest.txt"].decode().split("\n")
    assert "ESTA SEMANA" in text and "PRÓXIMAMENTE" not in text  # nothing in the next two weeks of the sample
    assert "Cuándo: sábado, 27 de enero · 12:00–14:00" in text
    message = message_from_bytes(result.outputs["digest.eml"], policy=policy.default)
    assert message["Subject"] == "ISO Boston Events: 22–28 de enero de 2018"


def test_a_region_brings_its_own_clock(sample):
    result = spanish(sample, "es-MX")
    text = result.outputs["digest.txt"].decode()
    assert "Cuándo: sábado, 27 de enero · 12:00–2:00 p.m." in text  # Mexico reads a 12-hour clock


def test_a_spanish_change_notice_and_reminder(sample):
    from datetime import date

    from newsletter.outputs.announce import announcement_for
    from newsletter.outputs.project import load_project

    spanish(sample)
    project = load_project(sample / "newsletter.toml", sample / "events")
    notice = announcement_for(project, sample / "events", "2018-01-11-united-front-study-group", today=date(2018, 1, 9))
    assert notice.email.subject.startswith("CAMBIO DE FECHA: 11/1 Grupo de estudio: Left Organizing Tactics")
    soup = BeautifulSoup(notice.outputs["announcement.html"], "html.parser")
    assert "Trasladado desde el jueves, 4 de enero, 19:00" in words(soup.find(class_="nl-notice"))
    reminder = announcement_for(project, sample / "events", "2018-01-27-justice-for-siham-and-naseem-rally",
                                reminder=True, today=date(2018, 1, 26))
    assert reminder.email.subject == "Mañana: 27/1 Manifestación: #Justice4Siham & #Justice4Naseem Rally"


def test_a_language_code_that_is_not_one_is_refused(project):
    from newsletter.errors import InvalidInput
    from newsletter.sources.config import load_settings

    project.settings('name = "N"\nlanguage = "spanish"\n')
    with pytest.raises(InvalidInput) as caught:
        load_settings(project.config)
    assert [str(p) for p in caught.value.problems] == [
        "newsletter.toml:2: language: 'spanish' is not a language code: use one of en (English), es (Español), "
        "fr (Français), pt (Português), zh (中文), ar (العربية), with a region if you like, such as es-MX"]


# The catalogs ------------------------------------------------------------------------------

def extracted(tmp_path) -> set:
    out = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "--no-location", "--omit-header", "-o", str(out), "."], cwd=REPO, check=True, capture_output=True)
    with open(out, "rb") as stream:
        return {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(stream) if m.id}


def test_the_template_catalog_has_every_word_the_code_writes(tmp_path):
    with open(CATALOGS / "newsletter.pot", "rb") as stream:
        shipped = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(stream) if m.id}
    assert extracted(tmp_path) == shipped, "run pybabel extract and update (see docs/development.md)"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_shipped_catalog_translates_every_message_and_is_compiled(language):
    with open(CATALOGS / "newsletter.pot", "rb") as stream:
        wanted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(stream) if m.id}
    with open(CATALOGS / language / "LC_MESSAGES" / "newsletter.po", "rb") as stream:
        catalog = read_po(stream)
    untranslated = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert untranslated == []
    assert {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id and not m.fuzzy} >= wanted
    with open(CATALOGS / language / "LC_MESSAGES" / "newsletter.mo", "rb") as stream:
        compiled = {key(m.id): key(m.string) for m in read_mo(stream) if m.id}
    assert compiled == {key(m.id): key(m.string) for m in catalog if m.id}, "run pybabel compile"


def key(value):
    return value if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("language, when, heading, subject", [
    # Babel writes the ranges as CLDR has them for each language, spaces around the dash included.
    ("fr", "Quand : samedi 27 janvier · 12:00 – 14:00", "Rassemblements et actions", "ISO Boston Events: 22–28 janv. 2018"),
    ("pt-BR", "Quando: sábado, 27 de janeiro · 12:00 – 14:00", "Atos e ações",
     "ISO Boston Events: 22 – 28 de jan. de 2018"),
])
def test_french_and_portuguese(sample, language, when, heading, subject):
    result = spanish(sample, language)
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    assert soup.html["lang"] == language
    assert heading in [h.get_text(strip=True) for h in soup.find_all("h2")]
    plain = [" ".join(line.split()) for line in result.outputs["digest.txt"].decode().split("\n")]
    assert when in plain
    assert " ".join(result.email.subject.split()) == subject


@pytest.mark.parametrize("language, direction, when, this_week, days", [
    ("zh", "ltr", "时间： 1月27日星期六 · 12:00–14:00", "本周", ("2018年1月22日", "28日")),
    ("ar", "rtl", "متى: السبت، 27 يناير · 12:00–2:00 م", "هذا الأسبوع", ("22", "28 يناير 2018")),
])
def test_chinese_and_arabic_with_arabic_right_to_left(sample, language, direction, when, this_week, days):
    """The week in the subject is CLDR's interval pattern for the language, as the installed Babel has it
    (Babel 2.19 changed Chinese's to a spaced dash): compared with Babel's own, and with the days it must hold."""
    from datetime import date

    from babel.dates import format_interval

    week = format_interval(date(2018, 1, 22), date(2018, 1, 28), "yMMMMd", locale=language)
    subject = " ".join(f"ISO Boston Events: {week}".split())  # a subject is one line of plain spaces
    assert all(day in subject for day in days)
    result = spanish(sample, language)
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    assert (soup.html["lang"], soup.html["dir"]) == (language, direction)
    assert soup.find("h2").get_text(strip=True) == this_week
    plain = [" ".join(line.split()) for line in result.outputs["digest.txt"].decode().split("\n")]
    assert when in plain and this_week in plain
    assert result.email.subject == subject


def test_a_right_to_left_email_is_mirrored(sample):
    english = BeautifulSoup(build(sample / "newsletter.toml", sample / "events", **W04).outputs["digest.html"],
                            "html.parser").find("h2")
    heading = BeautifulSoup(spanish(sample, "ar").outputs["digest.html"], "html.parser").find("h2")
    style = heading["style"].replace(": ", ":")
    assert "border-right:6px solid" in style and "padding-right:12px" in style
    assert "text-align:right" in heading.find_parent("div")["style"].replace(" ", "")
    assert "border-left:6px solid" in english["style"].replace(": ", ":")


@pytest.mark.parametrize("language, clock, when", [
    ("en", "24h", "When: Saturday, January 27 · 12:00–14:00"),
    ("es", "12h", "Cuándo: sábado, 27 de enero · 12:00 – 2:00 p. m."),
])
def test_the_clock_setting_overrides_the_language(sample, language, clock, when):
    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"',
                                                 f'name = "ISO Boston Events"\nlanguage = "{language}"\nclock = "{clock}"'))
    text = build(config, sample / "events", **W04).outputs["digest.txt"].decode()
    assert when in [" ".join(line.split()) for line in text.split("\n")]


def test_check_says_when_a_language_has_no_catalog_yet(sample):
    from click.testing import CliRunner

    from newsletter.cli import main

    config = sample / "newsletter.toml"
    config.write_text(config.read_text().replace('name = "ISO Boston Events"', 'name = "ISO Boston Events"\nlanguage = "de"'))
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04", "--today", "2018-01-20"])
    assert ("warning: newsletter has no catalog for 'de' yet: the dates are in that language, the labels in English "
            "(fix: use one of en, es, fr, pt, zh, ar, or add a catalog (see Development in newsletter's documentation))") in result.stdout


def test_the_archive_speaks_the_group_s_language(sample):
    from datetime import date

    from newsletter.outputs.archive import site_files
    from newsletter.outputs.project import load_project

    spanish(sample)
    files = dict(site_files(load_project(sample / "newsletter.toml", sample / "events"), date(2018, 1, 18)))
    index = BeautifulSoup(files["index.html"](), "html.parser")
    assert index.html["lang"] == "es" and index.h1.get_text() == "ISO Boston Events: todos los boletines"
    assert "4 eventos:" in index.get_text() and "Suscríbete al calendario" in index.get_text()
    week = BeautifulSoup(files["2018-W04/index.html"](), "html.parser")
    assert "Cuándo: sábado, 27 de enero · 12:00–14:00" in words(week)
    assert "Manifestaciones y acciones" in [h.get_text(strip=True) for h in week.find_all("h2")]


@pytest.mark.parametrize("language, hosts", [
    ("en", "ISO Boston, Justice4Siham Coalition"),
    ("es", "ISO Boston y Justice4Siham Coalition"),
    ("ar", "ISO Boston وJustice4Siham Coalition"),
    ("zh", "ISO Boston和Justice4Siham Coalition"),
])
def test_a_list_of_hosts_is_joined_the_languages_way(sample, language, hosts):
    # The rally's hosts are ISO Boston and the Justice4Siham Coalition; CLDR joins two names with its "and".
    result = spanish(sample, language) if language != "en" else build(sample / "newsletter.toml", sample / "events", **W04)
    soup = BeautifulSoup(result.outputs["digest.html"], "html.parser")
    assert any(hosts in words(tag) for tag in soup.find_all("p")), hosts
    text = " ".join(result.outputs["digest.txt"].decode().split())
    assert hosts in text
