"""`newsletter post`, with the real clients (Mastodon.py; requests for Telegram's Bot API) talking to local servers
that answer each documented endpoint and keep what arrived."""

from __future__ import annotations

import json
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from newsletter.cli import main

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"


class Service:
    """A loopback HTTP server that answers from `answers` (path → JSON) and records every request."""

    def __init__(self, answers: dict[str, dict], status: int = 200):
        self.requests: list[dict] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                         "form": _form(self.headers.get("Content-Type", ""), body)})
                answer = next((a for path, a in answers.items() if self.path.endswith(path)), None)
                data = json.dumps(answer if answer is not None else {"error": "no such endpoint"}).encode()
                self.send_response(status if answer is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - Mastodon.py asks the server's version first
                service.requests.append({"path": self.path, "headers": dict(self.headers), "body": b"", "form": {}})
                asked = self.path.split("?")[0].rstrip("/")
                answer = next((a for path, a in answers.items() if asked.endswith(path)), None)
                data = json.dumps(answer if answer is not None else {"error": "no such endpoint"}).encode()
                self.send_response(200 if answer is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _form(content_type: str, body: bytes) -> dict:
    """A request's fields: multipart/form-data parts (a file as its bytes), or url-encoded pairs."""
    from urllib.parse import parse_qs

    if content_type.startswith("multipart/form-data"):
        parsed = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=policy.HTTP)
        return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                for part in parsed.iter_parts()}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0].encode() for k, v in parse_qs(body.decode()).items()}
    return {}


STATUS = {"id": "201", "url": "https://social.example/@isoboston/201", "uri": "https://social.example/statuses/201",
          "content": "<p>posted</p>", "created_at": "2018-01-20T12:00:00.000Z", "visibility": "public",
          "account": {"id": "1", "username": "isoboston", "acct": "isoboston"}, "media_attachments": []}
INSTANCE = {"/api/v2/instance": {"domain": "social.example", "title": "Social", "version": "4.3.0",
                                 "api_versions": {"mastodon": 2}},
            "/api/v1/instance": {"uri": "social.example", "title": "Social", "version": "4.3.0"}}
MEDIA = {"id": "101", "type": "image", "url": "https://social.example/media/101.png", "description": "alt"}


@pytest.fixture
def mastodon(monkeypatch):
    found = Service({"/api/v1/statuses": STATUS, "/api/v2/media": MEDIA, "/api/v1/media": MEDIA, **INSTANCE})
    monkeypatch.setenv("NEWSLETTER_MASTODON_URL", found.url)
    monkeypatch.setenv("NEWSLETTER_MASTODON_TOKEN", "token-123")
    yield found
    found.close()


@pytest.fixture
def telegram(monkeypatch):
    message = {"message_id": 7, "chat": {"id": -1001, "type": "channel", "username": "isoboston"}, "date": 1516449600}
    found = Service({"/sendPhoto": {"ok": True, "result": message}, "/sendMessage": {"ok": True, "result": message}})
    monkeypatch.setenv("NEWSLETTER_TELEGRAM_API", found.url)
    monkeypatch.setenv("NEWSLETTER_TELEGRAM_CHAT", "@isoboston")
    monkeypatch.setenv("NEWSLETTER_TELEGRAM_TOKEN", "42:secret")
    yield found
    found.close()


def _jwt(payload: dict) -> str:
    """A token shaped as the AT Protocol's session tokens are (the SDK reads its expiry; nothing checks a signature)."""
    import base64

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256K', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"  # a valid CID (raw, sha2-256), as a blob's ref


@pytest.fixture
def bluesky(monkeypatch):
    token = _jwt({"scope": "com.atproto.access", "sub": "did:plc:isoboston", "iat": 1700000000, "exp": 4102444800})
    found = Service({
        "/xrpc/com.atproto.server.createSession": {"accessJwt": token, "refreshJwt": token,
                                                   "handle": "isoboston.example", "did": "did:plc:isoboston"},
        "/xrpc/app.bsky.actor.getProfile": {"did": "did:plc:isoboston", "handle": "isoboston.example"},
        "/xrpc/com.atproto.repo.uploadBlob": {"blob": {"$type": "blob", "ref": {"$link": CID},
                                                       "mimeType": "image/png", "size": 1}},
        "/xrpc/com.atproto.repo.createRecord": {"uri": "at://did:plc:isoboston/app.bsky.feed.post/3kxyz", "cid": CID},
    })
    monkeypatch.setenv("NEWSLETTER_BLUESKY_SERVICE", found.url)
    monkeypatch.setenv("NEWSLETTER_BLUESKY_HANDLE", "isoboston.example")
    monkeypatch.setenv("NEWSLETTER_BLUESKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")
    yield found
    found.close()


def post(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["post", *args], input=input)


def test_an_event_goes_to_mastodon_with_its_card_alt_text_and_words(sample, mastodon):
    result = post("--event", RALLY, "--today", "2018-01-20", "--to", "mastodon", "--yes")
    assert result.exit_code == 0, result.output
    share = sample / "dist" / "announce" / RALLY / "share"
    media, status = [request for request in mastodon.requests if "instance" not in request["path"]]
    assert media["path"].endswith("/media") and status["path"] == "/api/v1/statuses"
    assert media["headers"]["Authorization"] == "Bearer token-123"
    assert media["form"]["file"] == (share / "card.png").read_bytes()
    assert media["form"]["description"].decode() == (share / "card.txt").read_text().strip()
    assert status["form"]["status"].decode() == (share / "mastodon.txt").read_text()
    assert status["form"]["media_ids[]"] == b"101" and status["headers"].get("Idempotency-Key")
    assert "Posted: https://social.example/@isoboston/201" in result.output
    # What it showed before posting is what it posted
    assert (share / "mastodon.txt").read_text().splitlines()[0] in result.output
    assert "alt text: Rally: #Justice4Siham" in result.output


