"""Fake remote actors served by a real loopback server, and signed inbox requests to a node."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.httpsig import sign_request
from federation.keys import public_key_to_pem
from node.appkeys import INBOX
from node.storage import InboxItem

NODE = "http://node.test"
AP = "application/activity+json"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeActor:
    """One actor on the fake remote server; ``key`` signs, ``published_key`` is served."""

    uri: str
    type: str
    key: rsa.RSAPrivateKey = _KEY
    published_key: rsa.RSAPrivateKey = _KEY

    @property
    def key_id(self) -> str:
        return self.uri + "#main-key"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": self.type,
            "inbox": self.uri + "/inbox",
            "followers": self.uri + "/followers",
            "endpoints": {"sharedInbox": self.uri.rsplit("/", 2)[0] + "/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.uri,
                "publicKeyPem": public_key_to_pem(self.published_key.public_key()),
            },
        }

    def activity(self, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.uri}/activities/{uuid.uuid4()}",
            "type": kind,
            "actor": self.uri,
            "object": obj,
            **extra,
        }


@dataclass
class FakeRemote:
    """A loopback server holding actors (and other documents by id: a JSON object is served,
    an int is answered as that HTTP status); counts document fetches and inbox POSTs."""

    base: str
    actors: dict[str, FakeActor] = field(default_factory=dict)
    documents: dict[str, dict[str, Any] | int] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    fetches: list[str] = field(default_factory=list)
    fetch_signatures: list[str | None] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, kind: str = "Person", **keys: Any) -> FakeActor:
        actor = FakeActor(f"{self.base}/users/{name}", kind, **keys)
        self.actors[actor.uri] = actor
        return actor


async def start_remote(aiohttp_server: Any) -> FakeRemote:
    """Serve actor documents at /users/{name} and accept inbox POSTs."""
    app = web.Application()
    holder: list[FakeRemote] = []

    async def actor_doc(request: web.Request) -> web.Response:
        remote = holder[0]
        uri = remote.base + request.path
        remote.fetches.append(uri)
        remote.fetch_signatures.append(request.headers.get("Signature"))
        if uri in remote.delays:
            await asyncio.sleep(remote.delays[uri])
        served = remote.documents.get(uri)
        if isinstance(served, int):
            return web.Response(status=served)
        if served is not None:
            return web.Response(text=json.dumps(served), content_type=AP)
        actor = remote.actors.get(uri)
        if actor is None:
            raise web.HTTPNotFound()
        return web.Response(text=json.dumps(actor.document()), content_type=AP)

    async def inbox(request: web.Request) -> web.Response:
        holder[0].posts.append(json.loads(await request.read()))
        return web.Response(status=202)

    app.router.add_get("/users/{name:.+}", actor_doc)  # actors and the documents under them
    app.router.add_post("/users/{name}/inbox", inbox)
    app.router.add_post("/inbox", inbox)
    server = await aiohttp_server(app, host="127.0.0.1")
    remote = FakeRemote(f"http://127.0.0.1:{server.port}")
    holder.append(remote)
    return remote


def signed(
    actor: FakeActor,
    path: str,
    body: bytes,
    *,
    now: datetime | None = None,
    key_id: str | None = None,
) -> dict[str, str]:
    """Headers of a draft-cavage signed POST of ``body`` to ``path`` on the node."""
    headers = sign_request(
        "POST", NODE + path, body, key_id or actor.key_id, actor.key, now or datetime.now(UTC)
    )
    headers["Content-Type"] = AP
    return headers


async def post_signed(
    client: Any, actor: FakeActor, path: str, activity: dict[str, Any] | bytes, **kw: Any
) -> Any:
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    return await client.post(path, data=body, headers=signed(actor, path, body, **kw))


async def processed(client: Any, activity_id: str, within: float = 5.0) -> InboxItem:
    """Wait until the worker has finished with an activity; the row as it ended."""
    store = client.server.app[INBOX]
    async with asyncio.timeout(within):
        while True:
            item = await store.by_activity_id(activity_id)
            if item is not None and item.state != "queued":
                return item
            await asyncio.sleep(0.02)
