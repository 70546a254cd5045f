"""The project's own errors: each problem names its file, line and field."""

from msgspec import Struct


class Problem(Struct, frozen=True):
    """One thing wrong with an input file, printable as `path:line: field: message`."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        said = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return one_line(said)


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters shown as escapes: a problem is always one line,
    even when it quotes a value that holds them."""
    import unicodedata

    return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") else c for c in text)


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
