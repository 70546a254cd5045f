"""Times newsletter on a generated decade of events, as whole processes, with each one's peak memory.

    python benchmarks/bench_scale.py [--files 1000 10000] [--runs 3]

For each size, benchmarks/corpus.py writes a project (about 20 events a
week, 50-600-word descriptions, seed 7) into a temporary folder; then each
command runs as a fresh process: with no cache, then with the parse cache
warm. The archive is built from scratch, again with nothing changed, and
again after one event's description is edited. The preview's rebuild is
measured in-process, from the moment its watcher reports a saved file to the
moment the week's page and email are rendered, for a save in the week shown
and for one elsewhere. Prints medians, and the peak resident memory of the
command's main process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402

WEEK = "2017-W30"  # about half a year in: a busy week (20 long events) in every corpus size
TODAY = "2026-01-01"


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Seconds and peak memory (KB) of one run of `command`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # check exits 1 on the corpus's warnings-free errors; anything else is a crash
        raise SystemExit(f"{' '.join(command)} failed with {process.returncode}")
    return elapsed, usage.ru_maxrss


def timed(label: str, command: list[str], cwd: Path, runs: int, before=None) -> tuple[str, float, int]:
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(run(command, cwd))
    return label, statistics.median(r[0] for r in results), max(r[1] for r in results)


def preview_rebuild(root: Path, edited: Path, week: str, runs: int) -> float:
    """Median seconds from the watcher's report of a save of `edited` to the week's page and email rendered."""
    probe = f"""
import os, statistics, sys, time
from pathlib import Path
from newsletter.serving.preview import PreviewSite
os.chdir({str(root)!r})
site = PreviewSite(Path("newsletter.toml"), Path("events"))
site.respond("/week/{week}/", 1); site.respond("/week/{week}/email.html", 1)
edited = Path({str(edited)!r}); text = edited.read_text(); times = []
for number in range({runs}):
    edited.write_text(text.replace("summary: ", f"summary: Edit {{number}} ", 1))
    started = time.perf_counter()
    site.invalidate({{str(edited.resolve())}})
    site.respond("/week/{week}/", 1); site.respond("/week/{week}/email.html", 1)
    times.append(time.perf_counter() - started)
edited.write_text(text)
print(statistics.median(times))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def measure(files: int, runs: int, folder: Path) -> list[tuple[str, float, int | None]]:
    root = folder / f"corpus-{files}"
    write_corpus(root, files)
    cache = root / ".newsletter-cache"
    newsletter = [sys.executable, "-m", "newsletter"]
    clear = lambda: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731
    rows = [
        timed("build one week, no cache", newsletter + ["build", "--week", WEEK, "--out", "out", "--no-cache"],
              root, runs),
        timed("list one week, no cache", newsletter + ["list", "--week", WEEK, "--no-cache"], root, runs),
        timed("first run (fills the cache)", newsletter + ["list", "--week", WEEK], root, 1, clear),
        timed("build one week, warm cache", newsletter + ["build", "--week", WEEK, "--out", "out"], root, runs),
        timed("list one week, warm cache", newsletter + ["list", "--week", WEEK], root, runs),
        timed("check, warm cache", newsletter + ["check", "--week", WEEK, "--today", "2017-07-20"], root, runs),
        timed("archive from scratch", newsletter + ["archive", "--today", TODAY], root, 1,
              lambda: shutil.rmtree(root / "site", ignore_errors=True)),
        timed("archive, nothing changed", newsletter + ["archive", "--today", TODAY], root, runs),
    ]
    edited = sorted((root / "events" / "2017").glob("2017-07-2[4-9]-*.md"))[0]  # in the week shown
    original = edited.read_text()

    def edit_one():
        text = edited.read_text()
        edited.write_text(text.replace("summary: ", "summary: Edited. ", 1) if text == original else original)

    rows.append(timed("archive after one edit", newsletter + ["archive", "--today", TODAY], root, runs, edit_one))
    edited.write_text(original)
    elsewhere = sorted((root / "events" / "2017").glob("2017-01-1*.md"))[0]
    rows.append(("preview rebuild, save in the week shown", preview_rebuild(root, edited, WEEK, 15), None))
    rows.append(("preview rebuild, save elsewhere", preview_rebuild(root, elsewhere, WEEK, 15), None))
    return rows


def versions() -> list[str]:
    from importlib.metadata import version

    names = ["newsletter", "PyYAML", "Jinja2", "mjml-python", "premailer", "cssutils", "lxml", "markdown-it-py",
             "icalendar", "click"]
    return [f"{name} {version(name)}" for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        table = {files: measure(files, args.runs, Path(folder)) for files in args.files}
    sizes = list(table)
    print(f"| command | {' | '.join(f'{n:,} files' for n in sizes)} |")
    print(f"|---|{'---|' * len(sizes)}")
    for number, (label, _, _) in enumerate(table[sizes[0]]):
        cells = []
        for files in sizes:
            _, seconds, memory = table[files][number]
            shown = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"
            cells.append(shown + (f", {memory / 1024:.0f} MB" if memory else ""))
        print(f"| {label} | {' | '.join(cells)} |")
    print(f"\n{os.cpu_count()} cores; Python {sys.version.split()[0]}; " + ", ".join(versions()))


if __name__ == "__main__":
    main()
