"""Times whole `newsletter` processes on the sample week and a busy one, as an organizer would feel them.

    python benchmarks/bench_build.py [--runs 20] [--mjml node_modules/.bin/mjml]

Each command runs as a fresh process (start-up and imports included) in a
copy of the sample project, with its cache warm: built again unchanged, the
week's compiled HTML is reused; "after an edit" changes the rally's summary
(in a copy of its own) before each run, so the week is compiled and inlined
afresh; the busy week is the tests' 30 long events, which `layout = "auto"`
shortens to fit 80 KB by rendering a few times; "no project cache" is a
group's first build (a copy whose .newsletter-cache/ is removed before each
run, on a machine where newsletter has run before, so its own templates are
compiled in the user's cache folder), and `--no-cache` reads and keeps no
cache at all. The commands take turns, run
after run, so that the machine's fast and slow phases fall on all of them
alike. Also timed: importing only the libraries a build after an edit needs,
and, with --mjml, the official MJML CLI compiling a 10-event week's MJML.
Reports the fastest, median and slowest run, the ratios of the medians to the
MJML CLI's, and which heavy libraries `newsletter --help` imported (it should
be none). The preview's rebuild is timed in-process, from the watcher's
report of a save of the rally to the week's page and email rendered again.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable

REPO = Path(__file__).resolve().parents[1]
CLI = "MJML CLI {}, 10 events"
# What a build after an edit of words cannot do without (MJML, and lxml to write the words back into the
# inlined shape; not premailer): a floor no such build can go under.
FLOOR = ("import newsletter.rendering.inline, lxml.etree, click, jinja2.ext, icalendar, yaml, mjml, "
         "email.policy, email.mime.multipart, tomllib, zoneinfo, gc; gc.freeze()")
HEAVY = ("premailer", "mjml", "jinja2", "markdown_it", "yaml", "lxml", "cssutils", "requests")


def interleaved(cases: dict[str, tuple[list[str], Path, Callable[[int], None] | None]], runs: int
                ) -> dict[str, list[float]]:
    """Seconds each case took, run by run; the cases take turns, so that each sees the machine's fast and
    slow phases alike and their ratios can be compared. `before(run)` prepares a case's run."""
    for command, cwd, _ in cases.values():
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)  # warm the disk cache
    times: dict[str, list[float]] = {label: [] for label in cases}
    for run in range(runs):
        for label, (command, cwd, before) in cases.items():
            if before:
                before(run)
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, check=True, capture_output=True)
            times[label].append(time.perf_counter() - started)
    return times


