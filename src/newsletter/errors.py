"""The project's own errors: each problem names its file, line and field."""

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with an input file, printable as `path:line: field: message`."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class NewsletterError(Exception):
    """A failure the user can fix; its message is ready to print as it is."""


class InvalidInput(NewsletterError):
    """One or more event or settings files are wrong; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


class NoEvents(NewsletterError):
    """The chosen week has nothing to send."""


class TemplateProblem(NewsletterError):
    """A template is missing or does not render."""
