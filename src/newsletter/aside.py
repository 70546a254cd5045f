"""A helper process beside a command, which has the slow-to-import libraries loaded by the time they are needed.

A group's first build spends a third of its time importing premailer (with
cssutils and requests), Pillow and fpdf2 before it can inline, draw or lay
out anything. On a machine with more than one core, `start()` has a second
Python process import them while this one reads the events and renders the
templates; `submit()` hands it work, a function and its arguments, which
must pickle (the inliner, a card, a flyer), and this process goes on until
it asks for the result. Without a helper (one core, `NEWSLETTER_HELPER=0`,
or none started), or when the helper fails in any way, the function runs
here: the result is the same either way, only the time differs.

The helper runs this same interpreter with this process's `sys.path`, reads
requests from its stdin and answers on a pipe of its own (what a library
prints goes nowhere), ends when its stdin closes, and is stopped by the
command that started it once its files are written (or at exit).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import subprocess
    import threading

T = TypeVar("T")

# What each kind of work imports, for start(), in the order to import them: the inliner (premailer loads
# cssutils, lxml and requests), the share images (Pillow), the flyer (fpdf2, with fontTools and HarfBuzz,
# and segno).
INLINING = ("newsletter.rendering.inline", "premailer")
DRAWING = ("newsletter.rendering.cards", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont", "PIL.features")
FLYER = ("newsletter.rendering.flyer", "fpdf", "segno")

# Imported when a helper starts (subprocess, pickle and threading cost a command that needs none ~6 ms).
_helper: subprocess.Popen | None = None
_lock: threading.Lock | None = None
_sent = 0  # requests written to the helper
_read = 0  # answers read from it
_answers: dict[int, tuple[bool, Any]] = {}  # read, not yet asked for
_generation = 0  # which helper: one stopped and another started do not mix their answers
_loading: frozenset[str] = frozenset()  # the modules the helper was started to import


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def start(*modules: str) -> None:
    """Start the helper, importing `modules`, unless one runs already or this machine has one core."""
    global _helper, _lock, _loading
    if _helper is not None or cores() < 2 or os.environ.get("NEWSLETTER_HELPER") == "0":
        return
    import atexit
    import subprocess
    import threading

    code = f"import sys; sys.path[:] = {sys.path!r}; from newsletter.aside import serve; serve({list(modules)!r})"
    _lock = _lock or threading.Lock()
    try:
        _helper = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
    except OSError:
        return
    _loading = frozenset(modules)
    atexit.register(stop)


class Pending(Generic[T]):
    """Work handed to the helper (or to be done here): result() waits for it."""

    def __init__(self, function: Callable[..., T], args: tuple, number: int | None = None):
        self.function, self.args, self.number, self.generation = function, args, number, _generation

    def result(self) -> T:
        if self.number is not None and _lock is not None:
            with _lock:
                answer = _answer(self.number) if self.generation == _generation else None
            self.number = None
            if answer is not None and answer[0]:
                return answer[1]
            # It raised there, or the helper is gone: run here, where an error is raised with its own traceback.
        return self.function(*self.args)


def submit(function: Callable[..., T], *args: Any) -> Pending[T]:
    """Hand `function(*args)` to the helper when one runs and was started to import `function`'s module (the
    helper is not made to wait on an import this process may have done already); this process goes on
    meanwhile. Otherwise the work is done here when its result is asked for."""
    global _sent
    if _helper is None or _lock is None or getattr(function, "__module__", None) not in _loading:
        return Pending(function, args)
    import pickle

    with _lock:
        helper = _helper
        if helper is None or helper.stdin is None:
            return Pending(function, args)
        try:
            request = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PickleError, TypeError, AttributeError):
            return Pending(function, args)
        try:
            helper.stdin.write(request)
            helper.stdin.flush()
        except OSError:
            _stop()
            return Pending(function, args)
        _sent += 1
        return Pending(function, args, _sent - 1)


def call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, in the helper when one runs, else here."""
    return submit(function, *args).result()


def _answer(number: int) -> tuple[bool, Any] | None:
    """The helper's answer to request `number` (answers come in the order asked), or None when it is gone."""
    import pickle

    global _read
    while number not in _answers:
        helper = _helper
        if helper is None or helper.stdout is None or _read >= _sent:
            return None
        try:
            _answers[_read] = pickle.load(helper.stdout)
        except (OSError, EOFError, pickle.PickleError, AttributeError, TypeError, ValueError, IndexError):
            _stop()  # a helper that cannot be understood is not asked again
            return None
        _read += 1
    return _answers.pop(number)


def stop() -> None:
    """End the helper, if one runs: the end of the command that started it."""
    if _lock is not None:
        with _lock:
            _stop()


def _stop() -> None:
    global _helper, _sent, _read, _generation
    helper, _helper = _helper, None
    _generation += 1
    _sent = _read = 0
    _answers.clear()
    if helper is None:
        return
    for stream in (helper.stdin, helper.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    helper.kill()
    helper.wait()


def serve(modules: list[str]) -> None:
    """The helper: import `modules`, then answer each (function, args) on stdin with (done, value).

    Answers are written by a thread of their own, so that a large answer
    the command has not read yet never stops this process from reading
    the command's next request (each side would wait on the other).
    """
    import importlib
    import pickle
    import queue
    import select
    import threading

    answers = os.fdopen(os.dup(1), "wb")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # a library's print() must not land among the answers
    ready: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def write() -> None:
        while (data := ready.get()) is not None:
            try:
                answers.write(data)
                answers.flush()
            except OSError:
                return

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    requests = sys.stdin.buffer
    waiting = list(modules)
    while True:
        # Import the next module only while nothing is asked: a request is answered as soon as it comes.
        while waiting and not select.select([requests], [], [], 0)[0]:
            try:
                importlib.import_module(waiting.pop(0))
            except Exception:  # noqa: BLE001 - what cannot be imported here is imported when called, and fails there
                pass
        try:
            function, args = pickle.load(requests)
        except (EOFError, OSError, pickle.PickleError):
            break
        try:
            answer: tuple[bool, Any] = (True, function(*args))
        except Exception:  # noqa: BLE001 - the caller runs it again itself and gets the error there
            answer = (False, None)
        try:
            ready.put(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PickleError, TypeError, AttributeError):
            ready.put(pickle.dumps((False, None)))
    ready.put(None)
    writer.join()
