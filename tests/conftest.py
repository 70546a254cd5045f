"""Shared fixtures: a throwaway project folder with settings and event files."""

from __future__ import annotations

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
        from newsletter.build import load_project

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


@pytest.fixture
def sample(tmp_path, monkeypatch) -> Path:
    """A copy of the repository's sample newsletter (settings and the seed's events)."""
    import shutil

    shutil.copy(REPO / "newsletter.toml", tmp_path / "newsletter.toml")
    shutil.copytree(REPO / "events", tmp_path / "events")
    monkeypatch.chdir(tmp_path)
    return tmp_path
