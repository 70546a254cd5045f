"""Renders an email view: Jinja2 → MJML → HTML (mjml-python) → inlined CSS (premailer); and the text part.

The weekly digest and the announcements of single events go through the same
functions; only the view and the template's name differ.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup

from newsletter import aside
from newsletter.rendering import templates
from newsletter.i18n import speaking
from newsletter.errors import TemplateProblem
from newsletter.models import Digest, Event, RenderedEmail, Settings
from newsletter.sources.compiled import CompiledCache
from newsletter.sources.store import tools_version
from newsletter.rendering.present import AnnouncementView, DigestView, EmailView, announcement_view, digest_view

GMAIL_CLIP_BYTES = 102_000
# Apple Mail must not rescale the email, and iOS must not turn dates, times and addresses into blue links
# that ignore the email's colours: the email marks up its own links.
CLIENT_METAS = ('<meta name="x-apple-disable-message-reformatting">'
                '<meta name="format-detection" content="telephone=no, date=no, address=no, email=no, url=no">')
_TOKEN = "newsletter-merge-tag-{}"
TOOLS = ("mjml", "premailer", "cssutils", "lxml", "cssselect", "requests")  # what compiled HTML depends on, besides newsletter


class MergeTags:
    """Stands in for mailing-service tags such as *|UNSUB|* while the HTML is processed.

    The CSS inliner serialises through lxml, which percent-encodes or escapes
    characters in href values; a plain token passes through untouched and is
    swapped for the tag, byte for byte, at the very end.
    """

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}

    def protect(self, value: str | None) -> str | None:
        if value is None or re.match(r"^(https?|mailto):", value):
            return value
        token = _TOKEN.format(len(self.tags))
        self.tags[token] = value
        return token

    def restore(self, html: str) -> str:
        for token, tag in self.tags.items():
            html = html.replace(token, tag)
        return html


def render_digest(digest: Digest, settings: Settings, compact: frozenset[str] = frozenset(),
                  compiled: CompiledCache | None = None, text: bool = True,
                  squeeze: str | None = None) -> tuple[DigestView, RenderedEmail]:
    """Subject, preheader, HTML and text of one week's digest, with the events in `compact` shortened.

    `compiled`: where HTML compiled before can be found again (and this one kept).
    `text`: False leaves the text part empty, for trial layouts (digest_text writes it).
    `squeeze`: shorter still, "brief" or "agenda" (present.digest_view).
    """
    with speaking(settings.language, settings.clock):
        view = digest_view(digest, settings, compact, squeeze)
        view.subject = templates.render_subject(settings, settings.subject, "subject", view.context())
        if settings.preheader:
            view.preheader = templates.render_subject(settings, settings.preheader, "preheader", view.context())
        if not text:
            # While the HTML is inlined in a helper process (if it is), this layout's share images start in the
            # other and its text part is written here: the layout that fits is usually the first tried.
            def meanwhile() -> None:
                digest_share(view, settings, compiled).prepare()
                _texts.setdefault(view, digest_text(view, settings))

            aside.when_idle(meanwhile)
            return view, RenderedEmail(view.subject, view.preheader,
                                       render_html(view, settings, "digest.mjml", compiled), "")
        return view, render_view(view, settings, "digest", compiled)


def sent_bytes(html: str) -> int:
    """What the HTML part weighs as sent: quoted-printable, as the .eml carries it, which Gmail's clip counts.

    binascii's encoder (in C, under a millisecond for a big week, so the
    preview can afford it on every fit) comes to within a few dozen bytes of
    the email package's, which writes the .eml; a test keeps them that close.
    """
    import binascii

    return len(binascii.b2a_qp(html.encode("utf-8").replace(b"\n", b"\r\n"), istext=True))  # lines end in CRLF on the wire


_texts: WeakKeyDictionary[DigestView, str] = WeakKeyDictionary()  # text parts written while waiting
_shares: WeakKeyDictionary[DigestView, Any] = WeakKeyDictionary()


def digest_share(view: DigestView, settings: Settings, compiled: CompiledCache | None = None) -> Any:
    """The share folder of a digest's `view` (rendering/share.py), made once: its images may have started in a
    helper process while the command waited for the HTML."""
    from newsletter.rendering.share import Share

    found = _shares.get(view)
    if found is None:
        found = _shares[view] = Share(view, settings, compiled)
    return found


def digest_text(view: DigestView, settings: Settings) -> str:
    """The text part of a digest rendered with text=False."""
    if (found := _texts.get(view)) is not None:
        return found
    with speaking(settings.language, settings.clock):
        return render_text(view, settings, "digest.txt")


def render_announcement(event: Event, settings: Settings, today, reminder: bool = False,
                        upcoming: tuple[Event, ...] = (), compiled: CompiledCache | None = None,
                        resumes: Event | None = None) -> tuple[AnnouncementView, RenderedEmail]:
    """One event's email as of `today`: a call to action, a change notice, or with `reminder` the short version.

    `resumes`: for a date of a series that is called off, the series' next date that goes ahead.
    """
    with speaking(settings.language, settings.clock):
        view = announcement_view(event, settings, today, reminder, upcoming, resumes)
        subject = templates.render_subject(settings, settings.announce_subject, "announce_subject", view.context())
        view.subject = view.subject_prefix + subject
        return view, render_view(view, settings, "announcement", compiled)


def render_view(view: EmailView, settings: Settings, name: str, compiled: CompiledCache | None = None) -> RenderedEmail:
    """The email for a view from the templates `name`.mjml and `name`.txt."""
    return RenderedEmail(view.subject, view.preheader, render_html(view, settings, f"{name}.mjml", compiled),
                         render_text(view, settings, f"{name}.txt"))


def render_html(view: EmailView, settings: Settings, template: str, compiled: CompiledCache | None = None) -> str:
    tags = MergeTags()
    context = view.context()
    context["unsubscribe_href"] = tags.protect(view.unsubscribe)
    context["view_online_href"] = tags.protect(view.view_online)
    for event_view in view.events:
        event_view.body_html = Markup(event_view.body_html)
    if isinstance(view, DigestView):
        context["intro_html"] = Markup(view.intro_html)
    source = templates.render(settings, template, context)
    html = compile_and_inline(source, templates.render(settings, "email.css", context), template, compiled)
    dark = templates.render(settings, "dark.css", context)
    html = html.replace("</head>", f'<style type="text/css">\n{dark.strip()}\n</style>\n</head>', 1)
    html = re.sub(r"(<head[^>]*>)", r"\1" + CLIENT_METAS, html, count=1)
    return tags.restore(html).rstrip("\n") + "\n"


def warm_inliner(settings: Settings) -> None:
    """Hand the helper process premailer's first inlining, with the email's CSS, while this one reads and renders
    (newsletter/aside.py; nothing without a helper started for the inliner). The CSS depends only on the
    settings; a group's own email.css that asks for more is simply not warmed."""
    from newsletter import aside
    from newsletter.rendering.inline import warm
    from newsletter.rendering.present import email_frame

    try:
        css = templates.render(settings, "email.css", email_frame(settings, None))
    except TemplateProblem:
        return
    aside.submit(warm, css)


