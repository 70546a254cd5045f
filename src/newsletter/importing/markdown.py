"""A calendar's description as Markdown an email can carry: Google and Outlook put HTML there (markdownify turns
it into Markdown, keeping links and lists), Thunderbird and Nextcloud plain text."""

from __future__ import annotations

import re
from typing import Any

_TAG = re.compile(r"</?(a|b|i|u|em|strong|br|p|div|span|ul|ol|li|h[1-6]|html|body|img|table|tr|td)\b", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def description(text: str | None) -> str:
    """`text` (a DESCRIPTION) as Markdown: links kept where an email can follow them (https, http, mailto,
    tel), images kept only with an https address and their alt text, and never a control character."""
    if not text or not text.strip():
        return ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not _TAG.search(text):
        return "\n".join(line.rstrip() for line in text.strip().split("\n"))
    converted = _converter().convert(text)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in converted.split("\n"))).strip()


def _converter() -> Any:
    from markdownify import MarkdownConverter

    class EmailSafe(MarkdownConverter):
        """markdownify's converter, with links and images an email could not carry written as text."""

        def convert_a(self, el, text, *args, **kwargs):
            href = (el.get("href") or "").strip()
            if not re.match(r"(?i)(https?://[^/\s]|mailto:|tel:)", href):
                return text
            return super().convert_a(el, text, *args, **kwargs)

        def convert_img(self, el, text, *args, **kwargs):
            src, alt = (el.get("src") or "").strip(), (el.get("alt") or "").strip()
            if not src.lower().startswith("https://") or not alt:
                return alt
            return super().convert_img(el, text, *args, **kwargs)

    return EmailSafe(heading_style="ATX", bullets="-", strip=["script", "style"])
