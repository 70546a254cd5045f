"""The static archive: its pages, feed and calendars, parsed and validated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, UTC
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from icalendar import Calendar

from newsletter.cli import main

REPO = Path(__file__).resolve().parents[1]
BASE = "https://example.org/iso-boston/"


def archive(*args):
    return CliRunner().invoke(main, ["archive", "--today", "2018-01-18", *args], catch_exceptions=False)


@pytest.fixture
def site(sample) -> Path:
    result = archive("--out", "site")
    assert result.exit_code == 0, result.output
    return sample / "site"


def test_archive_writes_every_page_feed_and_calendar(site):
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert files[:6] == ["2018-W02/card.png", "2018-W02/index.html", "2018-W03/card.png", "2018-W03/index.html",
                         "2018-W04/card.png", "2018-W04/index.html"]
    assert {"index.html", "feed.xml", "calendar.ics",
            "events/2018-01-27-justice-for-siham-and-naseem-rally/index.html",
            "events/2018-01-27-justice-for-siham-and-naseem-rally.ics"} <= set(files)
    assert not [f for f in files if f.endswith(".tmp")]


def test_a_pasted_link_unfurls_with_its_card_title_date_and_alt_text(site):
    """Open Graph and X card tags, read with an HTML parser, point at a card the archive publishes."""
    from PIL import Image

    rally = "events/2018-01-27-justice-for-siham-and-naseem-rally/"
    for here, title, alt in ((rally, "#Justice4Siham & #Justice4Naseem Rally",
                              "Rally: #Justice4Siham & #Justice4Naseem Rally. Saturday, January 27 · 12:00–2:00 pm. "
                              "JFK Federal Building, Boston, MA. ISO Boston Events"),
                             ("2018-W04/", "ISO Boston Events: January 22–28, 2018", None)):
        soup = BeautifulSoup((site / here / "index.html").read_text(), "html.parser")
        tags = {m.get("property") or m.get("name"): m["content"] for m in soup.find_all("meta") if m.get("content")}
        assert tags["og:title"] == title and tags["og:url"] == BASE + here
        assert tags["og:image"] == f"{BASE}{here}card.png" and tags["twitter:card"] == "summary_large_image"
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert alt is None or tags["og:image:alt"] == alt
        assert here == rally or tags["og:image:alt"].startswith("ISO Boston Events: January 22–28, 2018.")
        with Image.open(site / here / "card.png") as card:
            assert card.format == "PNG" and card.size == (1200, 630)
    soup = BeautifulSoup((site / rally / "index.html").read_text(), "html.parser")
    tags = {m.get("property"): m["content"] for m in soup.find_all("meta") if m.get("property")}
    assert tags["og:description"].startswith("Saturday, January 27 · 12:00–2:00 pm · JFK Federal Building")
    assert tags["event:start_time"] == "2018-01-27T12:00:00-05:00"


def test_only_what_is_still_shared_gets_a_picture(sample):
    """Months later the old events' pages keep their tags without a card: a decade of events draws no decade of
    cards."""
    result = CliRunner().invoke(main, ["archive", "--today", "2018-06-01", "--out", "site"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    site = sample / "site"
    assert not list(site.rglob("card.png"))
    page = BeautifulSoup((site / "events" / "2018-01-27-justice-for-siham-and-naseem-rally" / "index.html").read_text(),
                         "html.parser")
    tags = {m.get("property") or m.get("name"): m["content"] for m in page.find_all("meta") if m.get("content")}
    assert tags["og:title"] == "#Justice4Siham & #Justice4Naseem Rally" and "og:image" not in tags
    assert tags["twitter:card"] == "summary"


def test_index_lists_digests_newest_first_with_counts(site):
    soup = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    items = soup.select("ol.digests li")
    # Up to next week's digest (today is Thursday of W03); the fund drive's weeks after that are not listed yet.
    assert [li.a["href"] for li in items] == [f"{BASE}2018-W{n:02d}/" for n in (4, 3, 2)]
    assert items[0].a.get_text() == "January 22–28, 2018"
    assert "4 events:" in items[0].get_text()


def test_every_link_is_absolute(site):
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all(["a", "link", "img"]):
            target = tag.get("href") or tag.get("src")
            assert target.startswith(("https://", "mailto:")), (page, target)


def test_week_page_is_the_web_version_of_the_email(site):
    soup = BeautifulSoup((site / "2018-W04" / "index.html").read_text(), "html.parser")
    assert soup.find("h1").get_text() == "ISO Boston Events"
    assert [h.get_text() for h in soup.find_all("h2")] == ["Rallies & actions", "Meetings", "Panels & talks", "Ongoing"]
    rally = soup.find("a", string="#Justice4Siham & #Justice4Naseem Rally")
    assert rally["href"] == f"{BASE}events/2018-01-27-justice-for-siham-and-naseem-rally/"
    assert soup.find("script") is None  # works without JavaScript


def test_event_page_has_its_details_and_calendar_links(site):
    page = site / "events" / "2018-01-25-metoo-fight-against-sexism" / "index.html"
    soup = BeautifulSoup(page.read_text(), "html.parser")
    assert soup.find("h1").get_text() == "#MeToo: The Fight Against Sexism in the Era of Trump"
    text = soup.get_text(" ", strip=True)
    assert "When: Thursday, January 25 · 7:00–9:00 pm" in text and "Sharon Smith" in text
    assert [h.name for h in soup.find_all(["h1", "h2", "h3"])] == ["h1", "h2"]  # the reading list heading
    calendar = {a.get_text(): a["href"] for a in soup.select(".calendar a")}
    assert calendar["Download for Apple and others (.ics)"] == f"{BASE}events/2018-01-25-metoo-fight-against-sexism.ics"
    assert calendar["Add to Google Calendar"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")


def test_a_rescheduled_events_page_says_where_it_moved_from_and_why(site):
    page = site / "events" / "2018-01-11-united-front-study-group" / "index.html"
    notes = [em.get_text() for em in BeautifulSoup(page.read_text(), "html.parser").select(".meta em")]
    assert notes == ["Moved from Thursday, January 4, 7:00 pm",
                     "The January 4 meeting was called off because of the winter storm."]


def test_feed_parses_with_a_real_feed_parser(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "ISO Boston Events"
    assert [e.link for e in feed.entries] == [f"{BASE}2018-W{n:02d}/" for n in (4, 3, 2)]
    first = feed.entries[0]
    assert first.title == "ISO Boston Events: January 22–28, 2018"
    assert first.summary.startswith("4 events: ")
    past = feed.entries[1]
    published = datetime(*past.published_parsed[:6], tzinfo=UTC)
    assert published == datetime(2018, 1, 15, 13, 0, tzinfo=UTC)  # Monday 8 am in Boston


def test_no_feed_entry_is_updated_after_today(site):
    today = datetime(2018, 1, 18, tzinfo=UTC)  # the --today of the archive; W04 is to come
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    moments = [datetime(*e.updated_parsed[:6], tzinfo=UTC) for e in feed.entries]
    assert max(moments) == today and all(m <= today for m in moments)
    assert datetime(*feed.feed.updated_parsed[:6], tzinfo=UTC) == today
    assert [e.link for e in feed.entries if datetime(*e.updated_parsed[:6], tzinfo=UTC) == today] == [
        f"{BASE}2018-W04/"]
    assert len(set(moments)) == len(moments)  # each entry its own time


def test_a_later_run_keeps_the_time_of_entries_that_did_not_change(site, sample):
    def updated(feed_path):
        feed = feedparser.parse(feed_path.read_bytes())
        return {e.link: datetime(*e.updated_parsed[:6], tzinfo=UTC) for e in feed.entries}

    first = updated(site / "feed.xml")
    assert CliRunner().invoke(main, ["archive", "--today", "2018-01-19", "--out", "site"]).exit_code == 0
    assert updated(site / "feed.xml") == first  # nothing changed: nothing restamped
    rally = sample / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
    rally.write_text(rally.read_text().replace("#Justice4Siham & #Justice4Naseem Rally", "Rally for Siham and Naseem"))
    assert CliRunner().invoke(main, ["archive", "--today", "2018-01-20", "--out", "site"]).exit_code == 0
    later = updated(site / "feed.xml")
    assert later[f"{BASE}2018-W04/"] == datetime(2018, 1, 20, tzinfo=UTC)
    assert {k: v for k, v in later.items() if "W04" not in k} == {k: v for k, v in first.items() if "W04" not in k}


def test_an_endless_series_does_not_fill_the_archive_with_future_weeks(sample):
    (sample / "events" / "branch-meeting.md").write_text(
        "---\ntitle: Branch meeting\nkind: meeting\nstart: 2018-01-04 19:00\nend: 21:00\nrepeat:\n  every: week\n---\n")
    assert archive("--out", "site").exit_code == 0
    soup = BeautifulSoup((sample / "site" / "index.html").read_text(), "html.parser")
    assert [li.a["href"] for li in soup.select("ol.digests li")] == [f"{BASE}2018-W{n:02d}/" for n in (4, 3, 2, 1)]
    series = BeautifulSoup((sample / "site" / "events" / "branch-meeting" / "index.html").read_text(), "html.parser")
    assert "February 1" in series.get_text(" ")  # later dates are reached from the series' own page
    tags = {m.get("property") or m.get("name"): m["content"] for m in series.find_all("meta") if m.get("content")}
    assert tags["og:title"] == "Branch meeting" and tags["og:url"] == f"{BASE}events/branch-meeting/"
    assert tags["og:description"].startswith("Every Thursday") and "og:image" not in tags


def test_calendar_has_upcoming_and_recent_events_only(sample):
    (sample / "events" / "2017-11-02-old.md").write_text("---\ntitle: Old meeting\nkind: meeting\nstart: 2017-11-02 19:00\n---\n")
    assert archive("--out", "site").exit_code == 0
    calendar = Calendar.from_ical((sample / "site" / "calendar.ics").read_bytes())
    titles = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Old meeting" not in titles
    assert "#Justice4Siham & #Justice4Naseem Rally" in titles
    assert (sample / "site" / "events" / "2017-11-02-old" / "index.html").exists()


def test_each_event_calendar_file_parses_back(site):
    for path in (site / "events").glob("*.ics"):
        [entry] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        assert str(entry["UID"]) == f"{path.stem}@example.org"


def test_unchanged_pages_are_not_rewritten(site, sample):
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    again = archive("--out", "site")
    assert f"wrote 0 files, {len(before)} unchanged" in again.stdout
    path = sample / "events" / "2018-01-24-socialists-in-solidarity-with-syria.md"
    path.write_text(path.read_text().replace("Two speakers open", "Our two speakers open"))
    changed = archive("--out", "site")
    rewritten = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file() and p.stat().st_mtime_ns != before[p]}
    assert rewritten == {"2018-W04/index.html", "events/2018-01-24-socialists-in-solidarity-with-syria/index.html"}
    assert "wrote 2 files" in changed.stdout


def test_archive_needs_an_archive_url(project):
    project.event("a.md", "---\ntitle: T\nkind: rally\nstart: 2018-01-24 18:00\n---\n")
    result = CliRunner().invoke(main, ["archive"])
    assert result.exit_code == 1
    assert result.stderr.startswith("newsletter.toml: archive_url: set the address the archive will be published at")


def vnu_jar() -> str:
    from conftest import require

    candidates = (os.environ.get("VNU_JAR"), REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
    found = next((str(c) for c in candidates if c and Path(c).exists()), None)
    require(found is not None and shutil.which("java") is not None,
            "the Nu HTML Checker: `npm install --no-save vnu-jar` here, and Java (apt-get install default-jre-headless)")
    return found


def test_pages_pass_the_nu_html_checker(site):
    jar = vnu_jar()
    pages = [str(p) for p in site.rglob("*.html")]
    done = subprocess.run(["java", "-jar", jar, "--format", "json", *pages], capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m["type"] == "error"] == []
