"""The preview in headless Chromium: the index, the phone frame, and live reload as files change."""

from __future__ import annotations

import pytest

from test_preview import Running

pytestmark = pytest.mark.browser

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally.md"
WAIT_MS = 10_000


@pytest.fixture
def served(sample):
    running = Running(sample)
    yield running
    running.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def retitle_and_wait(sample, page, frame_id):
    """Retitle the rally in its file, and wait for the view in `frame_id` to show the new title."""
    path = sample / "events" / RALLY
    path.write_text(path.read_text().replace('title: "#Justice4Siham & #Justice4Naseem Rally"',
                                             'title: "Rally for Siham and Naseem"'))
    page.wait_for_function(
        f"""() => {{ const f = document.getElementById('{frame_id}');
                   const h = f && f.contentDocument && f.contentDocument.querySelector('h3');
                   return h && h.textContent === 'Rally for Siham and Naseem'; }}""",
        timeout=WAIT_MS,
    )


def frame(page, element_id):
    handle = page.wait_for_selector(f"#{element_id}", state="attached")
    content = handle.content_frame()
    content.wait_for_load_state()
    return content


def test_index_lists_the_seed_weeks(served, page):
    page.goto(served.url)
    weeks = page.eval_on_selector_all("tr[data-week]", "rows => rows.map(r => r.dataset.week)")
    assert weeks == ["2018-W02", "2018-W03", "2018-W04", "2018-W05", "2018-W06"]  # the drive runs to February 10
    page.click("a[href='/week/2018-W04/']")
    page.wait_for_selector("#subject")
    assert "/week/2018-W04/" in page.url
    assert page.inner_text("#subject") == "ISO Boston Events: January 22–28, 2018"


def test_phone_frame_has_no_horizontal_scroll(served, page):
    page.goto(served.url + "week/2018-W04/#phone")
    assert page.is_visible("#frame-phone")
    phone = frame(page, "frame-phone")
    assert phone.evaluate("window.innerWidth") == 375
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_switching_views_needs_no_rebuild(served, page):
    page.goto(served.url + "week/2018-W04/")
    version = served.server.version.number
    for view in ("phone", "dark", "text", "desktop"):
        page.click(f'[data-view="{view}"]')
        assert page.is_visible(f"#view-{view}")
        assert page.url.endswith(f"#{view}")
    assert served.server.version.number == version
    dark = frame(page, "frame-dark")
    assert dark.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 24, 29)"


def test_editing_a_title_updates_the_page_keeping_view_and_scroll(served, sample, page):
    page.goto(served.url + "week/2018-W04/")
    page.click('[data-view="phone"]')
    phone = frame(page, "frame-phone")
    phone.evaluate("window.scrollTo(0, 600)")
    page.evaluate("window.scrollTo(0, 120)")
    retitle_and_wait(sample, page, "frame-phone")
    assert page.url.endswith("#phone") and page.is_visible("#view-phone")
    phone = frame(page, "frame-phone")
    page.wait_for_function("() => document.getElementById('frame-phone').contentWindow.scrollY > 500", timeout=WAIT_MS)
    assert abs(phone.evaluate("window.scrollY") - 600) < 5


def test_broken_yaml_shows_the_error_and_fixing_it_recovers(served, sample, page):
    page.goto(served.url + "week/2018-W04/")
    path = sample / "events" / RALLY
    good = path.read_text()
    path.write_text(good.replace("kind: rally", "kind: [rally"))
    page.wait_for_selector(".problems li", timeout=WAIT_MS)
    problem = page.inner_text(".problems li")
    assert problem.startswith(f"events/{RALLY}:") and "never closed with ']'" in problem
    path.write_text(good)
    page.wait_for_selector("#subject", timeout=WAIT_MS)
    assert page.inner_text("#subject") == "ISO Boston Events: January 22–28, 2018"


def test_from_the_week_to_an_events_reminder_and_its_live_reload(served, sample, page):
    page.goto(served.url + "week/2018-W04/")
    page.click(f"#announcements a[href='/announce/{RALLY[:-3]}/reminder/']")
    page.wait_for_selector("#subject")
    assert page.inner_text("#subject") == "Reminder: 1/27 Rally: #Justice4Siham & #Justice4Naseem Rally"
    page.click('[data-view="phone"]')
    phone = frame(page, "frame-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.inner_text("h1") == "#Justice4Siham & #Justice4Naseem Rally"
    path = sample / "events" / RALLY
    path.write_text(path.read_text().replace('title: "#Justice4Siham & #Justice4Naseem Rally"', 'title: "Bring Siham home"'))
    page.wait_for_function("document.getElementById('subject').textContent.includes('Bring Siham home')", timeout=WAIT_MS)
    assert page.url.endswith("#phone") and page.is_visible("#view-phone")


def test_a_tab_refused_for_too_many_open_comes_back_and_reloads(sample, page, monkeypatch):
    import http.client

    import newsletter.serving.server as server_module

    monkeypatch.setattr(server_module, "STREAMS", 1)
    served = Running(sample)
    try:
        other = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)  # another tab, holding the place
        other.request("GET", "/_reload")
        holding = other.getresponse()  # the connection lasts as long as its response is referenced
        assert holding.status == 200
        page.goto(served.url + "week/2018-W04/")
        page.wait_for_function("() => document.getElementById('live').textContent === 'reconnecting…'",
                               timeout=WAIT_MS)
        holding.close()
        page.wait_for_function("() => document.getElementById('live').textContent === 'live'", timeout=WAIT_MS)
        retitle_and_wait(sample, page, "frame-desktop")
    finally:
        served.close()


def test_the_share_tab_shows_the_posts_and_cards_and_follows_an_edit(served, sample, page):
    """The Share tab fetches the texts and images when it is opened; after a save the page reloads on that tab
    with the new words."""
    page.goto(served.url + f"announce/{RALLY[:-3]}/")
    page.click('[data-view="share"]')
    page.wait_for_function("document.querySelector('pre.share-text').textContent.length > 0", timeout=WAIT_MS)
    texts = page.eval_on_selector_all("pre.share-text", "nodes => nodes.map(n => n.textContent)")
    assert len(texts) == 5 and texts[0].startswith("*Rally: #Justice4Siham & #Justice4Naseem Rally*")
    page.wait_for_function("[...document.querySelectorAll('img.share-image')].every(i => i.complete && i.naturalWidth)",
                           timeout=WAIT_MS)
    sizes = page.eval_on_selector_all("img.share-image", "nodes => nodes.map(n => [n.naturalWidth, n.naturalHeight, n.alt])")
    assert [size[:2] for size in sizes] == [[1200, 630], [1080, 1080]]
    assert all(size[2].startswith("Rally: #Justice4Siham & #Justice4Naseem Rally.") for size in sizes)
    assert page.get_attribute("a[href='share/flyer.pdf']", "href") == "share/flyer.pdf"
    path = sample / "events" / RALLY
    path.write_text(path.read_text().replace('title: "#Justice4Siham & #Justice4Naseem Rally"', 'title: "Bring Siham home"'))
    page.wait_for_function("(document.querySelector('pre.share-text') || {}).textContent === undefined ? false : "
                           "document.querySelector('pre.share-text').textContent.includes('Bring Siham home')",
                           timeout=WAIT_MS)
    assert page.url.endswith("#share") and page.is_visible("#view-share")
