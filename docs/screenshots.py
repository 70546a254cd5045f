"""Renders the README's screenshots of the sample digest, preview, archive and a change notice with headless Chromium.

    python docs/screenshots.py

Needs Playwright for Python and a Chromium binary (Debian: `apt-get install
chromium`; another path via NEWSLETTER_CHROMIUM).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
SHOTS = {
    "digest-phone.png": dict(width=375, height=1100, scheme="light"),
    "digest-desktop.png": dict(width=1024, height=900, scheme="light"),
    "digest-phone-dark.png": dict(width=375, height=1100, scheme="dark"),
}


def main() -> None:
    chromium = os.environ.get("NEWSLETTER_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copy(REPO / "newsletter.toml", root)
        shutil.copytree(REPO / "events", root / "events")
        subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", "out"],
                       cwd=root, check=True, capture_output=True)
        url = (root / "out" / "digest.html").as_uri()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for name, shot in SHOTS.items():
                page = browser.new_page(viewport={"width": shot["width"], "height": shot["height"]},
                                        color_scheme=shot["scheme"], device_scale_factor=1)
                page.goto(url)
                page.screenshot(path=str(DOCS / name))
                page.close()
                print(f"wrote docs/{name}")
            preview(browser, root)
            archive(browser, root)
            notice(browser, root)
            busy_week(browser, root)
            bilingual(browser, root)
            browser.close()


def archive(browser, root: Path) -> None:
    """The archive's index on a phone."""
    subprocess.run([sys.executable, "-m", "newsletter", "archive", "--today", "2018-01-18", "--out", "site"],
                   cwd=root, check=True, capture_output=True)
    page = browser.new_page(viewport={"width": 375, "height": 700}, device_scale_factor=1)
    page.goto((root / "site" / "index.html").as_uri())
    page.screenshot(path=str(DOCS / "archive-phone.png"))
    page.close()
    print("wrote docs/archive-phone.png")


def notice(browser, root: Path) -> None:
    """The seed's rescheduled study group as its change notice, on a phone."""
    subprocess.run([sys.executable, "-m", "newsletter", "announce", "2018-01-11-united-front-study-group",
                    "--today", "2018-01-09", "--out", "notice"], cwd=root, check=True, capture_output=True)
    page = browser.new_page(viewport={"width": 375, "height": 900}, device_scale_factor=1)
    page.goto((root / "notice" / "announcement.html").as_uri())
    page.screenshot(path=str(DOCS / "notice-phone.png"))
    page.close()
    print("wrote docs/notice-phone.png")


def busy_week(browser, root: Path) -> None:
    """The generated busy week of the tests, shortened by layout = "auto", on a phone, from its first compact entry."""
    sys.path.insert(0, str(REPO / "tests"))
    from busy_week import write_busy_week

    busy = root / "busy"
    busy.mkdir()
    settings = (REPO / "newsletter.toml").read_text(encoding="utf-8")
    # 95 KB, as the README's example: room for some entries in full beside the compact ones.
    (busy / "newsletter.toml").write_text(settings.replace('name = "ISO Boston Events"', 'name = "Tenants Weekly"')
                                          + "\n[digest]\nmax_html_kb = 95\n")
    write_busy_week(busy / "events")
    phone_shot_at(browser, busy, ".nl-events", 420, 1100, "busy-week-phone.png")


def phone_shot_at(browser, group: Path, selector: str, above: int, height: int, name: str) -> None:
    """Build the group's sample week and take a phone-wide picture from `above` pixels over `selector`."""
    subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", "out"],
                   cwd=group, check=True, capture_output=True)
    page = browser.new_page(viewport={"width": 375, "height": 1100}, device_scale_factor=1)
    page.goto((group / "out" / "digest.html").as_uri())
    top = page.eval_on_selector(selector, "e => e.getBoundingClientRect().top + window.scrollY")
    page.screenshot(path=str(DOCS / name), full_page=True,
                    clip={"x": 0, "y": max(0, top - above), "width": 375, "height": height})
    page.close()
    print(f"wrote docs/{name}")


RALLY_ES = """\
---
title: "Manifestación #Justice4Siham y #Justice4Naseem"
summary: Que Siham Byah vuelva con su hijo, y que el DCF deje de colaborar con ICE.
---

Siham Byah, madre y activista de Nahant, fue deportada a Marruecos el 29 de
diciembre; el DCF no la deja hablar con su hijo Naseem. Nos reunimos frente al
edificio federal JFK para exigir su regreso.
"""


def bilingual(browser, root: Path) -> None:
    """The sample week with languages = ["en", "es"] and bilingual = "together", on a phone, at the rally."""
    group = root / "bilingual"
    shutil.copytree(root / "events", group / "events")
    settings = (root / "newsletter.toml").read_text(encoding="utf-8")
    (group / "newsletter.toml").write_text(settings.replace(
        'name = "ISO Boston Events"', 'name = "ISO Boston Events"\nlanguages = ["en", "es"]\nbilingual = "together"'))
    (group / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.es.md").write_text(RALLY_ES, encoding="utf-8")
    phone_shot_at(browser, group, ".nl-version", 560, 1000, "bilingual-phone.png")


def preview(browser, root: Path) -> None:
    """The preview page of the sample week, phone view, as a volunteer sees it."""
    from newsletter.serving.preview import start

    server, _, stop = start(root / "newsletter.toml", root / "events", "127.0.0.1", 0, date(2018, 1, 18), True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        page.goto(server.url + "week/2018-W04/#phone")
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "preview.png"))
        page.close()
        print("wrote docs/preview.png")
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
