"""The documentation: a short README that says where to read on, and a site that builds without a warning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from newsletter.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_is_short_and_every_page_it_names_is_there():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 10 * 1024
    linked = re.findall(r"\]\((docs/[\w./-]+)\)", readme)
    assert len(linked) >= 15
    for target in linked:
        assert (REPO / target).exists(), target


def test_the_site_builds_strictly_with_a_reference_of_every_command(tmp_path):
    """`mkdocs build --strict`: a broken link or anchor, or a page left out of the navigation, fails it."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    reference = BeautifulSoup((tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8"),
                              "html.parser")
    headings = {heading.get_text(" ", strip=True).removesuffix("¶").strip() for heading in reference.find_all(["h2", "h3"])}
    for name in main.commands:
        assert any(heading.endswith(name) for heading in headings), (name, headings)
    usage = reference.get_text()
    assert "newsletter build [OPTIONS]" in usage and "--week" in usage
