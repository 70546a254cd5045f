"""Helper processes beside a command, which have the slow-to-import libraries loaded by the time they are needed.

A group's first build spends a third of its time importing premailer (with
cssutils and requests), Pillow, icalendar and HarfBuzz before it can inline,
draw or lay out anything. On a machine with more than one core, `start()`
has another Python process import them while this one reads the events and
renders the templates; `submit()` hands work to the helper that was started
for the work's module (a function and its arguments, which must pickle: the
inliner, the calendar file, a card, a flyer), and this process goes on until
it asks for the result. Without a helper for it (one core,
`NEWSLETTER_HELPER=0`, or none started), or when the helper fails in any
way, the function runs here: the result is the same either way, only the
time differs.

A helper runs this same interpreter with this process's `sys.path`, reads
requests from its stdin and answers on a pipe of its own (what a library
prints goes nowhere), ends when its stdin closes, and is stopped by the
command that started it once its files are written (or at exit).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# What each kind of work imports, for start(), in the order to import them: the inliner (premailer loads
# cssutils, lxml and requests), the share images (Pillow), the calendar file (icalendar), the flyer (HarfBuzz,
# pydyf and segno).
INLINING = ("newsletter.rendering.inline", "premailer")
DRAWING = ("newsletter.rendering.cards", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont", "PIL.features")
CALENDAR = ("newsletter.outputs.calendars", "icalendar")
FLYER = ("newsletter.rendering.flyer", "newsletter.rendering.pdf", "uharfbuzz", "pydyf", "segno")


class Helper:
    """One helper process, started to import `modules`; its requests are answered in the order they were sent."""

    def __init__(self, modules: tuple[str, ...]):
        import subprocess
        import threading

        code = f"import sys; sys.path[:] = {sys.path!r}; from newsletter.aside import serve; serve({list(modules)!r})"
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.loading = frozenset(modules)
        self.lock = threading.Lock()
        self.sent = 0  # requests written
        self.read = 0  # answers read
        self.answers: dict[int, tuple[bool, Any]] = {}  # read, not yet asked for
        self.alive = True

    def send(self, function: Callable, args: tuple) -> int | None:
        """Write a request; its number, or None when it cannot be sent (the work is then done here)."""
        import pickle

        try:
            request = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PickleError, TypeError, AttributeError):
            return None
        with self.lock:
            if not self.alive or self.process.stdin is None:
                return None
            try:
                self.process.stdin.write(request)
                self.process.stdin.flush()
            except OSError:
                self._end()
                return None
            self.sent += 1
            return self.sent - 1

    def answer(self, number: int) -> tuple[bool, Any] | None:
        """The answer to request `number`, or None when the helper is gone or cannot be understood."""
        import pickle

        with self.lock:
            while number not in self.answers:
                if not self.alive or self.process.stdout is None or self.read >= self.sent:
                    return None
                try:
                    self.answers[self.read] = pickle.load(self.process.stdout)
                except (OSError, EOFError, pickle.PickleError, AttributeError, TypeError, ValueError, IndexError):
                    self._end()  # a helper that cannot be understood is not asked again
                    return None
                self.read += 1
            return self.answers.pop(number)

    def stop(self) -> None:
        with self.lock:
            self._end()

    def _end(self) -> None:
        if not self.alive:
            return
        self.alive = False
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self.process.kill()
        self.process.wait()


_helpers: list[Helper] = []
_idle: list[Callable[[], object]] = []  # work this process may do while it waits for a helper's answer


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def start(*modules: str) -> None:
    """Start a helper importing `modules`, unless they are being imported by one already, this machine has one
    core, or there are as many helpers as cores."""
    if not modules or cores() < 2 or os.environ.get("NEWSLETTER_HELPER") == "0":
        return
    running = [helper for helper in _helpers if helper.alive]
    if set(modules) <= {name for helper in running for name in helper.loading} or len(running) >= cores():
        return
    try:
        helper = Helper(modules)
    except OSError:
        return
    if not _helpers:
        import atexit

        atexit.register(stop)
    _helpers.append(helper)


def running() -> bool:
    """Whether a helper runs."""
    return any(helper.alive for helper in _helpers)


class Pending(Generic[T]):
    """Work handed to a helper (or to be done here): result() waits for it."""

    def __init__(self, function: Callable[..., T], args: tuple, helper: Helper | None = None,
                 number: int | None = None):
        self.function, self.args, self.helper, self.number = function, args, helper, number

    def result(self) -> T:
        helper, number, self.helper, self.number = self.helper, self.number, None, None
        if helper is not None and number is not None:
            _run_idle()
            answer = helper.answer(number)
            if answer is not None and answer[0]:
                return answer[1]
            # It raised there, or the helper is gone: run here, where an error is raised with its own traceback.
        return self.function(*self.args)


def submit(function: Callable[..., T], *args: Any) -> Pending[T]:
    """Hand `function(*args)` to the helper started to import `function`'s module, if one runs (a helper is never
    made to wait on an import this process may have done already); this process goes on meanwhile. Otherwise
    the work is done here when its result is asked for."""
    module = getattr(function, "__module__", None)
    helper = next((helper for helper in _helpers if helper.alive and module in helper.loading), None)
    if helper is not None:
        number = helper.send(function, args)
        if number is not None:
            return Pending(function, args, helper, number)
    return Pending(function, args)


def when_idle(task: Callable[[], object]) -> None:
    """Do `task` (pure work whose result it keeps itself) the next time this process waits for a helper's
    answer, rather than sit idle; nothing is queued when no helper runs, as nothing then waits."""
    if running():
        _idle.append(task)


def _run_idle() -> None:
    while _idle:
        task = _idle.pop(0)
        try:
            task()
        except Exception:  # noqa: BLE001 - done again where it is needed, which raises the error there
            pass


def call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, in a helper when one runs for it, else here."""
    return submit(function, *args).result()


def stop() -> None:
    """End every helper: the end of the command that started them."""
    _idle.clear()
    while _helpers:
        _helpers.pop().stop()


def serve(modules: list[str]) -> None:
    """A helper: import `modules`, then answer each (function, args) on stdin with (done, value).

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
