"""Which way each part of a line runs, and in what order the parts are drawn: the Unicode Bidirectional
Algorithm (UAX #9) for a line of the flyer (rendering/pdf.py), so that a right-to-left line with a date, an
address or a bracketed Latin word reads as it would in a browser.

python-bidi's algorithm module resolves the levels and reorders; its rule for brackets (N0) is added here. Tests compare
every order with python-bidi's other implementation, in Rust, which has that rule.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """`text` (one line) as runs of one direction, in the order they are drawn from the left, each in the order
    it is read: the Unicode Bidirectional Algorithm's levels and reordering (rules L1 and L2), by python-bidi."""
    if not any(unicodedata.bidirectional(char) in ("R", "AL", "AN") for char in text) and not rtl:
        return [(text, False)]
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    _pair_brackets(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)  # the characters, in the order they are drawn
    drawn: list[tuple[str, int]] = []
    for char in storage["chars"]:
        if drawn and drawn[-1][1] == char["level"]:
            drawn[-1] = (drawn[-1][0] + char["ch"], char["level"])
        else:
            drawn.append((char["ch"], char["level"]))
    return [(run[::-1], True) if level % 2 else (run, False) for run, level in drawn]


# Bracket pairs of Unicode's BidiBrackets.txt that event text uses (rule N0 puts a pair on the side of what it
# holds: "سوريا (Syria) 2018" keeps "(Syria)" together). python-bidi's algorithm module resolves the other rules.
_OPENING = dict(zip("([{⁅⁽₍〈⟨〈《「『【〔〖〘〚﹙﹛﹝（［｛｟｢", ")]}⁆⁾₎〉⟩〉》」』】〕〗〙〛﹚﹜﹞）］｝｠｣", strict=True))
_CLOSING = {closing: opening for opening, closing in _OPENING.items()}


def _pair_brackets(storage: dict[str, Any]) -> None:
    """Rule N0 of the Unicode Bidirectional Algorithm, on python-bidi's storage between its weak and neutral
    rules: a pair of brackets takes the direction of the strong text inside it, or of the text before it."""
    from bidi import algorithm

    algorithm.calc_level_runs(storage)
    chars = storage["chars"]
    for run in storage["runs"]:
        start, end = run["start"], run["start"] + run["length"]
        embedding = "R" if chars[start]["level"] % 2 else "L"
        pairs: list[tuple[int, int]] = []
        stack: list[tuple[str, int]] = []  # BD16: opening brackets waiting for their closing one
        for index in range(start, end):
            char = chars[index]
            if char["type"] != "ON":
                continue
            if char["ch"] in _OPENING and len(stack) < 63:
                stack.append((char["ch"], index))
            elif char["ch"] in _CLOSING:
                for depth in range(len(stack) - 1, -1, -1):
                    if stack[depth][0] == _CLOSING[char["ch"]]:
                        pairs.append((stack[depth][1], index))
                        del stack[depth:]
                        break

        def strong(index: int) -> str | None:
            kind = chars[index]["type"]
            return "R" if kind in ("R", "AL", "EN", "AN") else "L" if kind == "L" else None

        for opening, closing in sorted(pairs):
            inside = {strong(index) for index in range(opening + 1, closing)} - {None}
            if embedding in inside:
                found = embedding
            elif inside:
                before = next((kind for index in range(opening - 1, start - 1, -1)
                               if (kind := strong(index)) is not None), run["sor"])
                found = before if before != embedding else embedding
            else:
                continue
            chars[opening]["type"] = chars[closing]["type"] = found
