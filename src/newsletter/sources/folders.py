"""Where a project keeps what its commands made: names and one look, with nothing to import but `os`, so that a
command can decide which helpers to start (outputs/warmup.py) before it loads anything else."""

from __future__ import annotations

import os

FOLDER = ".newsletter-cache"  # beside the settings file
COMPILED = "compiled"  # the emails' compiled HTML (sources/compiled.py)


def compiled_empty(config: str | os.PathLike[str]) -> bool:
    """Whether the project of `config` has no compiled email kept yet (its first build, or a cleared cache)."""
    folder = os.path.join(os.path.dirname(os.path.realpath(config)), FOLDER, COMPILED)
    try:
        with os.scandir(folder) as entries:
            return not any(entry.name.endswith(".html") for entry in entries)
    except OSError:
        return True
