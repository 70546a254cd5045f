"""Reads an image field (an event's `image`, the theme's `logo`): where it lives, what it shows, how big it is.

An image is either an https:// address or a file in the project, such as
`images/rally.jpg` next to newsletter.toml. A file is published with the
archive, so the email links to it under archive_url, and its size in pixels
is read from the file's header; nothing is ever fetched over the network.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from newsletter.sources.fields import FieldReader
from newsletter.sources.files import Refused, check_regular
from newsletter.models import Image

KEYS = ("src", "alt", "width", "height")
HEAVY_BYTES = 1_000_000  # check warns above this: a phone on a slow connection waits for it


def read_image(r: FieldReader, spec: Any, field: str, root: Path, archive_url: str | None,
               alt_hint: str) -> Image | None:
    """The Image that `spec` (a mapping with src and alt) describes, or None after noting each problem."""
    if not isinstance(spec, dict):
        r.problem(field, f"must have src and alt on their own lines, as {field}: then src: and alt: indented below it")
        return None
    r.unknown(spec, KEYS, prefix=f"{field}.")
    src = r.text(spec, "src", f"{field}.src", required=True)
    alt = r.text(spec, "alt", f"{field}.alt")
    if alt is None:
        r.problem(f"{field}.alt", f"is required: {alt_hint}")
    width, height = (_pixels(r, spec, key, f"{field}.{key}") for key in ("width", "height"))
    if src is None:
        return None
    scheme = urlsplit(src).scheme.lower()
    if scheme == "https":
        if not urlsplit(src).netloc:
            r.problem(f"{field}.src", f"'{src}' is not a full address starting with https://")
            return None
        return Image(src, alt, width, height) if alt else None
    if scheme == "http":
        r.problem(f"{field}.src", f"'{src}' is not secure: email clients block http:// images; use the https:// address")
        return None
    if scheme and len(scheme) > 1:  # a Windows drive letter is not a scheme
        r.problem(f"{field}.src", f"'{src}' must be an https:// address or a file in the project, such as images/poster.jpg")
        return None
    return _local(r, src, alt, width, height, f"{field}.src", root, archive_url)


def _local(r: FieldReader, src: str, alt: str | None, width: int | None, height: int | None,
           field: str, root: Path, archive_url: str | None) -> Image | None:
    relative = PurePosixPath(src.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        r.problem(field, f"'{src}' must be a file inside the project folder, such as images/poster.jpg")
        return None
    path = root / relative
    if not path.exists():
        r.problem(field, f"there is no file {relative} in the project folder (next to newsletter.toml)")
        return None
    try:
        check_regular(path, inside=(root,))
    except OSError as exc:
        r.problem(field, f"{relative} {exc}" if isinstance(exc, Refused) else f"{relative} cannot be read: {exc.strerror}")
        return None
    if archive_url is None:
        r.problem(field, f"the file {relative} is published with the archive: set archive_url in newsletter.toml "
                         "so the email can link to it, or use an https:// address")
        return None
    if width is None or height is None:
        import imagesize

        try:
            found = imagesize.get(str(path))
        except (OSError, ValueError):
            found = (-1, -1)
        if found[0] <= 0 or found[1] <= 0:
            r.problem(field, f"{relative} is not an image newsletter can read (use a JPEG, PNG, GIF or WebP file)")
            return None
        width, height = found
    url = archive_url + quote(relative.as_posix())
    return Image(url, alt, width, height, file=relative.as_posix(), bytes=path.stat().st_size) if alt else None


def _pixels(r: FieldReader, spec: dict[str, Any], key: str, field: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    text = str(value).strip().removesuffix("px")
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) <= 10_000:
        r.problem(field, f"'{value}' must be the image's {key} in pixels, a whole number such as 1200")
        return None
    return int(text)
