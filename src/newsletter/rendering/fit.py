"""Keeps a busy week's digest whole: the longest descriptions give way to a link to their page until it fits.

Gmail clips a message whose HTML passes about 102 KB, and the readers of a
clipped digest never see its end. `[digest] layout` chooses: "full" shows
every description, "compact" shortens every entry, and "auto" (the default)
renders in full, then shortens the longest descriptions first, only as many
as it takes to bring the HTML under `max_html_kb`; a week still too big has
every entry cut to its title, time and place, then becomes the agenda alone,
each line linking to the event's page. The size is the HTML part's as sent,
quoted-printable, which is what Gmail's clip counts.
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import Struct, field
from msgspec.structs import replace
from typing import TYPE_CHECKING

from newsletter.models import Digest, Event, Finding, RenderedEmail, Settings
from newsletter.rendering.present import SQUEEZES, DigestView

if TYPE_CHECKING:
    from newsletter.sources.compiled import CompiledCache


class Step(Struct, frozen=True):
    """What a fit learnt about its last step: with `count` entries shortened the HTML fitted, and showing
    `entry` (the count-th longest) in full again made it `grows` bytes bigger, over the limit.

    The preview passes it to the next fit of the week as its hint. With the
    built-in templates each entry is rendered, compiled and inlined on its
    own, so after an edit to any other entry, with the same settings,
    showing `entry` in full still adds exactly `grows` bytes: one render
    instead of two settles the fit. A group's own templates may not keep to
    that, so with them the fit always renders both.
    """

    count: int
    entry: Event
    shortened: frozenset[str]  # the ids of the entries shortened
    grows: int
    settings: Settings


class Fitted(Struct):
    """The digest as it will be sent, and what was done to make it fit."""

    view: DigestView
    email: RenderedEmail
    shortened: list[Event] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    step: Step | None = None  # for the next fit's hint, when entries were shortened to fit
    sent: int = 0  # the HTML part's bytes as sent (quoted-printable), which max_html_kb and Gmail's clip count

    def __post_init__(self) -> None:
        from newsletter.rendering.render import sent_bytes

        self.sent = sent_bytes(self.email.html)

    @property
    def html_bytes(self) -> int:
        return self.sent


def fit_digest(digest: Digest, settings: Settings, compiled: CompiledCache | None = None,
               hint: int | Step | None = None, text: Callable[[Fitted], None] | None = None) -> Fitted:
    """The week's digest in the layout the settings ask for; under max_html_kb when shortening can get it there.

    `compiled`: HTML compiled before, to be found again (render.compile_and_inline).
    `hint`: how many entries were shortened the last time this week was fitted
    (the preview knows); when it still holds, two renders confirm it, or one
    when it is the last fit's Step and that still applies.
    `text`: called with the fitted HTML's view before its text part is
    written (the command hands the share images to a helper process then).
    """
    from newsletter.rendering.render import GMAIL_CLIP_BYTES, digest_text, render_digest

    options = settings.digest
    limit = int(options.max_html_kb * 1000)
    candidates = [e for e in sorted(digest.events, key=_length, reverse=True) if e.body.strip()]

    tried: dict[int, Fitted] = {}

    def attempt(count: int) -> Fitted:
        """The HTML with the `count` longest descriptions shortened; the text part is written once, at the end."""
        if count not in tried:
            compact = frozenset(e.id for e in candidates[:count])
            view, email = render_digest(digest, settings, compact, compiled, text=False)
            tried[count] = Fitted(view, email, [v.event for v in view.shortened])
        return tried[count]

    def squeezed() -> Fitted:
        """Every entry brief, then the agenda alone: the first that fits, or the agenda alone if none does."""
        for squeeze in SQUEEZES:
            view, email = render_digest(digest, settings, compiled=compiled, text=False, squeeze=squeeze)
            found = Fitted(view, email, [v.event for v in view.shortened])
            if found.sent <= limit:
                break
        return found

    if options.layout == "compact":
        result = attempt(len(candidates))
    elif options.layout == "auto" and settings.archive_url:
        weights = [_length(e) for e in candidates]
        step = hint if isinstance(hint, Step) and _built_in(settings) else None

        def known_over(count: int) -> bool:
            """Whether `step` tells, without rendering, that `count` shortened is over the limit."""
            return (step is not None and count == step.count - 1 and step.settings == settings
                    and candidates[count] == step.entry
                    and frozenset(e.id for e in candidates[:step.count]) == step.shortened
                    and attempt(step.count).html_bytes + step.grows > limit)

        count = hint.count if isinstance(hint, Step) else hint
        fewest = _fewest(attempt, len(candidates), limit, weights, count, known_over)
        # over even with every description shortened: shorter still
        result = fewest if fewest is not None else squeezed()
        count = next((k for k, fitted in tried.items() if fitted is result), 0)
        if 0 < count and result.html_bytes <= limit and (count - 1 in tried or known_over(count - 1)):
            # The fewest that fit, so one fewer was over: by how much, rendered or as the step still tells.
            if count - 1 in tried:
                grows = tried[count - 1].html_bytes - result.html_bytes
            else:  # known_over said so, which only a step can
                grows = step.grows if step is not None else 0
            result.step = Step(count, candidates[count - 1], frozenset(e.id for e in candidates[:count]),
                               grows, settings)
    else:
        result = attempt(0)
    if text is not None:
        text(result)
    result.email = replace(result.email, text=digest_text(result.view, settings))
    size = f"digest.html is {result.html_bytes / 1000:.1f} KB as sent, over max_html_kb ({options.max_html_kb:g} KB)"
    if options.layout == "compact" and not settings.archive_url and candidates:
        result.warnings.append(Finding(
            "warning", "layout is \"compact\", but without archive_url there are no event pages to link to, "
            "so every description is shown in full", "set archive_url in newsletter.toml"))
    elif result.html_bytes <= limit:
        pass
    elif options.layout == "full":
        result.warnings.append(Finding("warning", size,
                                       "set layout = \"auto\" under [digest] to shorten the longest descriptions"))
    elif not settings.archive_url:
        result.warnings.append(Finding("warning", size, "set archive_url in newsletter.toml, so that the longest "
                                       "descriptions can link to their page in the archive instead"))
    elif result.html_bytes <= GMAIL_CLIP_BYTES:
        result.warnings.append(Finding("error", f"{size} even as the agenda alone, each line linking to its event",
                                       "move some events to another email, or raise max_html_kb (Gmail clips past 102)"))
    else:
        result.warnings.append(Finding("error", f"{size} and Gmail's 102 KB even as the agenda alone",
                                       "move some events to another email"))
    return result


def _built_in(settings: Settings) -> bool:
    """Whether the email is rendered with newsletter's own templates only."""
    from newsletter.rendering.templates import builtin_dir, search_path

    return search_path(settings) == [builtin_dir()]


