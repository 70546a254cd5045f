"""Colour arithmetic for readable email: WCAG contrast and dark-mode variants."""

from __future__ import annotations

import re
from functools import lru_cache

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
AA = 4.5  # WCAG 2 level AA for body text
NON_TEXT = 3.0  # WCAG 2.1 1.4.11: lines and bars a reader needs to see
DARK_BACKGROUND = "#16181d"
DARK_TEXT = "#e8eaed"


def rgb(color: str) -> tuple[int, int, int]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in (red, green, blue))


@lru_cache(maxsize=256)  # the same few colours, for every email the preview renders
def luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return "#ffffff" if contrast("#ffffff", background) >= contrast("#111111", background) else "#111111"


def mix(color: str, other: str, amount: float) -> str:
    a, b = rgb(color), rgb(other)
    return to_hex(*(x + (y - x) * amount for x, y in zip(a, b, strict=True)))


@lru_cache(maxsize=256)
def legible_on(color: str, background: str, ratio: float = AA) -> str:
    """`color`, lightened or darkened just enough to reach `ratio` against `background`."""
    target = "#ffffff" if luminance(background) < 0.5 else "#000000"
    for step in range(21):
        candidate = mix(color, target, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target
