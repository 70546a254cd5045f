"""A small live-reloading HTTP server: it serves what a page function returns, nothing from disk.

The server knows nothing about newsletters. It is given `respond(path)`,
which returns a Page or None; a file watcher calls `changed()`, and every
open browser tab hears about it through Server-Sent Events and reloads.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from newsletter.models import is_loopback

RELOAD_PATH = "/_reload"
KEEPALIVE_SECONDS = 10


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


@dataclass
class Version:
    """A counter that goes up on every change; waiters wake when it does."""

    number: int = 1
    condition: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False

    def bump(self) -> None:
        with self.condition:
            self.number += 1
            self.condition.notify_all()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.number != seen or self.closed, timeout=timeout)
            return self.number


class LiveServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, respond: Callable[[str, int], Page | None]):
        self.respond = respond
        self.version = Version()
        self.loopback_only = is_loopback(host)
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def changed(self) -> None:
        self.version.bump()

    def handle_error(self, request, client_address) -> None:
        # A browser closing its tab mid-response is routine, not worth a traceback.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            sys.stderr.write(f"error: {client_address[0]}: {type(error).__name__}: {error}\n")

    def server_close(self) -> None:
        self.version.close()
        super().server_close()


class _Handler(BaseHTTPRequestHandler):
    server: LiveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass  # requests are not news; errors show on the page itself

    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.server.loopback_only and not self._host_is_local():
            # A page on another site could point a name at 127.0.0.1 (DNS rebinding).
            return self._send(Page(b"Bad Host header\n", "text/plain; charset=utf-8", 400))
        path = unquote(urlsplit(self.path).path)
        if path == RELOAD_PATH:
            return self._stream_versions()
        try:
            page = self.server.respond(path, self.server.version.number)
        except Exception as exc:  # keep serving: one bad page must not stop the preview
            message = f"{type(exc).__name__}: {exc}"
            sys.stderr.write(f"error: {path}: {message}\n")
            page = Page(f"Internal error: {message}\n".encode(), "text/plain; charset=utf-8", 500)
        self._send(page or Page(b"Not found\n", "text/plain; charset=utf-8", 404))

    def _host_is_local(self) -> bool:
        try:
            host = urlsplit("//" + (self.headers.get("Host") or "")).hostname
        except ValueError:
            return False
        return bool(host) and is_loopback(host)

    def _send(self, page: Page) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(page.body)

    def _stream_versions(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        version = self.server.version
        seen = version.number
        try:
            self.wfile.write(f"data: {seen}\n\n".encode())
            self.wfile.flush()
            while not version.closed:
                now = version.wait_past(seen, KEEPALIVE_SECONDS)
                message = f"data: {now}\n\n" if now != seen else ": keep-alive\n\n"
                seen = now
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass


def watch(paths: list[Path], files: list[Path], on_change: Callable[[set[str]], None],
          stop: threading.Event) -> list[threading.Thread]:
    """Call `on_change` with the changed paths after changes under `paths` (recursively) or to `files`."""
    from watchfiles import watch as watch_paths

    def loop(targets: list[Path], recursive: bool, keep: Callable[[str], bool]) -> None:
        for changes in watch_paths(*targets, recursive=recursive, stop_event=stop, debounce=150, step=30,
                                   rust_timeout=500, yield_on_timeout=False, raise_interrupt=False):
            changed = {path for _, path in changes if keep(path)}
            if changed:
                on_change(changed)

    threads = []
    folders = [p for p in paths if p.is_dir()]
    if folders:
        threads.append(threading.Thread(target=loop, args=(folders, True, lambda path: True), daemon=True))
    names = {f.resolve() for f in files}
    parents = sorted({f.resolve().parent for f in files if f.resolve().parent.is_dir()})
    if parents:
        # Watch the folder, not the file: editors often save by writing a new file and renaming it.
        keep = lambda path: Path(path).resolve() in names  # noqa: E731
        threads.append(threading.Thread(target=loop, args=(parents, False, keep), daemon=True))
    for thread in threads:
        thread.start()
    return threads
