"""A small live-reloading HTTP server: it serves what a page function returns, nothing from disk.

The server knows nothing about newsletters. It is given `respond(path)`,
which returns a Page or None; a file watcher calls `changed()`, and every
open browser tab hears about it through Server-Sent Events and reloads.
"""

from __future__ import annotations

import io
import select
import selectors
import socket
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from msgspec import Struct, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from newsletter.models import is_loopback

RELOAD_PATH = "/_reload"
KEEPALIVE_SECONDS = 10
HEAD_SECONDS = 10  # a connection has this long to send a request's head (and an idle one to send the next)
HEAD_BYTES = 64 * 1024
WAITING = 1024  # connections waiting for a head; beyond that the longest waiting is closed
WORKERS = 4  # pages rendered at once
STREAMS = 32  # open tabs hearing about changes


class Page(Struct):
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200


class Version(Struct):
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


class LiveServer(HTTPServer):
    """Serves `respond`'s pages with a bounded number of threads, however many connections are open.

    Until a connection has sent a whole request head, it waits in one
    thread with every other (see _WaitingRoom), for HEAD_SECONDS at most;
    then a pool of WORKERS threads serves it, or one of STREAMS threads
    when it is a tab listening for changes. A kept-alive connection goes
    back to wait for its next request instead of holding a thread.
    """

    allow_reuse_address = True
    request_queue_size = 128  # connections the system holds until they are accepted

    def __init__(self, host: str, port: int, respond: Callable[[str, int], Page | None]):
        self.respond = respond
        self.version = Version()
        self.loopback_only = is_loopback(host)
        self._heads: dict[socket.socket, bytes] = {}
        self._streams = threading.BoundedSemaphore(STREAMS)
        self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="preview-page")
        self._waiting = _WaitingRoom(self._dispatch)
        super().__init__((host, port), _Handler)  # closes the above when it cannot bind

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def changed(self) -> None:
        self.version.bump()

    def process_request(self, request, client_address) -> None:
        self._waiting.add(request, b"")

    def _dispatch(self, connection: socket.socket, head: bytes, rest: bytes) -> None:
        """Serve a connection whose request head has arrived, in a pool thread."""
        target = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b""
        if target.startswith(RELOAD_PATH.encode()):
            if not self._streams.acquire(blocking=False):
                _refuse(connection, b"503 Service Unavailable", b"Too many open previews\n")
                return
            threading.Thread(target=self._serve, args=(connection, head, rest, True), daemon=True,
                             name="preview-stream").start()
        else:
            try:
                self._workers.submit(self._serve, connection, head, rest, False)
            except RuntimeError:  # shutting down
                connection.close()

    def _serve(self, connection: socket.socket, head: bytes, rest: bytes, stream: bool) -> None:
        self._heads[connection] = head
        try:
            handler = _Handler(connection, connection.getpeername(), self)
        except Exception:
            self.handle_error(connection, ("?",))
            self.shutdown_request(connection)
            return
        finally:
            self._heads.pop(connection, None)
            if stream:
                self._streams.release()
        if handler.close_connection:
            self.shutdown_request(connection)
        else:
            self._waiting.add(connection, rest)

    def head_of(self, connection: socket.socket) -> bytes:
        return self._heads.pop(connection, b"")

    def handle_error(self, request, client_address) -> None:
        # A browser closing its tab mid-response is routine, not worth a traceback.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError, OSError)):
            sys.stderr.write(f"error: {client_address[0]}: {type(error).__name__}: {error}\n")

    def server_close(self) -> None:
        self.version.close()
        self._waiting.close()
        self._workers.shutdown(wait=False, cancel_futures=True)
        super().server_close()


