"""Keeps a busy week's digest whole: the longest descriptions give way to a link to their page until it fits.

Gmail clips a message whose HTML passes about 102 KB, and the readers of a
clipped digest never see its end. `[digest] layout` chooses: "full" shows
every description, "compact" shortens every entry, and "auto" (the default)
renders in full, then shortens the longest descriptions first, only as many
as it takes to bring the HTML under `max_html_kb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.models import Digest, Event, Finding, RenderedEmail, Settings
from newsletter.rendering.present import DigestView


@dataclass
class Fitted:
    """The digest as it will be sent, and what was done to make it fit."""

    view: DigestView
    email: RenderedEmail
    shortened: list[Event] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def html_bytes(self) -> int:
        return len(self.email.html.encode("utf-8"))


def fit_digest(digest: Digest, settings: Settings) -> Fitted:
    """The week's digest in the layout the settings ask for; under max_html_kb when shortening can get it there."""
    from newsletter.rendering.render import GMAIL_CLIP_BYTES, render_digest

    options = settings.digest
    limit = int(options.max_html_kb * 1000)
    candidates = [e for e in sorted(digest.events, key=_length, reverse=True) if e.body.strip()]

    def attempt(count: int) -> Fitted:
        view, email = render_digest(digest, settings, frozenset(e.id for e in candidates[:count]))
        return Fitted(view, email, [v.event for v in view.shortened])

    if options.layout == "compact":
        result = attempt(len(candidates))
    else:
        result = attempt(0)
        if options.layout == "auto" and result.html_bytes > limit and settings.archive_url:
            result = _fewest(attempt, len(candidates), limit) or attempt(len(candidates))
    size = f"digest.html is {result.html_bytes / 1000:.1f} KB, over max_html_kb ({options.max_html_kb:g} KB)"
    if options.layout == "compact" and not settings.archive_url and candidates:
        result.warnings.append(Finding(
            "warning", "layout is \"compact\", but without archive_url there are no event pages to link to, "
            "so every description is shown in full", "set archive_url in newsletter.toml"))
    elif result.html_bytes <= limit:
        pass
    elif options.layout == "full":
        result.warnings.append(Finding("warning", size, "set layout = \"auto\" under [digest] to shorten the longest descriptions"))
    elif not settings.archive_url:
        result.warnings.append(Finding("warning", size, "set archive_url in newsletter.toml, so that the longest "
                                       "descriptions can link to their page in the archive instead"))
    elif result.html_bytes <= GMAIL_CLIP_BYTES:  # past Gmail's clip, the build and check say so louder
        result.warnings.append(Finding("warning", f"{size} even with every description shortened",
                                       "shorten the summaries, or move some events to another email"))
    return result


def _fewest(attempt, most: int, limit: int) -> Fitted | None:
    """The render with the fewest entries shortened that is under `limit` bytes, or None if even `most` is over.

    Shortening one more entry never makes the HTML bigger, so a binary search
    over how many (longest first) needs a handful of renders, not one per event.
    """
    best = attempt(most)
    if best.html_bytes > limit:
        return None
    low, high = 0, most  # over the limit with `low` shortened, under it with `high`
    while high - low > 1:
        middle = (low + high) // 2
        trial = attempt(middle)
        if trial.html_bytes <= limit:
            high, best = middle, trial
        else:
            low = middle
    return best


def _length(event: Event) -> int:
    return len(event.body)
