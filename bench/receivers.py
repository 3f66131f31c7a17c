"""Run as ``python -m bench.receivers``: many loopback inboxes for the fan-out benchmark.

Request (stdin, first line JSON): hosts, time_limit. Listens on ``hosts`` ports of
127.0.0.1 (one delivery "host" each), prints ``{"ports": [...]}``, then counts POSTs per
(host, path, body digest) until stdin says "stop" (or the time limit). Answers the counts.

Each receiver is a minimal HTTP/1.1 server on an asyncio protocol: it reads the request
head and the ``Content-Length`` body, answers ``202 Accepted`` and keeps the connection
open, as a fast remote inbox would. On this benchmark's one machine the receivers share the
sender's cores, which real remote inboxes do not: a full web framework here took about
0.3 ms of CPU per POST away from the sender, this about a fifth of that. The receivers'
CPU is reported with the result.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

__all__ = ["main"]

_ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
_BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_MAX_HEAD = 64 * 1024


class _Counts:
    def __init__(self) -> None:
        self.received: dict[str, int] = {}
        self.cpu_at_first = 0.0
        self.last_cpu = 0.0

    def post(self, key: str) -> None:
        if not self.received:
            self.cpu_at_first = time.process_time()
        self.received[key] = self.received.get(key, 0) + 1
        self.last_cpu = time.process_time()


class _Inbox(asyncio.Protocol):
    """One connection: requests one after another (keep-alive), each answered 202."""

    def __init__(self, counts: _Counts) -> None:
        self._counts = counts
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    self._refuse()
                return
            lines = self._buffer[:end].decode("latin-1").split("\r\n")
            method, _, rest = lines[0].partition(" ")
            path = rest.rpartition(" ")[0]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = headers.get("content-length", "0")
            if method != "POST" or not length.isdigit():
                self._refuse()
                return
            total = end + 4 + int(length)
            if len(self._buffer) < total:
                return  # the body is still arriving
            self._buffer = self._buffer[total:]
            # One activity to one inbox: the same body digest to the same path is a duplicate.
            self._counts.post(f"{headers.get('host', '')}{path} {headers.get('digest', '')}")
            self._transport.write(_ACCEPTED)

    def _refuse(self) -> None:
        assert self._transport is not None
        self._transport.write(_BAD)
        self._transport.close()
        self._transport = None


async def run(hosts: int, time_limit: float) -> dict[str, object]:
    """Serve until told to stop; returns total POSTs and distinct (inbox, body) pairs seen."""
    counts = _Counts()
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(lambda: _Inbox(counts), "127.0.0.1", 0)
               for _ in range(hosts)]
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    print(json.dumps({"ports": ports}), flush=True)
    try:
        async with asyncio.timeout(time_limit):
            await loop.run_in_executor(None, sys.stdin.readline)
    except TimeoutError:
        pass
    for server in servers:
        server.close()
    received = counts.received
    return {"posts": sum(received.values()), "distinct": len(received),
            "duplicates": sum(n - 1 for n in received.values() if n > 1),
            # CPU the receivers spent from the first POST to the last: on a 2-core machine
            # this is time the sender cannot use.
            "cpu_seconds": round(counts.last_cpu - counts.cpu_at_first, 4)}


def main() -> None:
    """Read the request, serve, print the counts."""
    request = json.loads(sys.stdin.readline())
    print(json.dumps(asyncio.run(run(int(request["hosts"]), float(request["time_limit"])))),
          flush=True)


if __name__ == "__main__":
    main()
