"""The installed `newsletter` command (and `python -m newsletter`).

A build or an announcement that needs a helper process (newsletter/aside.py,
outputs/warmup.py) gains most by starting it first: loading click and the
command's modules takes some 50 ms, which the helper spends importing
premailer or HarfBuzz instead. So the command line is looked at here, as typed,
before anything else is imported. It is a hint, never the parsing: only the
plain forms are recognised (`build …` or `announce …`, `--config PATH` or
`--config=PATH`, `--no-cache`), and anything else (help, a typo) starts
nothing here. click then reads the options as always, and the command starts
what was not started.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run() -> None:
    start_helpers(sys.argv[1:])
    from newsletter.cli import run as run_cli

    run_cli()


def start_helpers(args: Sequence[str]) -> None:
    """Start the helpers the command in `args` will want, when `args` plainly name build or announce."""
    if not args or args[0] not in ("build", "announce") or {"-h", "--help"} & set(args):
        return
    config = "newsletter.toml"
    for index, arg in enumerate(args):
        if arg == "--config" and index + 1 < len(args):
            config = args[index + 1]
        elif arg.startswith("--config="):
            config = arg.removeprefix("--config=")
    from newsletter.outputs.warmup import for_announce, for_build

    (for_build if args[0] == "build" else for_announce)(config, "--no-cache" not in args)
