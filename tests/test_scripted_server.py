"""The scripted server itself: a request handler that raises fails the test that used it."""

from __future__ import annotations

import http.client
import json
import socket
import struct

import pytest

from scripted_server import HandlerError, Scenario, ScriptedServer
from waiting import wait_until


def _post(srv: ScriptedServer, body: dict[str, object]) -> None:
    """Send a chat request; the answer does not matter (a handler that raises sends none)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(body))
        conn.getresponse().read()
    except http.client.RemoteDisconnected:
        pass
    finally:
        conn.close()


# The server does not validate max_tokens: int("lots") raises inside the handler.
BROKEN = {"model": "good", "max_tokens": "lots"}


def test_a_raising_handler_fails_stop() -> None:
    srv = ScriptedServer({"good": Scenario()}).start()
    _post(srv, BROKEN)
    _post(srv, BROKEN)
    with pytest.raises(HandlerError, match="2 request handler") as info:
        srv.stop()
    assert isinstance(info.value.__cause__, ValueError)
    assert "lots" in str(info.value.__cause__)
    srv.stop()  # stopped already: nothing more to report


def test_a_raising_handler_fails_the_with_block() -> None:
    # The server's exit raises first, then pytest.raises (the outer one) sees it.
    with pytest.raises(HandlerError, match="1 request handler"), ScriptedServer() as srv:
        _post(srv, BROKEN)


def test_handled_faults_and_client_errors_are_not_handler_errors() -> None:
    with ScriptedServer({"good": Scenario(), "http500": Scenario(fault="http500")}) as srv:
        _post(srv, {"model": "good", "max_tokens": 3})
        _post(srv, {"model": "http500"})
        _post(srv, {"model": "unknown"})  # 404
    assert [r.status for r in srv.requests] == [200, 500, 404]


def test_a_client_that_resets_its_connection_is_not_a_handler_error() -> None:
    with ScriptedServer() as srv:
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        # The handler has the headers and waits for the rest of the body ...
        wait_until(lambda: srv.requests, what="the server to read the headers")
        # ... when the connection is reset (linger 0), as by a killed client.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    assert srv.requests[0].finished.is_set()
