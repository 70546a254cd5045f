"""An event or a week as chat messages and social posts: the words of its email, in each service's own marks and
within each service's limit, counted the way that service counts.

The texts come from the same views as the email (rendering/present.py) and from templates beside the email's
(share/event.txt, share/week.txt), so a group's own templates folder can change them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from msgspec import Struct
from typing import Any

from newsletter.aside import Pending, submit
from newsletter.i18n import _
from newsletter.models import Finding, Settings
from newsletter.rendering.cards import Card
from newsletter.rendering import templates
from newsletter.rendering.present import AnnouncementView, DigestView, status_label
from newsletter.sources import body

MASTODON_URL = 23  # Mastodon counts every link as 23 characters, however long
_URL = re.compile(r"https?://\S+")
# Text of these code points alone (Latin, its punctuation and the dashes, CJK ideographs; no carriage return, no
# combining mark, joiner or variation selector) is one grapheme per code point: counted without the regex module.
_ONE_EACH = re.compile(r"[\x00-\x0c\x0e-\u02ff\u2010-\u2027\u2030-\u205e\u3000-\u303f\u4e00-\u9fff]*")


class Channel(Struct, frozen=True):
    """A service a message or post is written for: its file, its marks for bold and italic, and its limit."""

    name: str
    bold: str = ""
    italic: str = ""
    limit: int | None = None  # in the service's own count (see length); None: none worth writing for
    post: bool = False  # a public post (hashtags, the shortest version that fits) rather than a group message


CHANNELS = (
    # WhatsApp: *bold* and _italic_ (its help centre's "Formatting your messages"); a message can be long.
    Channel("whatsapp", "*", "_"),
    # Telegram's apps read **bold** and __italic__ as typed; a message is at most 4,096 characters.
    Channel("telegram", "**", "__", 4096),
    # Signal shows text as it is: no marks.
    Channel("signal"),
    # Mastodon: 500 characters (each link counted as 23), by the server's default.
    Channel("mastodon", limit=500, post=True),
    # Bluesky: 300 graphemes; links stay whole, so posting can make them link facets.
    Channel("bluesky", limit=300, post=True),
)


def length(channel: str, text: str) -> int:
    """`text`'s length as `channel` counts it: Mastodon in grapheme clusters with every link as 23; Bluesky in
    grapheme clusters; Telegram in UTF-16 code units (its Bot API's measure); the others in characters."""
    if channel == "mastodon":
        return graphemes(_URL.sub("x" * MASTODON_URL, text))
    if channel == "bluesky":
        return graphemes(text)
    if channel == "telegram":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def graphemes(text: str) -> int:
    """How many user-perceived characters (Unicode's extended grapheme clusters) `text` has."""
    if _ONE_EACH.fullmatch(text):
        return len(text)
    import regex

    return len(regex.findall(r"\X", text))


def hashtags(settings: Settings) -> str:
    return " ".join(f"#{tag}" for tag in settings.share.hashtags)


def event_messages(view: AnnouncementView, settings: Settings) -> dict[str, str]:
    """The event's message or post for every channel, by channel name, in the view's language."""
    event = view.event
    notice = view.notice
    if notice:
        heading = f"{notice['label'].upper()}: {event.title}"
    else:
        heading = event.headline or event.title
    links = [{"label": button["label"], "href": button["href"]} for button in event.buttons]
    if view.event_page:
        links.append({"label": _read_more(), "href": view.event_page})
    opening = _opening(view)
    context = view.context() | {"event": event, "heading": heading, "links": links, "opening": opening,
                                "above": view.kicker if view.reminder else None}
    return {channel.name: _fitted(channel, "share/event.txt", context, settings, "detail", (3, 2, 1, 0))
            for channel in CHANNELS}


def _opening(view: AnnouncementView) -> str:
    """What a message and a flyer quote of the description: the summary, or else its first paragraph."""
    event = view.event
    if event.summary:
        return event.summary
    return body.to_text(body.first_paragraph(event.event.body)).strip() if event.event.body.strip() else ""


def _read_more() -> str:
    """The label of the link to the event's page: "Read more", in the language being written."""
    return _("Read more:").rstrip(":\uff1a ")


def week_messages(view: DigestView, settings: Settings) -> dict[str, str]:
    """The week's message or post for every channel: its agenda, as much of it as fits, and the week's page."""
    page = f"{settings.archive_url}{view.week['id']}/" if settings.archive_url else None
    agenda = [{"glance": entry.glance, "title": entry.title,
               "status_label": status_label(entry.event.status) if entry.event.changed else None}
              for entry in view.agenda]
    context = view.context() | {"agenda": agenda, "page": page}
    counts = tuple(range(len(agenda), -1, -1))
    return {channel.name: _fitted(channel, "share/week.txt", context, settings, "shown", counts)
            for channel in CHANNELS}


def _fitted(channel: Channel, template: str, context: dict[str, Any], settings: Settings, knob: str,
            steps: tuple[int, ...]) -> str:
    """The template for `channel` with the most that fits its limit, from the first of `steps` down;
    the last one when none fits (check reports it)."""
    marks = {"b": channel.bold, "i": channel.italic, "tags": hashtags(settings) if channel.post else ""}
    text = ""
    for value in steps if channel.limit is not None else steps[:1]:
        text = _tidy(templates.render(settings, template, context | marks | {knob: value}))
        if channel.limit is None or length(channel.name, text) <= channel.limit:
            break
    return text


def _tidy(text: str) -> str:
    """No blank line at either end, and never two in a row."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def over_limit(channel: str, text: str) -> int:
    """How far `text` is over `channel`'s limit (0 when within it)."""
    found = next((c for c in CHANNELS if c.name == channel), None)
    if found is None or found.limit is None:
        return 0
    return max(length(channel, text) - found.limit, 0)


SHARE_TEXTS = tuple(f"share/{channel.name}.txt" for channel in CHANNELS)


class Share:
    """An email's chat messages, posts and share images, each worked out the first time it is asked for (the
    preview never pays for them), in the email's language.

    `view`: the email's AnnouncementView or DigestView; `compiled`: where images drawn before are found again.
    """

    def __init__(self, view: AnnouncementView | DigestView, settings: Settings, compiled: Any = None):
        self.view, self.settings, self.compiled = view, settings, compiled
        self._messages: dict[str, str] | None = None
        self._drawn: dict[tuple[int, int], Any] = {}
        self._later: dict[Any, Callable[[], tuple[bytes, dict[str, Any]]]] = {}  # images and flyer, when asked
        self._card: Card | None = None

    def _speaking(self):
        from newsletter.i18n import speaking

        return speaking(self.settings.language, self.settings.clock)

    def messages(self) -> dict[str, str]:
        if self._messages is None:
            with self._speaking():
                if isinstance(self.view, AnnouncementView):
                    self._messages = event_messages(self.view, self.settings)
                else:
                    self._messages = week_messages(self.view, self.settings)
        return self._messages

    def card(self) -> Card:
        """What the images say (worked out once: the images, their alt text and the flyer's key all ask)."""
        if self._card is None:
            with self._speaking():
                self._card = event_card(self.view, self.settings) if isinstance(self.view, AnnouncementView) \
                    else week_card(self.view, self.settings)
        return self._card

    def shown(self) -> Card:
        """What both images say: a week's agenda as far as the 1200×630 card holds it, the rest "…", so that the
        square and the alt text say the same as the card (an event's card is all there is)."""
        from msgspec.structs import replace

        from newsletter.rendering.cards import CARD

        card = self.card()
        if not card.lines:
            return card
        count = self.drawn(CARD).shown
        return card if count >= len(card.lines) else replace(card, lines=card.lines[:count],
                                                             more=len(card.lines) - count)

    def alt_text(self) -> str:
        """card.txt: what the images say, in reading order."""
        card = self.shown() if self.settings.share.images and self.images_missing() is None else self.card()
        with self._speaking():
            return _tidy(templates.render(self.settings, "share/card.txt", {"card": card}))

    def images_missing(self) -> str | None:
        """Why the images cannot be drawn (the fonts are not installed), or None when they can."""
        from newsletter.rendering.cards import MissingFonts, font_key

        if not self.settings.share.images:
            return None
        try:
            font_key(self.card())
        except MissingFonts as exc:
            return str(exc)
        return None

    def prepare(self) -> None:
        """Start what is not kept yet (the images, an event's flyer) in the command's helper process, when it
        has one (newsletter/aside.py): they are drawn there while this process writes the email's files."""
        from newsletter.rendering.cards import CARD, SQUARE

        if self.settings.share.images and self.images_missing() is None:
            self._image(CARD)
            if not self.card().lines:  # a week's square waits for the card: it shows the entries the card does
                self._image(SQUARE)
            if isinstance(self.view, AnnouncementView):
                self._flyer_later()

    def drawn(self, size: tuple[int, int]):
        """The image at `size` (rendering/cards.py), from the compiled cache when the same card was drawn before."""
        from newsletter.rendering.cards import Drawn

        if size not in self._drawn:
            png, facts = self._image(size)()
            self._drawn[size] = Drawn(png, facts["title_size"], facts["color"], facts.get("shown", len(self.card().lines)))
        return self._drawn[size]

    def _image(self, size: tuple[int, int]) -> Callable[[], tuple[bytes, dict[str, Any]]]:
        from newsletter.rendering.cards import CARD, draw, font_key
        from newsletter.sources.store import stamp_of, tools_version

        if size not in self._later:
            card = self.card() if size == CARD else self.shown()
            logo = self.settings.root / card.logo if card.logo else None
            inputs = [list(size), [getattr(card, name) for name in card.__struct_fields__],
                      font_key(card), tools_version("PIL"), str(stamp_of(logo)) if logo else None]
            self._later[size] = self._kept_or_made(
                inputs, ".card", lambda: submit(draw, card, size, self.settings.root),
                lambda made: (made.png, {"title_size": made.title_size, "color": made.text_color, "shown": made.shown}))
        return self._later[size]

    def _kept_or_made(self, inputs: list, suffix: str, start: Callable[[], Pending],
                      unpack: Callable[[Any], tuple[bytes, dict[str, Any]]]) -> Callable[[], tuple[bytes, dict[str, Any]]]:
        """What was made before for the same `inputs` (a file's bytes, and what is known of it), kept in the
        compiled cache as JSON with the bytes in base64; else what `start` begins to make, `unpack`ed when
        asked for, and kept."""
        import base64
        import json

        key = json.dumps(inputs).encode("utf-8", "surrogateescape")
        kept = self.compiled.get(key, suffix) if self.compiled is not None else None
        if kept is not None:
            found = json.loads(kept)
            data = base64.b64decode(found.pop("bytes"))
            return lambda: (data, found)
        pending, made = start(), list[tuple[bytes, dict[str, Any]]]()

        def finished() -> tuple[bytes, dict[str, Any]]:
            if not made:
                data, facts = unpack(pending.result())
                if self.compiled is not None:
                    self.compiled.put(key, json.dumps({"bytes": base64.b64encode(data).decode("ascii"), **facts}),
                                      suffix)
                made.append((data, facts))
            return made[0]

        return finished

    def files(self) -> dict[str, Any]:
        """The share folder's files by name, each a function that makes it when first asked."""
        from newsletter.rendering.cards import CARD, SQUARE

        found: dict[str, Any] = {name: (lambda channel=name: self.messages()[channel[6:-4]].encode("utf-8"))
                                 for name in SHARE_TEXTS}
        if self.settings.share.images and self.images_missing() is None:
            found["share/card.png"] = lambda: self.drawn(CARD).png
            found["share/square.png"] = lambda: self.drawn(SQUARE).png
            found["share/card.txt"] = lambda: self.alt_text().encode("utf-8")
            if isinstance(self.view, AnnouncementView):
                found["share/flyer.pdf"] = self.flyer
        return found

    def flyer(self) -> bytes:
        return self._flyer()[0]

    def _flyer(self) -> tuple[bytes, float]:
        """The event's printable flyer (rendering/flyer.py) and its title's size, from the compiled cache when
        made before."""
        pdf, known = self._flyer_later()()
        return pdf, known["title_size"]

    def _flyer_later(self) -> Callable[[], tuple[bytes, dict[str, Any]]]:
        from newsletter.rendering.cards import font_key
        from newsletter.rendering.flyer import flyer_pdf, paper
        from newsletter.sources.store import tools_version

        if "flyer" not in self._later:
            assert isinstance(self.view, AnnouncementView)
            with self._speaking():
                facts = flyer_facts(self.view)
            inputs = [facts, self.settings.language, self.settings.direction, self.settings.theme.accent,
                      paper(self.settings), font_key(self.card()), tools_version("pydyf", "segno", "uharfbuzz", "bidi")]
            self._later["flyer"] = self._kept_or_made(inputs, ".flyer", lambda: submit(flyer_pdf, facts, self.settings),
                                                      lambda made: (made[0], {"title_size": made[1]}))
        return self._later["flyer"]

    def findings(self) -> list[Finding]:
        """What check and the commands report: a post over its limit, a link that is not https, a title shrunk
        below a legible size, images that cannot be drawn."""
        from newsletter.rendering.cards import CARD, LEGIBLE, SQUARE

        found = []
        for channel, text in self.messages().items():
            if over := over_limit(channel, text):
                found.append(Finding("warning", f"share/{channel}.txt is {over} over {channel}'s limit even at its "
                                     "shortest", "shorten the title or the place"))
        links = sorted({url for text in self.messages().values() for url in _URL.findall(text)
                        if not url.startswith("https://")})
        for url in links:
            found.append(Finding("warning", f"the link {url} in the share texts is not https: phones warn about it "
                                 "or do not make it a link", "use its https:// address"))
        if (missing := self.images_missing()) is not None:
            found.append(Finding("warning", f"no share images: {missing}", ""))
        elif self.settings.share.images:
            for size in (CARD, SQUARE):
                drawn = self.drawn(size)
                if drawn.title_size < LEGIBLE:
                    found.append(Finding("warning", f"the title had to shrink to {drawn.title_size} px to fit the "
                                         f"{size[0]}×{size[1]} share image, too small to read on a phone",
                                         "give the event a shorter title, or a short_title"))
            if isinstance(self.view, AnnouncementView):
                from newsletter.rendering.flyer import LEGIBLE_TITLE

                if (points := self._flyer()[1]) < LEGIBLE_TITLE:
                    found.append(Finding("warning", f"the flyer's title had to shrink to {points:g} pt to fit, too small "
                                         "to read from a few steps away", "give the event a shorter title"))
        return found


def flyer_facts(view: AnnouncementView) -> dict[str, Any]:
    """What an event's flyer says, from its announcement: a change first, then when, where, the opening words,
    and the link its QR code opens (the RSVP, else the event's page, else the online meeting)."""
    from newsletter.rendering.flyer import opening_of

    event = view.event
    notice = view.notice
    location = event.location or {}
    where = _("to be announced") if location.get("tbd") else location.get("name") or ""
    links = [(button["href"], button["label"]) for button in event.buttons if button["href"] == event.rsvp]
    if view.event_page:
        links.append((view.event_page, _read_more()))
    links += [(button["href"], button["label"]) for button in event.buttons]
    link, label = links[0] if links else (None, "")
    return {"kicker": notice["label"].upper() if notice else view.kicker, "title": event.title,
            "when": notice["when"] if notice and notice["when"] else event.when,
            "notice": [line for line in (notice["change"], notice["reason"], notice["next"]) if line] if notice else [],
            "where": where, "address": location.get("address") or "", "opening": opening_of(_opening(view)),
            "link": link, "link_label": label, "name": view.name}


def event_card(view: AnnouncementView, settings: Settings) -> Card:
    event = view.event
    where = None
    if event.location and not event.location["tbd"]:
        where = ", ".join(part for part in (event.location["name"], event.location["address"]) if part)
    elif event.online:
        where = _("Join online")
    kicker = view.notice["label"] if view.notice else view.kicker
    when = view.notice["when"] if view.notice and view.notice["when"] else event.when
    return Card(kicker=kicker, title=event.title, when=when, where=where, name=settings.name,
                language=settings.language, direction=settings.direction, background=settings.theme.accent,
                logo=_logo_file(settings))


def week_card(view: DigestView, settings: Settings) -> Card:
    lines = tuple(f"{entry.glance}  {entry.title}" for entry in view.agenda)
    return Card(kicker=settings.name, title=view.week["label"], when="", where=None, name=settings.organization or "",
                language=settings.language, direction=settings.direction, background=settings.theme.accent,
                lines=lines, logo=_logo_file(settings))


def _logo_file(settings: Settings) -> str | None:
    logo = settings.theme.logo
    return logo.file if logo is not None else None
