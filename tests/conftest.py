"""Shared fixtures: a throwaway project folder with settings and event files."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SETTINGS = """\
name = "Tenants Weekly"
organization = "Eastside Tenants Union"
timezone = "America/New_York"
from = "Eastside Tenants <news@example.org>"
reply_to = "organizers@example.org"
to = "Eastside list <list@example.org>"
unsubscribe = "*|UNSUB|*"
address = "12 Example St, Boston, MA 02118"
"""


@pytest.fixture(autouse=True, scope="session")
def _own_config_home(tmp_path_factory):
    """newsletter keeps its cache-signing key in the user's config folder: the tests get one of their own."""
    home = tmp_path_factory.mktemp("config-home")
    os.environ["XDG_CONFIG_HOME"] = str(home)
    yield home


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path_factory, monkeypatch):
    """newsletter's own templates are compiled once for the user, in their cache folder: each test starts
    with an empty one, as a new user does."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))


@pytest.fixture(autouse=True)
def _no_helper_left():
    """A command stops the helper process it started (newsletter/aside.py); one a test started by hand too."""
    yield
    from newsletter import aside

    aside.stop()


class Project:
    """A group's folder: newsletter.toml and events/, written by the tests."""

    def __init__(self, root: Path):
        self.root = root
        self.config = root / "newsletter.toml"
        self.events = root / "events"
        self.events.mkdir()
        self.config.write_text(SETTINGS, encoding="utf-8")

    def settings(self, text: str) -> Path:
        self.config.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.config

    def event(self, name: str, text: str) -> Path:
        path = self.events / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def load(self):
        from newsletter.outputs.project import load_project

        return load_project(self.config, self.events)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.fixture
def settings():
    from zoneinfo import ZoneInfo

    from newsletter.models import Settings

    return Settings(name="Tenants Weekly", timezone=ZoneInfo("America/New_York"),
                    timezone_name="America/New_York")


def copy_sample(root: Path) -> Path:
    """The repository's sample newsletter (settings and the seed's events), copied into `root`."""
    shutil.copy(REPO / "newsletter.toml", root / "newsletter.toml")
    shutil.copytree(REPO / "events", root / "events")
    return root


@pytest.fixture
def sample(tmp_path, monkeypatch) -> Path:
    """A copy of the repository's sample newsletter, as the working folder."""
    monkeypatch.chdir(tmp_path)
    return copy_sample(tmp_path)


# Headless Chromium, driven by Playwright with the system's browser ---------------

INSTALL_HINT = (
    "Chromium and Playwright: `sudo apt-get install chromium` and "
    "`pip install -e '.[test]'` (set NEWSLETTER_CHROMIUM to another browser binary)"
)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("NEWSLETTER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def require(available: bool, what: str) -> None:
    """Skip, saying how to install `what`, on a developer's machine; on CI a missing tool fails."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"this test must run in CI, which needs {what}")
    pytest.skip(f"needs {what}")


@pytest.fixture(scope="session")
def browser():
    """A Chromium browser driven by Playwright."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    require(executable is not None, INSTALL_HINT)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()
