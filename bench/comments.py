"""Posting comments to a node's thread through C2S, and timing GETs, for benchmarks 10 and 11.

Every comment is the member's ``Create(Note)`` (sent as a bare ``Note``, which the outbox wraps)
to their outbox on a running `poolnode serve`: the same path as a C2S client's, which puts the
comment in the thread (``node.discussion.comments.add_comment``) and has the pool ``Announce`` it.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from bench.poolsetup import InitInfo
from bench.procs import NodeProcess

__all__ = ["Client", "marker", "post_comment", "post_comments"]

AP = "application/activity+json"


def marker(n: int) -> str:
    """A word each comment carries once, to count the comments a page shows."""
    return f"benchcomment{n}x"


class Client:
    """One keep-alive HTTP/1.1 connection to the node (127.0.0.1), reopened if it drops."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); one retry on a connection the server closed."""
        path = urllib.parse.urlsplit(url)
        target = path.path + ("?" + path.query if path.query else "")
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._conn.request(method, target, body=body, headers=headers or {})
                resp = self._conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def timed_get(self, url: str, accept: str) -> tuple[float, bytes]:
        """Seconds for one GET (request sent to body read) and the body; any status but 200
        is an error."""
        started = time.perf_counter()
        status, _, body = self.request("GET", url, headers={"Accept": accept})
        took = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}: {body[:200]!r}")
        return took, body

    def close(self) -> None:
        """Close the connection (a new one is opened on the next request)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def post_comment(client: Client, node: NodeProcess, info: InitInfo, in_reply_to: str,
                 content: str) -> str:
    """One C2S comment by the admin (a member of the pool); the id of the stored Note."""
    note = {"type": "Note", "inReplyTo": in_reply_to, "content": content}
    status, headers, body = client.request(
        "POST", f"{node.base_url}/users/{info.admin_name}/outbox", json.dumps(note).encode(),
        {"Content-Type": AP, "Accept": AP, "Authorization": f"Bearer {info.token}"})
    if status not in (200, 201, 202):
        raise RuntimeError(f"C2S comment answered {status}: {body[:300]!r}")
    location = headers.get("location", "")
    return location


def post_comments(node: NodeProcess, info: InitInfo, proposal: str, count: int, *,
                  workers: int, time_limit: float, reply_every: int = 5) -> tuple[int, float]:
    """``count`` comments on the proposal's thread, ``workers`` at a time; every
    ``reply_every``-th one answers an earlier top-level comment (nested one level). Returns
    (comments posted, seconds)."""
    deadline = time.monotonic() + time_limit
    clients = [Client(node.base_url) for _ in range(workers)]
    started = time.perf_counter()
    first = post_comment(clients[0], node, info, proposal, f"<p>{marker(0)} The first word.</p>")
    parent = _note_of(clients[0], first) or proposal

    def one(n: int) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"posting {count} comments took over {time_limit:.0f} s")
        target = parent if n % reply_every == 0 else proposal
        post_comment(clients[n % workers], node, info, target,
                     f"<p>{marker(n)} Comment {n}: the budget line for the hall looks right.</p>")

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, range(1, count)))
    finally:
        for client in clients:
            client.close()
    return count, time.perf_counter() - started


def _note_of(client: Client, activity_uri: str) -> str | None:
    """The Note a Create in the outbox made (its ``object``), if the Location names it."""
    if not activity_uri:
        return None
    status, _, body = client.request("GET", activity_uri, headers={"Accept": AP})
    if status != 200:
        return None
    obj = json.loads(body).get("object")
    if isinstance(obj, dict):
        obj = obj.get("id")
    return obj if isinstance(obj, str) else None
