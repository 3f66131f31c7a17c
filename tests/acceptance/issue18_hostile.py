"""A hostile server for ``poolnode verify``: a thread serving a made-up pool whose documents a
test chooses path by path (endless collections, huge bodies, slow answers, redirects, keys
that belong to someone else). Loopback only; stopped by the context manager."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.acceptance import issue18_spec as spec

__all__ = ["Hostile", "hostile_server"]

AS = "https://www.w3.org/ns/activitystreams"
Answer = tuple[int, dict[str, str], bytes]


class Hostile:
    """The routes of one server: path (with query) → a function giving (status, headers, body)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.pool = base + "/pools/mal"
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.routes: dict[str, Callable[[], Answer]] = {}
        self.hits: list[str] = []
        self.authorized: list[str] = []  # paths asked for with an Authorization header
        self.json(self.pool, self.actor())
        self.json(self.pool + "/proposals", {"@context": AS, "id": self.pool + "/proposals",
                                             "type": "OrderedCollection", "totalItems": 0,
                                             "orderedItems": []})
        self.json(self.pool + "/floods", {"pool": self.pool, "floods": []})

    def actor(self, controller: str | None = None) -> dict[str, Any]:
        public = self.key.public_key().public_bytes_raw()
        return {
            "@context": [AS, "https://w3id.org/security/v1", "https://poolnode.org/ns/v1"],
            "id": self.pool, "type": "Group", "preferredUsername": "mal", "name": "Mal",
            "inbox": self.pool + "/inbox", "outbox": self.pool + "/outbox",
            "proposals": self.pool + "/proposals", "ledger": self.pool + "/ledger",
            "floods": self.pool + "/floods",
            "assertionMethod": [{"id": self.pool + "#ed25519-key", "type": "Multikey",
                                 "controller": controller or self.pool,
                                 "publicKeyMultibase": "z" + spec.b58encode(b"\xed\x01" + public)}],
        }

    def json(self, url: str, document: Any, status: int = 200, delay: float = 0.0) -> None:
        body = json.dumps(document).encode()

        def answer() -> Answer:
            if delay:
                time.sleep(delay)
            return status, {"Content-Type": "application/activity+json"}, body

        self.routes[url.removeprefix(self.base)] = answer

    def raw(self, url: str, answer: Callable[[], Answer]) -> None:
        self.routes[url.removeprefix(self.base)] = answer

    def entry(self, sequence: int, previous: str) -> dict[str, Any]:
        """A LedgerEntry of the made-up pool, hashed and signed as docs/SPEC.md says."""
        entry = {"@context": [AS, "https://w3id.org/security/data-integrity/v2", "https://poolnode.org/ns/v1"],
                 "id": f"{self.pool}/ledger/{sequence}", "type": "LedgerEntry",
                 "attributedTo": self.pool, "pool": self.pool, "sequence": sequence,
                 "entryKind": "contribution", "published": "2025-03-01T12:00:00Z", "currency": "EUR",
                 "postings": [{"account": "fund", "amount": 100},
                              {"account": "capital:https://x.example/users/x", "amount": -100}],
                 "memo": "", "previousHash": previous}
        entry["entryHash"] = spec.entry_hash(entry)
        return spec.sign(entry, self.key, self.pool, "2025-03-01T12:00:00Z")


@contextmanager
def hostile_server() -> Iterator[Hostile]:
    holder: list[Hostile] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hostile = holder[0]
            hostile.hits.append(self.path)
            if self.headers.get("Authorization"):
                hostile.authorized.append(self.path)
            route = hostile.routes.get(self.path)
            status, headers, body = route() if route else (404, {"Content-Type": "application/json"}, b"{}")
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(Hostile(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