def imported_by_help() -> list[str]:
    probe = (
        "import sys\nfrom newsletter.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(sorted(set({HEAVY!r}) & set(sys.modules))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    line = done.stdout.strip().splitlines()[-1].removeprefix("HEAVY:")
    return [name for name in line.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--mjml", metavar="PATH", help="The official MJML command-line tool (npm install mjml): "
                        "also time it compiling a 10-event digest's MJML, for comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copy(REPO / "newsletter.toml", root)
        shutil.copytree(REPO / "events", root / "events")
        busy = root / "busy"
        busy.mkdir()
        shutil.copy(REPO / "newsletter.toml", busy)
        sys.path.insert(0, str(REPO / "tests"))
        from busy_week import write_busy_week

        write_busy_week(busy / "events", 30)
        edited = root / "edited"  # its own copy, so that the other commands find nothing changed
        shutil.copytree(root / "events", edited / "events")
        shutil.copy(REPO / "newsletter.toml", edited)
        rally = edited / "events" / "2018-01-27-justice-for-siham-and-naseem-rally.md"
        original = rally.read_text(encoding="utf-8")

        def edit(run: int) -> None:  # a new summary each time: nothing compiled before can be reused
            rally.write_text(original.replace("\nsummary: ", f"\nsummary: Edit {run}. ", 1), encoding="utf-8")

        reshaped = root / "reshaped"  # edited so that the email's shape is new each time: premailer runs
        shutil.copytree(root / "events", reshaped / "events")
        shutil.copy(REPO / "newsletter.toml", reshaped)
        other = reshaped / "events" / rally.name

        def reshape(run: int) -> None:  # a list one point longer each time
            other.write_text(original.rstrip("\n") + "\n\n" + "- a point\n" * (run + 2), encoding="utf-8")

        fresh = root / "fresh"  # a group's first build: no project cache (newsletter's own templates compiled)
        shutil.copytree(root / "events", fresh / "events")
        shutil.copy(REPO / "newsletter.toml", fresh)

        def forget(run: int) -> None:
            shutil.rmtree(fresh / ".newsletter-cache", ignore_errors=True)

        newsletter = [sys.executable, "-m", "newsletter"]
        build = newsletter + ["build", "--week", "2018-W04", "--out", "out"]
        cases = {
            "newsletter --help": (newsletter + ["--help"], root, None),
            "newsletter list --week 2018-W04": (newsletter + ["list", "--week", "2018-W04"], root, None),
            "newsletter build --week 2018-W04": (build, root, None),
            "build again after an edit": (build, edited, edit),
            "build after an edit of the shape": (build, reshaped, reshape),
            "build, no project cache": (build, fresh, forget),
            "build --no-cache": (build + ["--no-cache"], root, None),
            "newsletter announce <rally>": (newsletter + ["announce", "2018-01-27-justice-for-siham-and-naseem-rally",
                                                          "--today", "2018-01-20", "--out", "announce"], root, None),
            "build, busy week (30 events, auto)": (build, busy, None),
            "libraries an edit's build imports": ([sys.executable, "-c", FLOOR], root, None),
        }
        if args.mjml:
            ten = root / "ten"
            ten.mkdir()
            shutil.copy(REPO / "newsletter.toml", ten)
            write_busy_week(ten / "events", 10)
            source = mjml_of_week(ten, "2018-W04")
            (ten / "ten.mjml").write_text(source, encoding="utf-8")
            version = subprocess.run([args.mjml, "--version"], capture_output=True, text=True).stdout.split()
            cases[CLI.format(version[1] if len(version) > 1 else "")] = (
                [args.mjml, str(ten / "ten.mjml"), "-o", str(ten / "ten.html")], root, None)
        print(f"{'command':<36} {'fastest':>9} {'median':>9} {'slowest':>9}   ({args.runs} runs each, taking turns)")
        times = interleaved(cases, args.runs)
        rally.write_text(original, encoding="utf-8")
        medians = {label: statistics.median(taken) for label, taken in times.items()}
        for label, taken in times.items():
            print(f"{label:<36} {min(taken) * 1000:>7.0f}ms {medians[label] * 1000:>7.0f}ms "
                  f"{max(taken) * 1000:>7.0f}ms")
        rebuild = preview_rebuild(root, root / "events" / rally.name, args.runs)
        print(f"{'preview rebuild after a save':<36} {min(rebuild) * 1000:>7.0f}ms "
              f"{statistics.median(rebuild) * 1000:>7.0f}ms {max(rebuild) * 1000:>7.0f}ms")
        cli = next((label for label in medians if label.startswith("MJML CLI")), None)
        if cli:
            print("against the MJML CLI (medians): " + ", ".join(
                f"{label} {medians[label] / medians[cli]:.2f}x" for label in (
                    "newsletter build --week 2018-W04", "build again after an edit", "build after an edit of the shape",
                    "build, no project cache", "build --no-cache", "libraries an edit's build imports")))
    heavy = imported_by_help()
    print(f"heavy libraries imported by --help: {', '.join(heavy) if heavy else 'none'}")
    print(f"Python {sys.version.split()[0]}; " + ", ".join(versions()))


def preview_rebuild(root: Path, edited: Path, runs: int) -> list[float]:
    """Seconds from the watcher's report of a save of `edited` to the week's page and email rendered, in-process."""
    from newsletter.serving.preview import PreviewSite

    site = PreviewSite(root / "newsletter.toml", root / "events")
    pages = ("/week/2018-W04/", "/week/2018-W04/email.html")
    for page in pages:
        site.respond(page, 1)
    original, times = edited.read_text(encoding="utf-8"), []
    try:
        for run in range(runs):
            edited.write_text(original.replace("\nsummary: ", f"\nsummary: Save {run}. ", 1), encoding="utf-8")
            started = time.perf_counter()
            site.invalidate({str(edited.resolve())})
            for page in pages:
                site.respond(page, run + 2)
            times.append(time.perf_counter() - started)
    finally:
        edited.write_text(original, encoding="utf-8")
        site.close()
    return times


def mjml_of_week(root: Path, week: str) -> str:
    """The MJML newsletter compiles for `week` of the project in `root`, as the official CLI would be given it."""
    import newsletter.rendering.render as render
    from newsletter.outputs.build import render_week
    from newsletter.outputs.project import choose_week, load_project

    sources = []
    compile_mjml = render.compile_mjml
    render.compile_mjml = lambda source, template="digest.mjml": sources.append(source) or compile_mjml(source, template)
    try:
        project = load_project(root / "newsletter.toml", root / "events", cache=False)
        render_week(project, choose_week(project.settings, week, None))
    finally:
        render.compile_mjml = compile_mjml
    return sources[0]


def versions() -> list[str]:
    """The versions the figures were measured with: they change under us."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("mjml-python", "premailer", "cssutils", "Jinja2", "icalendar", "markdown-it-py", "lxml", "imagesize",
                 "pillow", "regex", "pydyf", "uharfbuzz", "python-bidi", "segno", "msgspec", "click"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return found


if __name__ == "__main__":
    main()
