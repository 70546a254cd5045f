"""axe-core, Deque's accessibility engine, run in Chromium on the digest, a change notice and the archive's pages.

No critical or serious violation may remain (WCAG 2.1 A and AA rules, and axe's best practices).
"""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from conftest import REPO, copy_sample, require
from newsletter.cli import main

pytestmark = pytest.mark.browser
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def violations(browser, url: str, scheme: str = "light") -> list[tuple[str, str, list[str]]]:
    require(AXE.exists(), "axe-core (`npm install --no-save axe-core` in the repository)")
    page = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    try:
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document)).violations")
    finally:
        page.close()
    return [(v["id"], v["impact"], [n["target"][0] for n in v["nodes"]][:3])
            for v in found if v["impact"] in ("critical", "serious")]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The sample's digest, a change notice and the archive, written by the CLI."""
    import os

    root = copy_sample(tmp_path_factory.mktemp("axe"))
    here = os.getcwd()
    os.chdir(root)
    try:
        runner = CliRunner()
        for args in (["build", "--week", "2018-W04", "--out", "digest"],
                     ["announce", "2018-01-11-united-front-study-group", "--today", "2018-01-09", "--out", "notice"],
                     ["archive", "--today", "2018-01-18", "--out", "site"]):
            result = runner.invoke(main, args)
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(here)
    return root


PAGES = ["digest/digest.html", "notice/announcement.html", "site/index.html", "site/2018-W04/index.html",
         "site/events/2018-01-27-justice-for-siham-and-naseem-rally/index.html",
         "site/events/2018-01-11-united-front-study-group/index.html"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_critical_or_serious_accessibility_violations(browser, outputs, page, scheme):
    assert violations(browser, (outputs / page).as_uri(), scheme) == []
