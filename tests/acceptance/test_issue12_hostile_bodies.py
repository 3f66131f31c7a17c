"""Issue 12 item 8: bodies that used to reach RecursionError or ValueError, and slow
bodies, against real ``poolnode serve`` processes (aiohttp's own server and parser).

Tried from outside as an attacker would; each test names the doc sentence it holds to.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest

from tests.acceptance.conftest import BODY_READ_TIMEOUT
from tests.multinode.harness import AP, NodeProcess

# --- Item 8: bodies that used to reach RecursionError / ValueError, and slow bodies ----------

DEPTH = 100_000


def _deep_arrays() -> bytes:
    return b"[" * DEPTH + b"]" * DEPTH


def _deep_objects() -> bytes:
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


def _activity(node: NodeProcess, obj: str) -> bytes:
    """A valid-looking Create whose object carries ``obj`` (raw JSON text)."""
    actor = node.base_url + "/users/mallory"
    head = json.dumps({"@context": "https://www.w3.org/ns/activitystreams",
                       "id": f"{actor}/activities/{uuid.uuid4()}", "type": "Create", "actor": actor})
    return (head[:-1] + ', "object": {"type": "Note", "content": ' + obj + "}}").encode()


def _bodies(node: NodeProcess) -> dict[str, bytes]:
    return {
        "100k nested arrays": _deep_arrays(),
        "100k nested objects": _deep_objects(),
        "5000-digit integer": _activity(node, "1" + "0" * 4999),
        "5000-digit negative integer": _activity(node, "-" + "9" * 5000),
        "huge float": _activity(node, "1e999999"),
        "negative huge float": _activity(node, "-1.5e400"),
        "long float": _activity(node, "0." + "1" * 5000),
        "NaN": _activity(node, "NaN"),
        "Infinity": _activity(node, "-Infinity"),
        "nested arrays inside a Create": _activity(node, "[" * DEPTH + "]" * DEPTH),
        "nested objects inside a Create": _activity(node, '{"a":' * DEPTH + "1" + "}" * DEPTH),
        # 65 openers reach the depth scan; then an unterminated string of escaped quotes.
        "unterminated escaped string": b"[" * 65 + b'"' + b'\\"' * 400_000,
    }


def _post(node: NodeProcess, path: str, body: bytes, headers: dict[str, str] | None = None,
          timeout: float = 60) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(node.base_url + path, data=body, method="POST",
                                     headers={"Content-Type": AP, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _counts(node: NodeProcess) -> tuple[int, ...]:
    return tuple(node.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
                 for table in ("inbox_items", "objects"))


def _no_server_error(node: NodeProcess) -> None:
    log = node.log_text()
    assert "Traceback" not in log, log[-3000:]
    assert '" 500 ' not in log and "Error handling request" not in log, log[-3000:]


JSON_ROUTES = ["/inbox", "/pools/commons/inbox", "/users/admin/inbox", "/users/admin/outbox"]


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_hostile_json_is_a_400_with_a_reason_and_stores_nothing(served: NodeProcess, path: str) -> None:
    # FEDERATION.md "What a request must be" 2: past the bounds, 400 with a reason; the
    # same bounds for C2S outbox bodies. The outbox is the owner's: send the admin's token.
    auth = {"Authorization": f"Bearer {served.token}"} if path.endswith("/outbox") else {}
    before = _counts(served)
    for name, body in _bodies(served).items():
        status, answer, _ = _post(served, path, body, auth)
        assert status == 400, (path, name, status, answer[:300])
        reason = json.loads(answer)["error"]
        assert reason, (path, name)
    assert _counts(served) == before
    _no_server_error(served)


def _raw(node: NodeProcess, head: str, first: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", node.port), timeout=60)
    sock.sendall(head.encode() + first)
    return sock


def _answer(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


SLOW = {
    "json, content-length": ("POST /inbox HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                             "application/activity+json\r\nContent-Length: 5000\r\n\r\n", b'{"id": '),
    "json, chunked": ("POST /users/admin/inbox HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                      "application/activity+json\r\nTransfer-Encoding: chunked\r\n\r\n", b"7\r\n{\"id\": \r\n"),
    "urlencoded form": ("POST /signin HTTP/1.1\r\nHost: {host}\r\nContent-Type: "
                        "application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n", b"username=a"),
    "multipart form": ("POST /signin HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; "
                       "boundary=XX\r\nContent-Length: 5000\r\n\r\n",
                       b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\nab'),
}


@pytest.mark.parametrize("kind", SLOW)
def test_a_slow_body_is_a_408_logged_as_a_client_timeout(served: NodeProcess, kind: str) -> None:
    # OPERATIONS.md "Slow and vanished clients": 408 with the JSON reason, connection closed,
    # "client timeout: ..." at INFO; not a 500.
    head, first = SLOW[kind]
    answer = _answer(_raw(served, head.format(host=f"127.0.0.1:{served.port}"), first))
    assert answer.startswith(b"HTTP/1.1 408"), (kind, answer[:400])
    assert f"within {BODY_READ_TIMEOUT} seconds".encode() in answer, answer[-300:]
    assert "client timeout:" in served.log_text()
    _no_server_error(served)


def test_many_slow_clients_do_not_block_normal_requests(patient: NodeProcess) -> None:
    # 100 clients send headers and a few bytes, then nothing, while the deadline (60 s) runs:
    # ordinary reads and writes are still answered; the hung-up clients are logged as such.
    host = f"127.0.0.1:{patient.port}"
    head, first = SLOW["json, content-length"]
    slow = [_raw(patient, head.format(host=host), first) for _ in range(100)]
    try:
        status, _ = patient.request("GET", "/pools/commons")
        assert status == 200
        status, body = patient.request("POST", "/users/admin/outbox", {
            "type": "Note", "content": "still here", "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }, token=patient.token)
        assert status == 201, body
    finally:
        for sock in slow:
            sock.close()
    status, _ = patient.request("GET", "/.well-known/nodeinfo")
    assert status == 200
    _no_server_error(patient)


FORMS = ["/signin", "/signup", "/create-pool", "/pools/commons/join", "/settings/password"]


@pytest.mark.parametrize("path", FORMS)
def test_huge_form_posts_are_refused_without_a_server_error(served: NodeProcess, path: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = _post(served, path, b"username=" + b"a" * (2 * 1024 * 1024), form)
    assert status == 413
    for body in (b"username=" + b"%41" * 300_000, b"&".join([b"a=1"] * 200_000),
                 b"username=" + b"a" * 900_000 + b"&password=x&csrf=y"):
        status, answer, _ = _post(served, path, body, form)
        assert 400 <= status < 500, (path, status, answer[:300])
    multipart = {"Content-Type": "multipart/form-data; boundary=XX"}
    body = (b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\n' + b"a" * 900_000
            + b"\r\n--XX--\r\n")
    status, answer, _ = _post(served, path, body, multipart)
    assert 400 <= status < 500, (path, status, answer[:300])
    _no_server_error(served)


MALFORMED_MULTIPART = [
    b'--XX\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XX--\r\n',
    b'--XX\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: rot13\r\n\r\nx\r\n--XX--\r\n',
    b'--XX\r\n' + b"X-A: b\r\n" * 200 + b'Content-Disposition: form-data; name="a"\r\n\r\nx\r\n--XX--\r\n',
    b"--XX\r\n",
    b"not multipart at all",
]


@pytest.mark.parametrize("body", MALFORMED_MULTIPART)
def test_malformed_multipart_forms_are_4xx(served: NodeProcess, body: bytes) -> None:
    status, answer, _ = _post(served, "/signin", body, {"Content-Type": "multipart/form-data; boundary=XX"})
    assert 400 <= status < 500, (status, answer[:300])
    _no_server_error(served)