def test_the_same_post_to_the_same_account_is_refused_unless_again(sample, mastodon):
    assert post("--event", RALLY, "--today", "2018-01-20", "--to", "mastodon", "--yes").exit_code == 0
    again = post("--event", RALLY, "--today", "2018-01-20", "--to", "mastodon", "--yes")
    posted = lambda: [r for r in mastodon.requests if "instance" not in r["path"]]  # noqa: E731
    assert again.exit_code != 0 and len(posted()) == 2
    assert f"Not posted: announcement {RALLY} went to mastodon ({mastodon.url}) on " in again.output
    assert "add --again" in again.output
    assert post("--event", RALLY, "--today", "2018-01-20", "--to", "mastodon", "--yes", "--again").exit_code == 0
    assert len(posted()) == 4
    lines = [json.loads(line) for line in (sample / "posted.log").read_text().splitlines()]
    assert [line["result"] for line in lines] == ["posting", "posted", "posting", "posted"]


def test_nothing_is_posted_when_the_organizer_says_no(sample, mastodon):
    result = post("--week", "2018-W04", "--to", "mastodon", input="n\n")
    assert result.exit_code == 0 and "Not posted." in result.output and mastodon.requests == []
    assert "Post this to mastodon? [y/N]" in result.output
    assert not (sample / "posted.log").exists()


def test_a_week_goes_to_telegram_as_its_card_with_the_text_as_caption(sample, telegram):
    result = post("--week", "2018-W04", "--to", "telegram", "--yes")
    assert result.exit_code == 0, result.output
    (photo,) = telegram.requests
    assert photo["path"] == "/bot42:secret/sendPhoto"
    assert photo["form"]["photo"] == (sample / "dist" / "2018-W04" / "share" / "card.png").read_bytes()
    caption = photo["form"]["caption"].decode()
    assert caption.startswith("<b>ISO Boston Events: January 22–28, 2018</b>")
    assert "<i>Sat 1/27 · 12:00 pm</i> #Justice4Siham &amp; #Justice4Naseem Rally" in caption
    assert photo["form"]["parse_mode"] == b"HTML" and photo["form"]["chat_id"] == b"@isoboston"
    assert "Posted: https://t.me/isoboston/7" in result.output


def test_missing_tokens_are_named_in_one_line_before_anything_is_built(sample, monkeypatch):
    monkeypatch.delenv("NEWSLETTER_MASTODON_TOKEN", raising=False)
    monkeypatch.setenv("NEWSLETTER_MASTODON_URL", "https://social.example")
    result = post("--week", "2018-W04", "--to", "mastodon", "--yes")
    assert result.exit_code != 0 and not (sample / "dist").exists()
    (line,) = result.output.strip().splitlines()
    assert "set NEWSLETTER_MASTODON_TOKEN in the environment" in line


def test_a_refusal_is_one_line_and_logged_as_failed(sample, monkeypatch):
    refusing = Service({"/api/v2/media": {"error": "The access token is invalid"},
                        "/api/v1/media": {"error": "The access token is invalid"}, **INSTANCE}, status=401)
    monkeypatch.setenv("NEWSLETTER_MASTODON_URL", refusing.url)
    monkeypatch.setenv("NEWSLETTER_MASTODON_TOKEN", "wrong")
    try:
        result = post("--week", "2018-W04", "--to", "mastodon", "--yes")
    finally:
        refusing.close()
    assert result.exit_code != 0
    assert f"Mastodon ({refusing.url}):" in result.output and "Traceback" not in result.output
    lines = [json.loads(line) for line in (sample / "posted.log").read_text().splitlines()]
    assert [line["result"] for line in lines] == ["posting", "failed"]
    # A failed post is no reason to refuse the next try
    assert "went to mastodon" not in post("--week", "2018-W04", "--to", "mastodon", "--yes").output


def test_an_event_goes_to_bluesky_with_its_links_as_facets_and_its_card_with_alt_text(sample, bluesky):
    result = post("--event", RALLY, "--today", "2018-01-20", "--to", "bluesky", "--yes")
    assert result.exit_code == 0, result.output
    share = sample / "dist" / "announce" / RALLY / "share"
    paths = [request["path"].split("?")[0] for request in bluesky.requests]
    assert paths == ["/xrpc/com.atproto.server.createSession", "/xrpc/app.bsky.actor.getProfile",
                     "/xrpc/com.atproto.repo.uploadBlob", "/xrpc/com.atproto.repo.createRecord"]
    session, _, blob, record = bluesky.requests
    assert json.loads(session["body"]) == {"identifier": "isoboston.example", "password": "abcd-efgh-ijkl-mnop"}
    assert blob["body"] == (share / "card.png").read_bytes()
    made = json.loads(record["body"])["record"]
    text = (share / "bluesky.txt").read_text()
    assert made["text"] == text and made["embed"]["images"][0]["alt"] == (share / "card.txt").read_text().strip()
    ratio = made["embed"]["images"][0]["aspectRatio"]
    assert (ratio["width"], ratio["height"]) == (1200, 630)
    # Each link is a facet over its own bytes, as Bluesky's apps read them
    encoded = text.encode("utf-8")
    links = [(facet["index"], facet["features"][0]) for facet in made["facets"]]
    assert links and all(feature["$type"] == "app.bsky.richtext.facet#link" for _, feature in links)
    for index, feature in links:
        assert encoded[index["byteStart"]:index["byteEnd"]].decode() == feature["uri"]
    assert f"https://example.org/iso-boston/events/{RALLY}/" in [feature["uri"] for _, feature in links]
    assert "Posted: https://bsky.app/profile/isoboston.example/post/3kxyz" in result.output
