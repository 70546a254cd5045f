"""The pre-send check: what in a rendered digest would embarrass a group in front of its list.

Each finding is an error (fix it before sending) or a warning (worth a look),
with what to do about it.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from newsletter.colors import AA, HEX, contrast
from newsletter.sources.config import MERGE_TAG
from newsletter.models import Finding, RenderedEmail, Settings
from newsletter.rendering.render import GMAIL_CLIP_BYTES, sent_bytes

SUBJECT_LIMIT = 70
VAGUE_LINK_TEXT = {"click here", "here", "click", "link", "this link", "read more", "more", "learn more", "this"}


def lint(email: RenderedEmail, settings: Settings, subject_fix: str = "shorten the subject setting") -> list[Finding]:
    """Every finding for one rendered email (digest or announcement), errors first."""
    import lxml.html

    document = lxml.html.document_fromstring(email.html)
    findings = (
        _size(email) + _images(document) + _links(document, settings) + _subject(email, subject_fix)
        + _unsubscribe(document, email, settings) + _address(settings) + _contrast(document, settings)
    )
    return sorted(findings, key=lambda f: f.severity != "error")


def _size(email: RenderedEmail) -> list[Finding]:
    size = sent_bytes(email.html)  # as sent: quoted-printable, which Gmail's clip counts
    if size <= GMAIL_CLIP_BYTES:
        return []
    return [Finding("error", f"the HTML is {size / 1000:.1f} KB as sent; Gmail clips messages over 102 KB and hides "
                    "the rest", "shorten event descriptions, or link to the full text instead")]


def _images(document) -> list[Finding]:
    found = []
    for image in document.iter("img"):
        if not (image.get("alt") or "").strip():
            found.append(Finding("error", f"image {image.get('src')!r} has no alt text",
                                 "add alt: to the event's image, or alt text to the template's <img>"))
    return found


def image_findings(images) -> list[Finding]:
    """Warnings about the images an email shows (models.Image): too heavy to load, or of unknown size."""
    from newsletter.sources.images import HEAVY_BYTES

    found = []
    for image in images:
        name = image.file or image.src
        if image.bytes is not None and image.bytes > HEAVY_BYTES:
            found.append(Finding("warning", f"image {name} is {image.bytes / 1_000_000:.1f} MB; phones on a slow "
                                 "connection wait for it, and some clients do not show it at all",
                                 "save it about 1200 pixels wide as a JPEG, well under 1 MB"))
        if image.height is None or image.width is None:
            found.append(Finding("warning", f"image {name} has no width and height, so email clients cannot keep "
                                 "its space while it loads and the text jumps",
                                 "add its size in pixels under src and alt, as width: 1200 and height: 675"))
    return found


def _is_merge_tag(href: str, settings: Settings) -> bool:
    known = {settings.unsubscribe, settings.view_online} - {None}
    return href in known or bool(MERGE_TAG.fullmatch(href))


def _links(document, settings: Settings) -> list[Finding]:
    found = []
    targets_by_text: dict[str, set[str]] = defaultdict(set)
    ids = {element.get("id") for element in document.iter() if isinstance(element.tag, str) and element.get("id")}
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        words = " ".join(anchor.text_content().split())
        label = words or href
        scheme = urlsplit(href).scheme.lower()
        if not href:
            found.append(Finding("error", f"link '{label}' goes nowhere", "give it an https:// address"))
        elif href.startswith("#"):  # to a part of this email, such as the agenda's links to entries
            if href[1:] not in ids:
                found.append(Finding("error", f"link '{label}' points to {href}, which is not in the email",
                                     "link to the id of an element of the email, or to a full https:// address"))
        elif _is_merge_tag(href, settings) or scheme in ("mailto", "tel"):
            pass
        elif scheme == "http":
            found.append(Finding("warning", f"link '{label}' is not secure: {href}", "use the https:// address"))
        elif scheme != "https" or not urlsplit(href).netloc:
            found.append(Finding("error", f"link '{label}' is not a full https:// address: {href}",
                                 "write the whole address, starting with https://"))
        if not words and anchor.find(".//img") is None:
            found.append(Finding("error", f"a link to {href} has no text", "give the link words that say where it goes"))
        elif words.lower().strip(".!:") in VAGUE_LINK_TEXT:
            found.append(Finding("warning", f"link text '{words}' does not say where it goes",
                                 "name the destination, such as 'the petition' or 'RSVP for the rally'"))
        # Screen readers announce aria-label in place of the words, so it names the link.
        name = " ".join((anchor.get("aria-label") or words).split())
        if name:
            targets_by_text[name.lower()].add(href)
    for words, targets in targets_by_text.items():
        if len(targets) > 1:
            found.append(Finding("warning", f"{len(targets)} different links all say '{words}'",
                                 "make each link's text say where it goes"))
    return found


def _subject(email: RenderedEmail, fix: str) -> list[Finding]:
    found = []
    if len(email.subject) > SUBJECT_LIMIT:
        found.append(Finding("warning", f"the subject is {len(email.subject)} characters; "
                             f"inboxes cut it off after about {SUBJECT_LIMIT}",
                             fix))
    if not email.preheader.strip():
        found.append(Finding("warning", "there is no preheader, so inboxes show the first words of the email instead",
                             "give events a summary, or keep the preheader in the template"))
    return found


def _unsubscribe(document, email: RenderedEmail, settings: Settings) -> list[Finding]:
    if settings.unsubscribe and any(a.get("href") == settings.unsubscribe for a in document.iter("a")):
        return []
    if settings.provider.adds_footer:
        return [Finding("warning", f"the email has no unsubscribe link; {settings.provider.label} adds its own footer",
                        "set unsubscribe in newsletter.toml so the email says how to leave as well")]
    return [Finding("error", "the email has no unsubscribe link or merge tag",
                    "set provider (such as \"mailchimp\") or unsubscribe in newsletter.toml")]


def _address(settings: Settings) -> list[Finding]:
    if settings.address or settings.provider.adds_footer:
        return []
    return [Finding("warning", "there is no postal address in the footer; anti-spam laws such as CAN-SPAM ask for one",
                    "set address in newsletter.toml")]


def _contrast(document, settings: Settings) -> list[Finding]:
    found = []
    seen = set()
    for element in document.iter():
        color = _style(element).get("color")
        if not color or not HEX.match(color):
            continue
        background = _background(element) or settings.theme.background
        ratio = contrast(color, background)
        if ratio < AA and (color, background) not in seen:
            seen.add((color, background))
            found.append(Finding("error", f"text coloured {color} on {background} has contrast {ratio:.1f}:1, under 4.5:1",
                                 "pick theme colours (or template styles) with more contrast"))
    return found


def _style(element) -> dict[str, str]:
    style = element.get("style") if isinstance(element.tag, str) else None
    pairs = (part.split(":", 1) for part in (style or "").split(";") if ":" in part)
    return {k.strip().lower(): v.strip().lower().removesuffix("!important").strip() for k, v in pairs}


def _background(element) -> str | None:
    for node in [element, *element.iterancestors()]:
        style = _style(node)
        for value in (style.get("background-color"), style.get("background"), node.get("bgcolor")):
            if value and HEX.match(value.strip()):
                return value.strip()
    return None
