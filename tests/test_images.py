"""Images: an event's picture and the theme's logo, from an https:// address or a file in the project."""

from __future__ import annotations

import struct
import zlib

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import SETTINGS
from newsletter.outputs.archive import site_files
from newsletter.outputs.build import build
from newsletter.cli import main
from newsletter.errors import InvalidInput

ARCHIVE = 'archive_url = "https://example.org/news/"\n'
W04 = dict(week="2018-W04")


def png(width: int, height: int, padding: int = 0) -> bytes:
    """The start of a PNG file: signature and header chunk, which is all a size reader looks at."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\0" * padding)


def event_with_image(project, *lines: str) -> None:
    image = "".join(f"  {line}\n" for line in lines)
    project.event("a.md", f"---\ntitle: Rally\nkind: rally\nstart: 2018-01-27 12:00\nimage:\n{image}---\n")


def problems(project) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        project.load()
    return [str(p) for p in caught.value.problems]


def image_tag(project):
    html = build(project.config, project.events, **W04).outputs["digest.html"]
    return BeautifulSoup(html, "html.parser").find("img", class_="nl-image")


def test_a_file_in_the_project_is_linked_under_the_archive_with_its_size_read(project):
    project.settings(SETTINGS + ARCHIVE)
    (project.root / "images").mkdir()
    (project.root / "images" / "crowd.png").write_bytes(png(1200, 600))
    event_with_image(project, "src: images/crowd.png", "alt: Hundreds at the JFK Federal Building")
    image = project.load().events[0].image
    assert (image.src, image.width, image.height, image.file) == (
        "https://example.org/news/images/crowd.png", 1200, 600, "images/crowd.png")
    tag = image_tag(project)
    assert (tag["src"], tag["alt"]) == ("https://example.org/news/images/crowd.png", "Hundreds at the JFK Federal Building")
    assert (tag["width"], tag["height"]) == ("552", "276")  # the column's width, in proportion
    style = tag["style"].replace(" ", "")
    # As wide as the column, up to its size: a fixed width would hold a phone at 600 px with images blocked.
    assert "width:100%" in style and "max-width:552px" in style and "height:auto" in style and "border-radius:8px" in style


def test_the_archive_publishes_the_file_where_the_email_links_to_it(project):
    project.settings(SETTINGS + ARCHIVE)
    (project.root / "images").mkdir()
    (project.root / "images" / "crowd.png").write_bytes(png(800, 400))
    event_with_image(project, "src: images/crowd.png", "alt: A crowd")
    from datetime import date

    files = dict(site_files(project.load(), date(2018, 1, 20)))
    assert files["images/crowd.png"]() == png(800, 400)


def test_a_smaller_image_is_not_stretched_and_a_given_size_wins(project):
    event_with_image(project, "src: https://example.org/flyer.jpg", "alt: Flyer", "width: 300", "height: 450")
    tag = image_tag(project)
    assert (tag["width"], tag["height"]) == ("300", "450")


@pytest.mark.parametrize("lines, message", [
    (("src: http://example.org/a.jpg", "alt: A"),
     "events/a.md:6: image.src: 'http://example.org/a.jpg' is not secure: email clients block http:// images; "
     "use the https:// address"),
    (("src: images/missing.jpg", "alt: A"),
     "events/a.md:6: image.src: there is no file images/missing.jpg in the project folder (next to newsletter.toml)"),
    (("src: ../outside.jpg", "alt: A"),
     "events/a.md:6: image.src: '../outside.jpg' must be a file inside the project folder, such as images/poster.jpg"),
    (("src: ftp://example.org/a.jpg", "alt: A"),
     "events/a.md:6: image.src: 'ftp://example.org/a.jpg' must be an https:// address or a file in the project, "
     "such as images/poster.jpg"),
    (("src: https://example.org/a.jpg", "alt: A", "width: wide"),
     "events/a.md:8: image.width: 'wide' must be the image's width in pixels, a whole number such as 1200"),
])
def test_image_mistakes_name_the_file_line_and_field(project, lines, message):
    project.settings(SETTINGS + ARCHIVE)
    event_with_image(project, *lines)
    assert problems(project) == [message]


def test_a_file_needs_an_archive_to_be_published_in(project):
    (project.root / "poster.png").write_bytes(png(10, 10))
    event_with_image(project, "src: poster.png", "alt: Poster")
    assert problems(project) == [
        "events/a.md:6: image.src: the file poster.png is published with the archive: set archive_url in "
        "newsletter.toml so the email can link to it, or use an https:// address"]


def test_a_file_that_is_not_an_image_is_refused(project):
    project.settings(SETTINGS + ARCHIVE)
    (project.root / "notes.png").write_text("not a picture")
    event_with_image(project, "src: notes.png", "alt: Poster")
    assert problems(project) == [
        "events/a.md:6: image.src: notes.png is not an image newsletter can read (use a JPEG, PNG, GIF or WebP file)"]


def test_check_warns_about_heavy_files_and_images_of_unknown_size(project):
    project.settings(SETTINGS + ARCHIVE)
    (project.root / "big.png").write_bytes(png(4000, 3000, padding=1_500_000))
    event_with_image(project, "src: big.png", "alt: A very large photo")
    project.event("b.md", "---\ntitle: Talk\nkind: panel\nstart: 2018-01-25 18:00\n"
                          "image: {src: 'https://example.org/t.jpg', alt: Speaker}\n---\n")
    result = CliRunner().invoke(main, ["check", "--week", "2018-W04"], catch_exceptions=False)
    assert ("warning: image big.png is 1.5 MB; phones on a slow connection wait for it, and some clients do not "
            "show it at all (fix: save it about 1200 pixels wide as a JPEG, well under 1 MB)") in result.stdout
    assert ("warning: image https://example.org/t.jpg has no width and height, so email clients cannot keep its "
            "space while it loads and the text jumps") in result.stdout
    assert "image big.png has no width" not in result.stdout  # read from the file


def test_logo_from_a_file_is_shown_at_a_fixed_width_with_its_height(project):
    project.settings(SETTINGS + ARCHIVE + '[theme]\nlogo = { src = "logo.png", alt = "Eastside Tenants Union" }\n')
    (project.root / "logo.png").write_bytes(png(600, 200))
    project.event("b.md", "---\ntitle: Talk\nkind: panel\nstart: 2018-01-25 18:00\n---\n")
    html = build(project.config, project.events, **W04).outputs["digest.html"]
    logo = BeautifulSoup(html, "html.parser").find("img", alt="Eastside Tenants Union")
    assert logo["src"] == "https://example.org/news/logo.png"
    assert (logo["width"], logo["height"]) == ("120", "40")


def test_check_warns_while_the_archive_lacks_the_image_the_email_shows(project, monkeypatch):
    import os

    project.settings(SETTINGS + ARCHIVE)
    (project.root / "images").mkdir()
    image = project.root / "images" / "crowd.png"
    image.write_bytes(png(800, 400))
    event_with_image(project, "src: images/crowd.png", "alt: A crowd")
    monkeypatch.chdir(project.root)

    def check() -> list[str]:
        result = CliRunner().invoke(main, ["check", "--week", "2018-W04"])
        return [line for line in result.stdout.split("\n") if "images/crowd.png" in line]

    missing = check()
    assert missing == ["warning: the email shows https://example.org/news/images/crowd.png, but no `newsletter "
                       "archive` run has written it, so readers would see a broken or old image (fix: run `newsletter "
                       "archive` and publish the site before sending)"]
    assert CliRunner().invoke(main, ["archive", "--today", "2018-01-20"]).exit_code == 0
    assert check() == []
    image.write_bytes(png(800, 400, padding=32))  # a new version of the picture
    os.utime(image, ns=(image.stat().st_atime_ns, image.stat().st_mtime_ns + 5_000_000_000))
    changed = check()
    assert len(changed) == 1 and "it changed since the last `newsletter archive` run wrote it" in changed[0]
