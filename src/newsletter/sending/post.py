"""`newsletter post`: an event's or a week's post on Mastodon, Bluesky or Telegram, with its card and the card's alt text.

The words and the picture are the share folder's (rendering/share.py), written to dist/ first like every other
output. Tokens come only from environment variables, never from a file of the project. `posted.log`, beside
newsletter.toml, keeps one JSON line per attempt and one per outcome, and refuses to post the same thing to the
same account twice (`--again` to do it anyway); an attempt with no outcome may have gone out, and counts.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
from msgspec import Struct
from msgspec.structs import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from newsletter.errors import NewsletterError
from newsletter.sending.sendlog import append, read_lines

LOG_NAME = "posted.log"
SERVICES = ("mastodon", "bluesky", "telegram")
TIMEOUT = 30  # seconds a service has to answer each request
# What each service needs, from the environment only.
VARIABLES = {
    "mastodon": ("NEWSLETTER_MASTODON_URL", "NEWSLETTER_MASTODON_TOKEN"),
    "bluesky": ("NEWSLETTER_BLUESKY_HANDLE", "NEWSLETTER_BLUESKY_APP_PASSWORD"),
    "telegram": ("NEWSLETTER_TELEGRAM_CHAT", "NEWSLETTER_TELEGRAM_TOKEN"),
}
BLUESKY_SERVICE = "NEWSLETTER_BLUESKY_SERVICE"  # the account's own server (PDS) instead of https://bsky.social
_LINK = re.compile(r"https?://\S+")
TELEGRAM_API = "NEWSLETTER_TELEGRAM_API"  # a self-hosted Bot API server instead of https://api.telegram.org
CAPTION = 1024  # Telegram's limit for a photo's caption; a longer text follows the photo as a message of its own


class Post(Struct, frozen=True):
    """What will be posted, and where."""

    service: str
    account: str  # the Mastodon server or the Telegram chat: where the post goes
    what: str  # "digest 2018-W04", "announcement 2018-01-27-rally": as sent.log names it
    language: str | None
    text: str
    image: bytes | None
    alt: str | None


class Logged(Struct, frozen=True):
    time: str
    service: str
    account: str
    what: str
    language: str | None
    result: str  # "posting" (an attempt), "posted" or "failed"
    attempt: str
    url: str | None = None


def credentials(service: str) -> tuple[str, str]:
    """(where, token) for `service` from the environment; NewsletterError naming what to set."""
    place, token = (os.environ.get(name, "").strip() for name in VARIABLES[service])
    missing = [name for name, value in zip(VARIABLES[service], (place, token), strict=True) if not value]
    if missing:
        example = {"mastodon": "NEWSLETTER_MASTODON_URL=https://social.example NEWSLETTER_MASTODON_TOKEN=<an access "
                               "token with write:statuses and write:media>",
                   "bluesky": "NEWSLETTER_BLUESKY_HANDLE=ourgroup.bsky.social NEWSLETTER_BLUESKY_APP_PASSWORD=<an "
                              "app password from Settings → Privacy and security → App passwords>",
                   "telegram": "NEWSLETTER_TELEGRAM_CHAT=@ourchannel NEWSLETTER_TELEGRAM_TOKEN=<the bot's token from "
                               "@BotFather>"}[service]
        raise NewsletterError(f"--to {service}: set {' and '.join(missing)} in the environment, such as: {example}")
    if service == "mastodon" and not place.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise NewsletterError(f"NEWSLETTER_MASTODON_URL: '{place}' must be the server's https:// address")
    return place.rstrip("/"), token


def prepare(result: Any, service: str, what: str) -> Post:
    """The post of `result` (an edition of a build or an announcement, its files written) for `service`."""
    share = result.share
    if share is None:
        raise NewsletterError("this email has no share folder to post from")
    text = share.messages()[service]
    image = result.outputs.get("share/card.png") if "share/card.png" in result.outputs else None
    alt = share.alt_text().strip() if image is not None else None
    account, _ = credentials(service)
    language = result.language if len(result.settings.editions) > 1 else None
    return Post(service, account, what, language, text, image, alt)


def to_post(config: Path, events_dir: Path, service: str, week: str | None = None, event: str | None = None,
            reminder: bool = False, today: date | None = None, language: str | None = None,
            cache: bool = True) -> Post:
    """Build the week (or announce `event`), writing its files and share folder, and make its post for `service`.

    The service's variables are checked first, so a missing token is said before anything is built.
    """
    from newsletter.sending.send import edition_of, what_of

    credentials(service)
    if event:
        from newsletter.outputs.announce import announce

        both: Any = announce(config, events_dir, event, reminder=reminder, today=today, cache=cache)
        if both.event.draft:
            raise NewsletterError(f"{both.event.path} is a draft (draft: true): remove that line before posting it")
        what = what_of(both)
    else:
        from newsletter.outputs.build import build

        both = build(config, events_dir, week=week, today=today, cache=cache)
        what = f"digest {both.week.id}"
    return prepare(edition_of(both, language), service, what)


def describe(post: Post) -> list[str]:
    """What `newsletter post` shows before it asks."""
    lines = [f"To: {post.service} ({post.account})", f"What: {post.what}" + (f" ({post.language})" if post.language
                                                                            else ""), ""]
    lines += post.text.rstrip("\n").split("\n")
    if post.image is not None:
        lines += ["", f"Image: card.png, 1200×630, alt text: {post.alt}"]
    return lines


# The log --------------------------------------------------------------------------------------------------------

def log_path(root: Path) -> Path:
    return root / LOG_NAME


def read_log(path: Path) -> list[Logged]:
    return read_lines(path, Logged, "post")


def earlier_post(entries: list[Logged], post: Post) -> Logged | None:
    """The attempt or post of the same thing, in the same language, to the same account, if there is one."""
    outcomes = {entry.attempt: entry.result for entry in entries if entry.result != "posting"}
    for entry in reversed(entries):
        same = (entry.service, entry.account, entry.what, entry.language) == (
            post.service, post.account, post.what, post.language)
        if same and entry.result == "posting" and outcomes.get(entry.attempt, "posting") in ("posting", "posted"):
            return entry
    return None


def _append(path: Path, entry: Logged) -> None:
    try:
        append(path, entry)
    except OSError as exc:
        raise NewsletterError(f"{path}: cannot write the post log: {exc.strerror or exc}") from None


def publish(post: Post, root: Path) -> str:
    """Post `post`, logging the attempt and its outcome; the post's address. Raises NewsletterError."""
    path = log_path(root)
    attempt = secrets.token_hex(8)
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    base = Logged(now, post.service, post.account, post.what, post.language, "posting", attempt)
    _append(path, base)
    try:
        url = {"mastodon": _mastodon, "bluesky": _bluesky, "telegram": _telegram}[post.service](post, attempt)
    except NewsletterError:
        _append(path, Logged(**{**asdict(base), "result": "failed"}))
        raise
    _append(path, Logged(**{**asdict(base), "result": "posted", "url": url}))
    return url


