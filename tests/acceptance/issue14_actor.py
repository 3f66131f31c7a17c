"""A remote fediverse actor for the issue 14 tests: a tiny HTTP server on a loopback port that
serves its actor document (whose key the test may rotate, or which it may delete: 410), takes
deliveries, and signs inbox POSTs with draft-cavage-12 ``rsa-sha256`` as docs/FEDERATION.md
describes (``(request-target) host date digest``). It shares no code with the node."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["RemoteActor", "new_key"]

AP = "application/activity+json"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class RemoteActor:
    """``http://127.0.0.1:PORT/actor``, a Person with one RSA key (``#main-key``)."""

    def __init__(self) -> None:
        self.key = new_key()
        self.gone = False
        actor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                if self.path.split("#")[0] != "/actor":
                    self.send_error(404)
                    return
                if actor.gone:
                    self.send_response(410)
                    self.end_headers()
                    return
                body = json.dumps(actor.document()).encode()
                self.send_response(200)
                self.send_header("Content-Type", AP)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(202)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.id = self.origin + "/actor"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def document(self, key: RSAPrivateKey | None = None) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id, "type": "Person", "preferredUsername": "zoe", "name": "Zoe",
            "inbox": self.origin + "/inbox", "outbox": self.origin + "/outbox",
            "publicKey": {"id": self.id + "#main-key", "owner": self.id,
                          "publicKeyPem": _pem(key or self.key)},
        }

    def activity(self, kind: str, obj: Any, to: list[str]) -> dict[str, Any]:
        return {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{self.origin}/activities/{uuid.uuid4()}", "type": kind,
                "actor": self.id, "object": obj, "to": to}

    def note(self, to: str) -> dict[str, Any]:
        note = {"id": f"{self.origin}/notes/{uuid.uuid4()}", "type": "Note",
                "attributedTo": self.id, "content": "hello", "to": [to]}
        return self.activity("Create", note, [to])

    def post(self, url: str, activity: dict[str, Any], key: RSAPrivateKey | None = None
             ) -> tuple[int, str]:
        """POST ``activity`` to ``url``, signed with ``key`` (the current key by default)."""
        body = json.dumps(activity).encode()
        parsed = urllib.request.urlparse(url)
        host = parsed.netloc
        date = formatdate(usegmt=True)
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        signed = (f"(request-target): post {parsed.path}\nhost: {host}\ndate: {date}\n"
                  f"digest: {digest}")
        signature = base64.b64encode((key or self.key).sign(
            signed.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        headers = {
            "Host": host, "Date": date, "Digest": digest, "Content-Type": AP,
            "Signature": (f'keyId="{self.id}#main-key",algorithm="rsa-sha256",'
                          f'headers="(request-target) host date digest",signature="{signature}"'),
        }
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
