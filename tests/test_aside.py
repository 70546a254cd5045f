"""The helper process beside a command (newsletter/aside.py): the same results as without it, errors raised
here, nothing left running, and no wait that never ends."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from newsletter import aside
from newsletter.rendering import inline

HERE = __name__  # the helper imports this module to run the functions below


def where() -> int:
    return os.getpid()


def fails(message: str) -> None:
    raise ValueError(message)


def sized(n: int, fill: bytes = b"x") -> bytes:
    return fill * n


@pytest.fixture
def helper(monkeypatch):
    """A helper for this test, started to import this module and the inliner."""
    monkeypatch.delenv("NEWSLETTER_HELPER", raising=False)
    monkeypatch.setattr(aside, "cores", lambda: 2)
    aside.start(HERE, *aside.INLINING)
    assert aside.running()
    yield aside._helpers[0].process
    aside.stop()


def test_work_is_done_in_the_helper_and_comes_back_as_made_here(helper):
    assert aside.submit(where).result() == helper.pid != os.getpid()
    html = ('<html><head><style>p{color:red}</style></head><body><p class="a">Rent strike — grève</p>'
            '<a href="https://example.org/?a=1&amp;b=2">RSVP</a></body></html>')
    css = "p.a { color: #123456; font-weight: bold } a { color: #0a58ca }"
    assert aside.call(inline._premailer, html, css) == inline._premailer(html, css)
    assert 'style="color:#123456; font-weight:bold"' in aside.call(inline._premailer, html, css)


def test_work_of_a_module_the_helper_was_not_started_for_is_done_here(helper):
    """The helper is never made to wait for an import this process may have done already."""
    assert aside.submit(os.getpid).result() == os.getpid()


def test_an_error_in_the_helper_is_raised_here_and_the_helper_goes_on(helper):
    with pytest.raises(ValueError, match="the rally moved"):
        aside.call(fails, "the rally moved")
    assert aside.call(where) == helper.pid


def test_a_helper_that_dies_is_not_missed(helper):
    pending = aside.submit(sized, 3)
    helper.kill()
    helper.wait()
    assert pending.result() == b"xxx"  # made here instead
    assert aside.call(sized, 2, b"y") == b"yy" and not aside.running()


def test_large_answers_and_requests_never_wait_on_each_other(helper):
    """Answers of several megabytes waiting to be read while a request of a megabyte is written: with a pipe
    buffer of 64 KB each side would wait on the other, unless the helper reads while it writes."""
    def timed_out(*_):
        raise TimeoutError("the helper and the command waited on each other")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(30)
    try:
        pending = [aside.submit(sized, 2_000_000, bytes([65 + n])) for n in range(4)]
        big = aside.submit(sized, 1, b"z" * 1_000_000)
        assert [p.result() for p in pending] == [bytes([65 + n]) * 2_000_000 for n in range(4)]
        assert big.result() == b"z" * 1_000_000
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_no_helper_on_one_core_or_when_turned_off(monkeypatch):
    monkeypatch.setattr(aside, "cores", lambda: 1)
    aside.start(HERE)
    assert not aside.running() and aside.call(where) == os.getpid()
    monkeypatch.setattr(aside, "cores", lambda: 8)
    monkeypatch.setenv("NEWSLETTER_HELPER", "0")
    aside.start(HERE)
    assert not aside.running()


def test_helpers_share_the_work_by_module_and_never_outnumber_the_cores(monkeypatch):
    monkeypatch.delenv("NEWSLETTER_HELPER", raising=False)
    monkeypatch.setattr(aside, "cores", lambda: 2)
    aside.start(*aside.INLINING)
    aside.start(*aside.INLINING)  # being imported already: no second helper for it
    aside.start(HERE)
    aside.start(*aside.FLYER)  # as many helpers as cores
    assert [sorted(helper.loading) for helper in aside._helpers] == [sorted(aside.INLINING), [HERE]]
    assert aside.call(where) == aside._helpers[1].process.pid


def test_a_first_build_with_the_helper_writes_what_one_without_it_writes(tmp_path):
    """A group's first build starts the helper (premailer and Pillow loaded beside it): every file it writes,
    the email, the text, the images, is the one a build without the helper writes, and no process is left."""
    from conftest import copy_sample

    outputs = {}
    for name, helper in (("with", "1"), ("without", "0")):
        (tmp_path / name).mkdir()
        sample = copy_sample(tmp_path / name)
        env = {**os.environ, "NEWSLETTER_HELPER": helper, "SOURCE_DATE_EPOCH": "1516000000"}
        done = subprocess.run([sys.executable, "-m", "newsletter", "build", "--week", "2018-W04", "--out", "out"],
                              cwd=sample, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        out = sample / "out"
        outputs[name] = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def comparable(data: bytes) -> bytes:  # the send time and a MIME boundary differ in every run
        data = re.sub(rb"={15}\d+==", b"BOUNDARY", data)
        return re.sub(rb"(?m)^(Date: |DTSTAMP:).*$", rb"\1NOW", data)

    assert "share/card.png" in outputs["with"] and "digest.html" in outputs["with"]
    assert {k: comparable(v) for k, v in outputs["with"].items()} == \
        {k: comparable(v) for k, v in outputs["without"].items()}


def test_the_command_that_started_the_helper_stops_it(sample, monkeypatch):
    from click.testing import CliRunner

    from newsletter.cli import main

    started = []
    start = aside.start
    monkeypatch.delenv("NEWSLETTER_HELPER", raising=False)
    monkeypatch.setattr(aside, "cores", lambda: 2)
    monkeypatch.setattr(aside, "start", lambda *m: start(*m) or started.extend(h.process for h in aside._helpers))
    assert CliRunner().invoke(main, ["build", "--week", "2018-W04", "--out", "out"]).exit_code == 0
    assert len(set(started)) == 2  # a first build: nothing compiled yet, so the inliner and the drawing
    assert all(process.poll() is not None for process in started) and not aside.running()


@pytest.mark.parametrize(("args", "started"), [
    (["build", "--week", "2018-W04"], [aside.INLINING, (*aside.CALENDAR, *aside.DRAWING)]),
    (["announce", "rally", "--config=newsletter.toml"], [aside.INLINING, (*aside.CALENDAR, *aside.DRAWING,
                                                                          *aside.FLYER)]),
    (["build", "--help"], []),
    (["list", "--week", "2018-W04"], []),
    (["--version"], []),
    ([], []),
])
def test_the_installed_command_starts_a_first_builds_helpers_before_it_loads_click(sample, monkeypatch, args,
                                                                                   started):
    from newsletter.launch import start_helpers

    monkeypatch.delenv("NEWSLETTER_HELPER", raising=False)
    monkeypatch.setattr(aside, "cores", lambda: 2)
    monkeypatch.chdir(sample)
    start_helpers(args)
    assert [helper.loading for helper in aside._helpers] == [frozenset(modules) for modules in started]


def test_once_a_project_has_compiled_emails_only_an_announcements_flyer_gets_a_helper(sample, monkeypatch):
    """A project found through --config, in either form; --no-cache starts the first build's helpers again,
    and the command starting its helpers itself after click has read it starts no second one."""
    from newsletter.launch import start_helpers
    from newsletter.outputs.warmup import for_announce
    from newsletter.sources.folders import COMPILED, FOLDER

    monkeypatch.delenv("NEWSLETTER_HELPER", raising=False)
    monkeypatch.setattr(aside, "cores", lambda: 2)
    (sample / FOLDER / COMPILED).mkdir(parents=True)
    (sample / FOLDER / COMPILED / "digest.html").write_text("<html></html>")
    config = str(sample / "newsletter.toml")
    start_helpers(["build", "--config", config])
    assert not aside._helpers
    start_helpers(["announce", "rally", "--config", config])
    for_announce(sample / "newsletter.toml", True)
    assert [helper.loading for helper in aside._helpers] == [frozenset(aside.FLYER)]
    aside.stop()
    aside._helpers.clear()
    start_helpers(["build", f"--config={config}", "--no-cache"])
    assert len(aside._helpers) == 2
