"""What `newsletter import SOURCE` reads: a file, or an http(s):// or webcal:// address, each failure one line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from newsletter.errors import NewsletterError

LIMIT = 20_000_000  # bytes: a calendar of ten years of weekly events is a few megabytes
TIMEOUT = 30.0  # seconds for the whole answer


class ImportProblem(NewsletterError):
    """A source that cannot be read: one line naming it."""


def is_address(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https", "webcal")


def calendar_name(source: str) -> str:
    """How the source is named in each event file's `source: calendar:`: the address (webcal:// as https://),
    or a file's name, so that the same export downloaded again is the same calendar."""
    if is_address(source):
        parts = urlsplit(source)
        return parts._replace(scheme="https" if parts.scheme.lower() == "webcal" else parts.scheme.lower()).geturl()
    return Path(source).name


def fetch(source: str) -> bytes:
    """The bytes of `source`; raises ImportProblem."""
    if is_address(source):
        return download(calendar_name(source))
    from newsletter.sources.files import Refused, read_regular

    try:
        data = read_regular(source, LIMIT + 1)
    except FileNotFoundError:
        raise ImportProblem(f"{source}: no such file (give an .ics or .csv file, or an https:// address)") from None
    except Refused as exc:
        raise ImportProblem(f"{source}: {exc}") from None
    except OSError as exc:
        raise ImportProblem(f"{source}: cannot be read: {exc.strerror or exc}") from None
    return _within_limit(data, source)


def download(url: str, name: str | None = None,
             hint: str = "check the address (a private calendar needs its secret address)") -> bytes:
    """The body of an http(s) answer; raises ImportProblem naming the source as `name` (the address)."""
    import urllib.error
    import urllib.request

    from newsletter import __version__

    name = name or url
    request = urllib.request.Request(url, headers={"User-Agent": f"newsletter/{__version__}",
                                                   "Accept": "text/calendar, text/csv, application/json, */*"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only, checked above
            data = answer.read(LIMIT + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise ImportProblem(f"{name}: the server answered {exc.code} {exc.reason}: {hint}") from None
    except urllib.error.URLError as exc:
        raise ImportProblem(f"{name}: the address does not answer ({exc.reason})") from None
    except TimeoutError:
        raise ImportProblem(f"{name}: no answer within {TIMEOUT:g} seconds") from None
    except OSError as exc:
        raise ImportProblem(f"{name}: the address does not answer ({exc.strerror or exc})") from None
    return _within_limit(data, name)


def _within_limit(data: bytes, name: str) -> bytes:
    if len(data) > LIMIT:
        raise ImportProblem(f"{name}: larger than {LIMIT // 1_000_000} MB: not a calendar newsletter can import")
    return data
