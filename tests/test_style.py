"""The code is checked, not only its behaviour: ruff with the rules pyproject.toml chooses and says why, and the
layers import-linter keeps one-way (imports inside functions count too)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is installed with .[test]"
    done = subprocess.run([ruff, "check", "--no-cache", "src", "tests", "benchmarks"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_layers_import_only_downward():
    """cli on top; serving, sending and checks; outputs (the commands' work); rendering; sources (reading);
    schedule; models; at the bottom i18n, providers, colors and errors (see pyproject.toml)."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert linter, "import-linter is installed with .[test]"
    done = subprocess.run([linter, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_mypy_finds_no_error(tmp_path):
    """The types the code says agree with how it uses them (settings in pyproject.toml)."""
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy")], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
