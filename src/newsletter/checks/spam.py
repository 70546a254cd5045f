"""Scores a message with SpamAssassin, offline: only the rules that need no network."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from msgspec import Struct, field
from email import message_from_bytes, policy

from newsletter.errors import NewsletterError

INSTALL_HINT = "install it with `sudo apt-get install spamassassin` (Debian, Ubuntu) or your system's package manager"
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


class SpamReport(Struct):
    score: float
    required: float
    rules: list[tuple[str, float, str]] = field(default_factory=list)  # (name, points, description)

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.rules]


def spam_report(eml: bytes, timeout: float = 120) -> SpamReport:
    """Run `spamassassin --local --test-mode` over the message and read its verdict."""
    program = shutil.which("spamassassin")
    if program is None:
        raise NewsletterError(f"--spam: SpamAssassin is not installed: {INSTALL_HINT}")
    try:
        done = subprocess.run([program, "--local", "--test-mode", "-p", os.devnull], input=eml,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise NewsletterError(f"--spam: SpamAssassin did not finish within {timeout:g} s") from None
    status = message_from_bytes(done.stdout, policy=policy.default).get("X-Spam-Status")
    found = re.search(r"score=(-?[\d.]+)\s+required=(-?[\d.]+)", " ".join(str(status or "").split()))
    if done.returncode != 0 or not found:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no verdict"]
        raise NewsletterError(f"--spam: SpamAssassin failed: {reason[0]}")
    return SpamReport(float(found[1]), float(found[2]), _rules(done.stdout.decode("utf-8", "replace")))


def _rules(output: str) -> list[tuple[str, float, str]]:
    """The table under "Content analysis details", descriptions joined across wrapped lines."""
    rules: list[list] = []
    lines = output.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("pts rule name")) + 2
    except StopIteration:
        return []
    for line in lines[start:]:
        if not line.strip():
            break
        row = _RULE.match(line)
        if row:
            rules.append([row[2], float(row[1]), row[3].strip()])
        elif rules:
            rules[-1][2] += " " + line.strip()
    return [(name, points, text) for name, points, text in rules]
