"""What the share folder costs `build` and `announce` on the sample: each command timed with the share images
and flyer (the default) and with `[share] images = false`, in turns, as whole processes.

    python benchmarks/bench_share.py [--runs 7]

Timed: a build after an edit of the rally's words, a group's first build (its .newsletter-cache/ removed
before each run), an announcement of the rally after an edit of its summary, which its flyer quotes (the
flyer is made again), and one after an edit further down its description (the flyer is the one kept).
The messages and posts are written either way; the images and the flyer are what the setting turns off.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import REPO, interleaved, versions

RALLY = "2018-01-27-justice-for-siham-and-naseem-rally"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    newsletter = [sys.executable, "-m", "newsletter"]
    with tempfile.TemporaryDirectory() as folder:
        cases = {}
        for images in (True, False):
            which = "with images" if images else "without"
            for job in ("edit", "first", "announce", "body"):
                root = Path(folder) / f"{job}-{which.replace(' ', '-')}"
                shutil.copytree(REPO / "events", root / "events")
                settings = (REPO / "newsletter.toml").read_text(encoding="utf-8")
                (root / "newsletter.toml").write_text(settings + ("" if images else "\n[share]\nimages = false\n"),
                                                      encoding="utf-8")
                rally = root / "events" / f"{RALLY}.md"
                original = rally.read_text(encoding="utf-8")

                def edit(run: int, rally: Path = rally, original: str = original) -> None:
                    rally.write_text(original.replace("\nsummary: ", f"\nsummary: Edit {run}. ", 1), encoding="utf-8")

                def forget(run: int, root: Path = root) -> None:
                    shutil.rmtree(root / ".newsletter-cache", ignore_errors=True)

                if job == "edit":
                    cases[f"build after an edit, {which}"] = (
                        newsletter + ["build", "--week", "2018-W04", "--out", "out"], root, edit)
                elif job == "first":
                    cases[f"first build, {which}"] = (
                        newsletter + ["build", "--week", "2018-W04", "--out", "out"], root, forget)
                elif job == "announce":
                    cases[f"announce after an edit, {which}"] = (
                        newsletter + ["announce", RALLY, "--today", "2018-01-20", "--out", "out"], root, edit)
                else:
                    def edit_body(run: int, rally: Path = rally, original: str = original) -> None:
                        rally.write_text(original.rstrip("\n") + f"\n\nEdit {run}.\n", encoding="utf-8")

                    cases[f"announce, description edited, {which}"] = (
                        newsletter + ["announce", RALLY, "--today", "2018-01-20", "--out", "out"], root, edit_body)
        times = interleaved(cases, args.runs)
    medians = {label: statistics.median(taken) for label, taken in times.items()}
    print(f"{'command':<40} {'median':>9}   ({args.runs} runs each, taking turns)")
    for label, median in medians.items():
        print(f"{label:<40} {median * 1000:>7.0f}ms")
    for job in ("build after an edit", "first build", "announce after an edit", "announce, description edited"):
        added = medians[f"{job}, with images"] / medians[f"{job}, without"] - 1
        print(f"the share images and flyer add {added:+.0%} to {job}")
    print(f"Python {sys.version.split()[0]}; " + ", ".join(versions()))


if __name__ == "__main__":
    main()
