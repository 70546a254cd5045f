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


def _pins() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {_canonical(name): version for name, version in pairs}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _needed(distribution: str, extras: tuple[str, ...] = ()) -> set[str]:
    """Gives the names of every package a distribution needs on this Python, its needs' needs included."""
    from importlib.metadata import PackageNotFoundError, requires
    from packaging.requirements import Requirement

    found: set[str] = set()
    todo = [(distribution, extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        for line in needs:
            need = Requirement(line)
            if need.marker and not any(need.marker.evaluate({"extra": e}) for e in (*wanted, "")):
                continue
            key = _canonical(need.name)
            if key not in found:
                found.add(key)
                todo.append((need.name, tuple(need.extras)))
    return found


def test_the_lock_pins_every_package_the_tests_install():
    pins = _pins()
    missing = _needed("newsletter", ("test",)) - set(pins)
    assert not missing, f"add to constraints.txt (see its header): {sorted(missing)}"
    assert {"babel", "mjml-python", "premailer", "jinja2", "pytest"} <= set(pins)


def test_ci_and_the_readme_install_through_the_lock():
    readme = (REPO / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2 and all("-c constraints.txt" in line for line in commands)
    tests_command = next(line for line in commands if "pytest" in line)
    assert tests_command in (REPO / ".ci" / "run").read_text()
