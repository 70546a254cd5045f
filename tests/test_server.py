"""The preview's HTTP server holds against slow and idle connections with a bounded number of threads."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

import newsletter.serving.server as server_module
from newsletter.serving.server import LiveServer, Page

FLOOD = 1000


def respond(path: str, version: int) -> Page | None:
    return Page(f"<p>{path}</p>".encode()) if path.startswith("/page") else None


def serving():
    """A server on a free loopback port, in a thread, stopped and closed at the end."""
    live = LiveServer("127.0.0.1", 0, respond)
    thread = threading.Thread(target=live.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield live
    live.shutdown()
    live.server_close()
    thread.join(timeout=5)


@pytest.fixture
def server():
    yield from serving()


def get(live: LiveServer, path: str, timeout: float = 5) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", live.server_address[1], timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def half_sent(live: LiveServer, count: int) -> list[socket.socket]:
    """Connections that start a request and never finish its head (a slowloris)."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", live.server_address[1]), timeout=5)
        connection.sendall(b"GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wait: ")
        sockets.append(connection)
    return sockets


def test_a_thousand_half_sent_requests_hold_no_threads_and_a_real_request_is_served(server):
    before = threading.active_count()
    sockets = half_sent(server, FLOOD)
    try:
        time.sleep(0.5)  # every one accepted and read
        assert threading.active_count() <= before + 1, threading.enumerate()
        started = time.monotonic()
        status, body = get(server, "/page/real", timeout=1)  # served within a second, or the client gives up
        assert (status, body) == (200, b"<p>/page/real</p>")
        assert time.monotonic() - started < 1
        assert threading.active_count() <= before + server_module.WORKERS
    finally:
        for connection in sockets:
            connection.close()


def test_a_connection_that_sends_no_whole_head_in_time_is_answered_and_closed(server, monkeypatch):
    monkeypatch.setattr(server_module, "HEAD_SECONDS", 0.3)
    slow = half_sent(server, 1)[0]
    idle = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)
    answer = b""
    while chunk := slow.recv(4096):
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in answer
    assert idle.recv(4096) == b""  # nothing asked, nothing answered: just closed
    slow.close()
    idle.close()


def test_a_head_too_long_is_refused(server):
    connection = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)
    try:
        connection.sendall(b"GET /page HTTP/1.1\r\nX-Long: " + b"a" * server_module.HEAD_BYTES)
    except ConnectionError:
        pass  # closed while still sending: refused all the same
    answer = b""
    try:
        while chunk := connection.recv(4096):
            answer += chunk
    except ConnectionError:
        pass
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 ")
    connection.close()


def test_a_kept_alive_connection_serves_request_after_request(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    for number in range(3):
        connection.request("GET", f"/page/{number}")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, f"<p>/page/{number}</p>".encode())
    missing = (connection.request("GET", "/nothing"), connection.getresponse())[1]
    assert missing.status == 404 and missing.read() == b"Not found\n"
    connection.close()


@pytest.fixture
def two_tabs_at_most(monkeypatch):
    monkeypatch.setattr(server_module, "STREAMS", 2)
    yield from serving()


def test_open_tabs_are_bounded_and_one_more_is_told_to_come_back(two_tabs_at_most):
    server = two_tabs_at_most
    tabs = []
    for _ in range(2):
        tab = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        tab.request("GET", "/_reload")
        response = tab.getresponse()
        assert response.status == 200 and response.fp.readline() == b"data: 1\n"
        tabs.append(response)  # the connection lasts as long as its response is referenced
    status, body = get(server, "/_reload")
    assert (status, body) == (503, b"Too many open previews\n")
    assert get(server, "/page/still")[0] == 200  # pages are served all the same
    tabs.pop().close()
    deadline = time.monotonic() + 5
    while get(server, "/page/wait")[0] == 200 and time.monotonic() < deadline:
        tab = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        tab.request("GET", "/_reload")
        response = tab.getresponse()
        if response.status == 200:  # the closed tab's place is free again
            tab.close()
            break
        tab.close()
        time.sleep(0.05)
    else:
        pytest.fail("a closed tab's place was never freed")
    for tab in tabs:
        tab.close()
