"""Results of pure functions that earlier runs worked out, taken from the project's cache while an email is rendered.

The cache (sources/compiled.py, `Results`) loads them as a dictionary of JSON
values and saves it again after the run; a module that keeps results
(rendering/body.py: descriptions as HTML and text) looks them up in its own
`Kept` while `remembering`,
and notes there each one it used or added, so that the cache keeps the ones
in use.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any


class Kept:
    """Where one module's results from earlier runs are, while `remembering`; nowhere otherwise."""

    def __init__(self) -> None:
        self._found: dict[str, Any] | None = None
        self._used: set[str] = set()

    @contextmanager
    def remembering(self, found: dict[str, Any] | None, used: set[str]):
        """Take results from `found` and put new ones there, noting in `used` each one asked for."""
        before = self._found, self._used
        self._found, self._used = found, used
        try:
            yield
        finally:
            self._found, self._used = before

    def get(self, key: str) -> Any | None:
        if self._found is None or key not in self._found:
            return None
        self._used.add(key)
        return self._found[key]

    def put(self, key: str, value: Any) -> None:
        if self._found is not None:
            self._found[key] = value
            self._used.add(key)
