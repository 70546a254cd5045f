"""An email rendered to its files in memory, and those files written as one set (an edition per language)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from msgspec import Struct, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from newsletter.errors import NewsletterError
from newsletter.models import Finding, RenderedEmail, Settings
from newsletter.outputs.fileset import ForeignFiles, write_set

if TYPE_CHECKING:
    from newsletter.rendering.share import Share
    from newsletter.sources.compiled import CompiledCache


class Outputs(Mapping):
    """An email's files by name; one given as a function is made the first time it is asked for.

    `build` writes every file; the preview shows only the HTML and the text,
    and never pays for the .eml, the JSON or the calendar after a save.
    """

    def __init__(self, files: dict[str, bytes | Callable[[], bytes]]):
        self._files = dict(files)

    def __getitem__(self, name: str) -> bytes:
        found = self._files[name]
        if callable(found):
            found = self._files[name] = found()
        return found

    def __iter__(self):
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


class Rendered(Struct, kw_only=True):
    """An email rendered to its files in memory (`<stem>.html`, `.txt`, `.eml`...), and where they were written."""

    stem: ClassVar[str]
    settings: Settings
    email: RenderedEmail
    outputs: Mapping[str, bytes] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # files of the other layout (one folder, or one per language)
    warnings: list[Finding] = field(default_factory=list)  # printed by the command, listed by check
    translations: Sequence[Rendered] = field(default_factory=list)  # the other languages' editions, when separate
    share: Share | None = None  # its chat messages, posts and share images (share/ among the outputs)

    @property
    def language(self) -> str:
        return self.settings.language

    @property
    def editions(self) -> list[Rendered]:
        """This email and its editions in the group's other languages, the primary first."""
        return [self, *self.translations]

    def edition(self, language: str | None) -> Rendered:
        """The edition in `language` (None: the primary); raises NewsletterError naming the editions."""
        if language is None:
            return self
        for edition in self.editions:
            if edition.language.lower() == language.lower():
                return edition
        written = ", ".join(e.language for e in self.editions)
        raise NewsletterError(f"--language: there is no '{language}' edition (the editions are: {written}); "
                              "the group's languages are set by languages = [...] in newsletter.toml")

    @property
    def html_bytes(self) -> int:
        return len(self.outputs[f"{self.stem}.html"])

    @property
    def sent_bytes(self) -> int:
        """The HTML part's size as sent, quoted-printable: a little more than the file's."""
        from newsletter.rendering.render import sent_bytes

        return sent_bytes(self.email.html)

    @property
    def clipped(self) -> bool:
        """Over the size at which Gmail hides the rest of a message behind "View entire message"."""
        from newsletter.rendering.render import GMAIL_CLIP_BYTES

        return self.sent_bytes > GMAIL_CLIP_BYTES

    @property
    def eml_name(self) -> str:
        return f"{self.stem}.eml"


@contextmanager
def remembered_bodies(compiled: CompiledCache | None) -> Iterator[None]:
    """While an email is rendered: descriptions converted in earlier runs are taken from the cache, and
    this run's are noted there, for the command to save (sources/body.py)."""
    from newsletter.sources import body

    if compiled is None:
        yield
        return
    with body.remembering(*compiled.bodies()):
        yield


def shared_findings(result: Rendered) -> list[Finding]:
    """What is wrong with an email's share folder (rendering/share.py), each message naming its edition when the
    group writes several."""
    from msgspec.structs import replace

    if result.share is None:
        return []
    found = result.share.findings()
    if result.language != result.settings.primary:
        found = [replace(f, message=f"{result.language} edition: {f.message}") for f in found]
    return found


def write_editions(target: Path, editions: Sequence[Rendered], what: str, keep: tuple[str, ...] = ()) -> list[Path]:
    """Write every edition's files as one set in `target` (a folder per language when there are several), noting
    each edition's paths in its `written`; the paths an earlier run's other layout had. Raises NewsletterError."""
    folders = {edition.language: target / edition.language if len(editions) > 1 else target for edition in editions}
    for edition in editions:  # images and flyers drawn beside this process, if it has a helper, while it writes the rest
        if edition.share is not None:
            edition.share.prepare()
    files = {str(folders[edition.language].relative_to(target) / name): edition.outputs[name]
             for edition in editions for name in edition.outputs}
    try:
        written, removed = write_set(target, files, keep)
    except ForeignFiles as exc:
        raise NewsletterError(str(exc)) from None
    except OSError as exc:
        raise NewsletterError(f"{target}: cannot write the {what}: {exc.strerror or exc}") from None
    for edition in editions:
        edition.written = [path for path in written if path.is_relative_to(folders[edition.language])]
    return removed