def _fewest(attempt, most: int, limit: int, weights: list[int], hint: int | None = None,
            known_over=lambda count: False) -> Fitted | None:
    """The render with the fewest entries shortened that is under `limit` bytes, or None if even `most` is over.

    Shortening one more entry never makes the HTML bigger, so the answer lies
    between a count known to be over and one known to be under. A `hint` is
    tried first: if it is under and one fewer is over, it is the answer. Then
    each guess assumes the HTML shrinks in step with the length of the
    descriptions shortened, which is close to true, so two or three renders
    usually find it; a guess that narrows the range by less than a quarter is
    followed by a plain halving, so it never takes many more renders than a
    binary search. `known_over(count)`: True when a count is known to be over without rendering it.
    """
    def fits(count: int) -> bool:
        return not known_over(count) and attempt(count).html_bytes <= limit

    low = high = None  # over the limit with `low` shortened, under it with `high`
    if hint is not None and 0 < hint <= most:
        if not fits(hint):
            low = hint
        elif not fits(hint - 1):
            return attempt(hint)
        else:
            high = hint - 1
    if low is None:
        if fits(0):
            return attempt(0)
        low = 0
    if high is None:
        if not fits(most):
            return None
        high = most
    before = [0]
    for weight in weights:
        before.append(before[-1] + weight)
    halve = False
    while high - low > 1:
        if halve:
            middle = (low + high) // 2
        else:
            over, under = attempt(low).html_bytes, attempt(high).html_bytes
            share = (over - limit) / max(over - under, 1)  # how much of the saving between them is needed
            goal = before[low] + share * (before[high] - before[low])
            middle = next((k for k in range(low + 1, high) if before[k] >= goal), high - 1)
        span = high - low
        if fits(middle):
            high = middle
        else:
            low = middle
        halve = not halve and (high - low) > span * 3 / 4
    return attempt(high)


def _length(event: Event) -> int:
    return len(event.body)
