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


MARKED_TITLES = {
    "arabic": "وقفة تضامن مع مُحَمَّد",  # harakat: combining marks
    "decomposed": "Jose\u0301's march",  # an e and a combining acute accent
    "emoji": "Pride \U0001F3F3\ufe0f\u200d\U0001F308 march",  # a variation selector and a zero-width joiner
    "bidi": "Rally \u200fمسيرة\u200f for Gaza",  # right-to-left marks
}


def test_titles_with_marks_reach_attributes_as_written(browser, tmp_path, monkeypatch):
    from bs4 import BeautifulSoup

    root = copy_sample(tmp_path)
    monkeypatch.chdir(root)
    for number, (name, title) in enumerate(MARKED_TITLES.items(), start=22):
        (root / "events" / f"2018-01-{number}-{name}.md").write_text(
            f'---\ntitle: "{title}"\nkind: rally\nstart: 2018-01-{number} 18:00\nend: 20:00\nimage:\n'
            f'  src: https://example.org/{name}.png\n  alt: "{title}"\n  width: 600\n  height: 300\n---\nCome.\n',
            encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--week", "2018-W04", "--out", "digest"])
    assert result.exit_code == 0, result.output
    html = (root / "digest" / "digest.html").read_text(encoding="utf-8")
    assert "\\u{" not in html
    soup = BeautifulSoup(html, "html.parser")
    for title in MARKED_TITLES.values():
        assert soup.find("img", alt=title) is not None, title
        labels = [a["aria-label"] for a in soup.find_all("a", attrs={"aria-label": True})]
        assert any(label.startswith(f"{title}, ") for label in labels), title
    assert violations(browser, (root / "digest" / "digest.html").as_uri()) == []


BORDERS = """els => els.flatMap(e => {
    const s = getComputedStyle(e);
    let bg = 'rgba(0, 0, 0, 0)', node = e;
    while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
        bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
    }
    if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
    return ['Top', 'Right', 'Bottom', 'Left']
        .filter(side => parseFloat(s['border' + side + 'Width']) > 0 && s['border' + side + 'Style'] !== 'none')
        .map(side => [e.tagName + ' ' + e.className + ' ' + side, s['border' + side + 'Color'], bg]);
})"""


@pytest.mark.parametrize("page", [p for p in PAGES if p.startswith("site/")])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_rule_and_bar_of_the_archive_stands_out_at_3_to_1(browser, outputs, page, scheme):
    from newsletter.colors import contrast, to_hex

    def hex_of(value: str) -> str:
        numbers = value[value.index("(") + 1: value.index(")")].split(",")[:3]
        return to_hex(*(float(n) for n in numbers))

    tab = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)
    tab.goto((outputs / page).as_uri())
    found = tab.eval_on_selector_all("body *", BORDERS)
    tab.close()
    assert found
    weak = [(what, color, round(contrast(hex_of(color), hex_of(bg)), 2)) for what, color, bg in found
            if contrast(hex_of(color), hex_of(bg)) < 3.0]
    assert weak == []


def test_the_archive_keeps_the_groups_accent_in_dark_mode(outputs):
    from newsletter.colors import DARK_BACKGROUND, legible_on

    layout = (outputs / "site" / "index.html").read_text()
    assert "#8ab4f8" not in layout  # no stock blue in place of the group's colour
    assert f"--accent: {legible_on('#a4161a', DARK_BACKGROUND)}" in layout