def compile_and_inline(source: str, css: str, template: str, compiled: CompiledCache | None = None) -> str:
    """MJML to HTML with `css` inlined, or what the same MJML and CSS gave before, kept in `compiled`."""
    if compiled is None:
        return inline_css(compile_mjml(source, template), css)
    inputs = "\0".join((tools_version(*TOOLS), template, source, css)).encode("utf-8", "surrogateescape")
    html = compiled.get(inputs)
    if html is None:
        # Inlined through its shape, which an edit of words or links leaves as it was (rendering/inline.py).
        html = inline_css(compile_mjml(source, template), css, compiled, tools_version(*TOOLS))
        compiled.put(inputs, html)
    return html


_ATTRIBUTE = re.compile(r'(=")([^"]*[^\x00-\x7e][^"]*)(")')  # an attribute value with something past ASCII in it
# MRML writes these out as Rust escapes (\\u{301}) inside an attribute, which screen readers then read aloud:
# combining marks, format characters (zero-width joiner, bidi marks), variation selectors and controls.
_ESCAPED_BY_MRML = frozenset(("Mn", "Mc", "Me", "Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"))


def _attributes_as_references(source: str) -> str:
    """Attribute values with the characters MRML would escape written as character references, which it keeps."""
    import unicodedata

    def references(found: re.Match) -> str:
        value = "".join(f"&#x{ord(c):x};" if ord(c) > 0x7e and unicodedata.category(c) in _ESCAPED_BY_MRML else c
                        for c in found[2])
        return found[1] + value + found[3]

    return _ATTRIBUTE.sub(references, source)


def compile_mjml(source: str, template: str = "digest.mjml") -> str:
    import mjml

    try:
        # fonts={} keeps MRML from adding a web-font <link>: the email uses system fonts.
        return mjml.mjml2html(_attributes_as_references(source), disable_comments=True, fonts={})
    except ValueError as exc:
        raise TemplateProblem(f"{template}: the template does not compile as MJML: {exc}") from None


def inline_css(html: str, css: str, compiled: CompiledCache | None = None, tools: str = "") -> str:
    """Move `css` into style attributes (rendering/inline.py, which loads premailer when it must)."""
    from newsletter.rendering.inline import inline_css

    return inline_css(html, css, compiled, tools)


def render_text(view: EmailView, settings: Settings, template: str) -> str:
    text = templates.render(settings, template, view.context())
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and len(out) >= 2 and out[-1] == "" and out[-2] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"
