"""The built wheel carries the templates, and an installed copy finds them from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return next(out.glob("newsletter-*.whl"))


def test_wheel_contains_every_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    root = REPO / "templates"
    shipped = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert "email/parts/facts.mjml" in shipped
    assert {f"newsletter/templates/{n}" for n in shipped} <= names


def test_installed_copy_builds_from_another_folder(wheel, sample, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = "import newsletter.rendering.templates as t; print(t.builtin_dir())"
    where = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=sample)
    assert where.stdout.strip() == str(site / "newsletter" / "templates" / "email")
    done = subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04"],
                          capture_output=True, text=True, env=env, cwd=sample, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (sample / "dist" / "2018-W04" / "digest.html").exists()