# The services ---------------------------------------------------------------------------------------------------

def _mastodon(post: Post, attempt: str) -> str:
    """With Mastodon.py: the card as media with its description, then the status (idempotent by attempt)."""
    from mastodon import Mastodon, MastodonError

    place, token = credentials("mastodon")
    try:
        api = Mastodon(access_token=token, api_base_url=place, version_check_mode="none", request_timeout=TIMEOUT)
        media = []
        if post.image is not None:
            media.append(api.media_post(post.image, mime_type="image/png", description=post.alt, file_name="card.png"))
        status = api.status_post(post.text, media_ids=media or None, language=post.language, idempotency_key=attempt)
    except MastodonError as exc:
        raise NewsletterError(f"Mastodon ({place}): {_first_line(exc)}") from None
    return str(status.get("url") or status.get("uri") or "")


def _bluesky(post: Post, attempt: str) -> str:
    """With the AT Protocol SDK: sign in with an app password, upload the card with its alt text, and post the text
    with each link made a link facet (the byte range Bluesky's apps show as a link)."""
    from atproto import Client, client_utils, models
    from atproto.exceptions import AtProtocolError

    handle, password = credentials("bluesky")
    service = os.environ.get(BLUESKY_SERVICE, "https://bsky.social").rstrip("/")
    if not service.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise NewsletterError(f"{BLUESKY_SERVICE}: '{service}' must be the server's https:// address")
    text = client_utils.TextBuilder()
    position = 0
    for found in _LINK.finditer(post.text):
        text.text(post.text[position:found.start()])
        text.link(found.group(), found.group())
        position = found.end()
    text.text(post.text[position:])
    try:
        client = Client(base_url=f"{service}/xrpc")
        client.login(handle, password)
        langs = [post.language] if post.language else None
        if post.image is not None:
            ratio = models.AppBskyEmbedDefs.AspectRatio(width=1200, height=630)
            made = client.send_image(text=text, image=post.image, image_alt=post.alt or "", langs=langs,
                                     image_aspect_ratio=ratio)
        else:
            made = client.send_post(text=text, langs=langs)
    except AtProtocolError as exc:
        raise NewsletterError(f"Bluesky ({service}): {_first_line(exc) or type(exc).__name__}") from None
    return f"https://bsky.app/profile/{handle}/post/{made.uri.rsplit('/', 1)[-1]}"


def _telegram(post: Post, attempt: str) -> str:
    """Through the Bot API: the card with the text as its caption (HTML, Telegram's bold and italic kept), or the
    card then the text when the text is longer than a caption may be."""
    import requests

    chat, token = credentials("telegram")
    api = os.environ.get(TELEGRAM_API, "https://api.telegram.org").rstrip("/")
    text = _telegram_html(post.text)
    fits = len(post.text.encode("utf-16-le")) // 2 <= CAPTION

    def call(method: str, data: dict, files: dict | None = None) -> dict:
        try:
            answer = requests.post(f"{api}/bot{token}/{method}", data=data, files=files, timeout=TIMEOUT)
            found = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise NewsletterError(f"Telegram: {method} did not answer: {_first_line(exc)}") from None
        if not found.get("ok"):
            raise NewsletterError(f"Telegram: {method}: {found.get('description', 'refused')}")
        return found["result"]

    message = None
    if post.image is not None:
        data = {"chat_id": chat, **({"caption": text, "parse_mode": "HTML"} if fits else {})}
        message = call("sendPhoto", data, {"photo": ("card.png", post.image, "image/png")})
    if post.image is None or not fits:
        message = call("sendMessage", {"chat_id": chat, "text": text, "parse_mode": "HTML",
                                       "link_preview_options": json.dumps({"is_disabled": post.image is not None})})
    username = ((message or {}).get("chat") or {}).get("username")
    return f"https://t.me/{username}/{message['message_id']}" if username and message else f"{chat} message"


def _telegram_html(text: str) -> str:
    """telegram.txt's **bold** and __italic__ as the Bot API's HTML, everything else escaped."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
    return re.sub(r"__(.+?)__", r"<i>\1</i>", escaped)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().split("\n") or [type(exc).__name__])[0][:300]