class _WaitingRoom:
    """Connections until their request's head has arrived: one thread and one selector for all of them.

    Each has HEAD_SECONDS from when it came (or finished its last request)
    to send HEAD_BYTES at most; a slow or idle one is closed then, so
    half-sent requests cost a socket each, never a thread.
    """

    def __init__(self, ready: Callable[[socket.socket, bytes, bytes], None]):
        self._ready = ready
        self._selector = selectors.DefaultSelector()
        self._waiting: OrderedDict[socket.socket, tuple[float, bytes]] = OrderedDict()
        self._arrived: list[tuple[socket.socket, bytes]] = []
        self._lock = threading.Lock()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ)
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="preview-waiting")
        self._thread.start()

    def add(self, connection: socket.socket, received: bytes) -> None:
        with self._lock:
            self._arrived.append((connection, received))
        try:
            self._wake_writer.send(b"\0")
        except OSError:  # closed, or full of wake-ups already
            pass

    def close(self) -> None:
        self._closed = True
        self.add(socket.socket(), b"")  # wakes the thread, which closes everything
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._closed:
            for key, _ in self._selector.select(timeout=1.0):
                if key.fileobj is self._wake_reader:
                    self._take_arrivals()
                elif isinstance(key.fileobj, socket.socket):
                    self._read(key.fileobj)
            self._expire(time.monotonic())
        for connection in [*self._waiting, *(c for c, _ in self._arrived)]:
            connection.close()
        self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _take_arrivals(self) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except BlockingIOError:
            pass
        with self._lock:
            arrived, self._arrived = self._arrived, []
        for connection, received in arrived:
            if self._closed:
                connection.close()
                continue
            if len(self._waiting) >= WAITING:
                oldest = next(iter(self._waiting))
                self._drop(oldest)
            connection.setblocking(False)
            self._waiting[connection] = (time.monotonic() + HEAD_SECONDS, received)
            if not self._complete(connection, received):
                self._selector.register(connection, selectors.EVENT_READ)

    def _read(self, connection: socket.socket) -> None:
        deadline, received = self._waiting[connection]
        try:
            data = connection.recv(HEAD_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the other end closed it
            self._drop(connection)
            return
        received += data
        self._waiting[connection] = (deadline, received)
        if not self._complete(connection, received) and len(received) >= HEAD_BYTES:
            self._drop(connection, b"431 Request Header Fields Too Large")

    def _complete(self, connection: socket.socket, received: bytes) -> bool:
        """Hand the connection on when its head has arrived; whether it was."""
        end = received.find(b"\r\n\r\n")
        if end < 0:
            return False
        self._unregister(connection)
        del self._waiting[connection]
        connection.setblocking(True)
        self._ready(connection, received[:end + 4], received[end + 4:])
        return True

    def _expire(self, now: float) -> None:
        for connection, (deadline, received) in list(self._waiting.items()):
            if deadline > now:
                break  # in order of arrival, so every later one has longer to go
            self._drop(connection, b"408 Request Timeout" if received else None)

    def _drop(self, connection: socket.socket, status: bytes | None = None) -> None:
        self._unregister(connection)
        self._waiting.pop(connection, None)
        if status:
            _refuse(connection, status, status[4:] + b"\n")
        else:
            connection.close()

    def _unregister(self, connection: socket.socket) -> None:
        try:
            self._selector.unregister(connection)
        except (KeyError, ValueError):
            pass


def _refuse(connection: socket.socket, status: bytes, body: bytes) -> None:
    """Answer with an error and close, never waiting on the other end."""
    try:
        connection.setblocking(False)
        connection.send(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass
    connection.close()


class _Handler(BaseHTTPRequestHandler):
    """One request, whose head the server has read already; the connection's next one waits in the waiting room."""

    server: LiveServer
    protocol_version = "HTTP/1.1"
    timeout = HEAD_SECONDS  # on the socket: a reader that stops reading a response is dropped

    def setup(self):
        super().setup()
        self.rfile.close()
        self.rfile = io.BytesIO(self.server.head_of(self.connection))

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        if self.command not in ("GET", "HEAD"):  # a body would be read as the next request
            self.close_connection = True

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
        return host is not None and is_loopback(host)

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
            quiet_since = time.monotonic()
            self._readable = select.poll()  # poll, not select: no limit on the descriptor's number
            self._readable.register(self.connection, select.POLLIN)
            while not version.closed and not self._tab_closed():
                now = version.wait_past(seen, 1.0)
                if now != seen:
                    message = f"data: {now}\n\n"
                elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                    message = ": keep-alive\n\n"
                else:
                    continue
                seen, quiet_since = now, time.monotonic()
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass

    def _tab_closed(self) -> bool:
        """Whether the tab went away (its end of the connection closed), so that its place is free within a second."""
        if not self._readable.poll(0):
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


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
