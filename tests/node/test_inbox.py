"""POST inbox: accepted requests, and the catalogue of rejected ones (nothing stored, 4xx)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from federation.digests import digest_header
from federation.httpsig import build_signing_string, format_http_date, sign_bytes
from federation.rfc9421 import sign_request_rfc9421
from node.app import create_app
from node.appkeys import INBOX, INBOX_WRITER
from tests.conftest import make_node
from tests.node.inbox_helpers import (
    _OTHER_KEY,
    AP,
    NODE,
    post_signed,
    processed,
    signed,
)

pytestmark = pytest.mark.both_backends

POOL_INBOX = "/pools/commons/inbox"


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


async def _stored(client) -> int:  # type: ignore[no-untyped-def]
    return await client.server.app[INBOX].count()


async def _error(resp) -> str:  # type: ignore[no-untyped-def]
    return (await resp.json(content_type=None))["error"]


# --------------------------------------------------------------------------- accepted


async def test_signed_follow_is_stored_and_answered_202(client, remote, fed):
    bob = remote.add("bob")
    follow = bob.activity("Follow", fed.pool.uri)
    resp = await post_signed(client, bob, POOL_INBOX, follow)
    assert resp.status == 202, await resp.text()
    item = await client.server.app[INBOX].by_activity_id(follow["id"])
    assert item is not None
    assert item.actor_uri == bob.uri and item.recipient_id == fed.pool.id
    assert item.document == follow
    assert remote.fetches == [bob.uri]  # the key was fetched once


async def test_shared_inbox_accepts_and_key_is_cached_in_memory(client, remote, fed):
    bob = remote.add("bob")
    for _ in range(3):
        resp = await post_signed(client, bob, "/inbox", bob.activity("Like", fed.pool.uri))
        assert resp.status == 202, await resp.text()
    assert await _stored(client) == 3
    assert remote.fetches == [bob.uri]


async def test_hs2019_algorithm_name_is_accepted(client, remote, fed):
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", fed.pool.uri)).encode()
    headers = signed(bob, "/inbox", body)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    resp = await client.post("/inbox", data=body, headers=headers)
    assert resp.status == 202, await resp.text()


async def test_rfc9421_signature_is_accepted(client, remote, fed):
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", fed.pool.uri)).encode()
    headers = sign_request_rfc9421(
        "POST", NODE + "/inbox", body, bob.key_id, bob.key, datetime.now(UTC)
    )
    resp = await client.post("/inbox", data=body, headers={**headers, "Content-Type": AP})
    assert resp.status == 202, await resp.text()
    assert await _stored(client) == 1


async def test_duplicate_activity_is_acknowledged_and_stored_once(client, remote, fed):
    bob = remote.add("bob")
    follow = bob.activity("Follow", fed.pool.uri)
    first = await post_signed(client, bob, POOL_INBOX, follow)
    again = await post_signed(client, bob, "/inbox", follow)
    assert (first.status, again.status) == (202, 202)
    assert await _stored(client) == 1


async def test_duplicate_not_in_memory_is_caught_by_the_unique_index(client, remote, fed):
    bob = remote.add("bob")
    follow = bob.activity("Follow", fed.pool.uri)
    assert (await post_signed(client, bob, POOL_INBOX, follow)).status == 202
    writer = client.server.app[INBOX_WRITER]
    writer.recent = type(writer.recent)()  # as after a restart: the LRU is empty
    assert (await post_signed(client, bob, POOL_INBOX, follow)).status == 202
    assert await _stored(client) == 1


async def test_rotated_key_is_refetched_once(client, remote, fed):
    bob = remote.add("bob")
    assert (await post_signed(client, bob, "/inbox", bob.activity("Like", fed.pool.uri))).status == 202
    bob.key = bob.published_key = _OTHER_KEY  # the remote rotates its key
    resp = await post_signed(client, bob, "/inbox", bob.activity("Like", fed.pool.uri))
    assert resp.status == 202, await resp.text()
    assert remote.fetches == [bob.uri, bob.uri]


async def test_unknown_actor_inbox_is_404(client, remote, fed):
    bob = remote.add("bob")
    resp = await post_signed(client, bob, "/pools/nobody/inbox", bob.activity("Like", fed.pool.uri))
    assert resp.status == 404


# --------------------------------------------------------------------------- rejected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"type": "Follow", "actor": "http://x.example/a"}', "has no 'id'"),
        (b'{"id": "/relative", "type": "Follow", "actor": "http://x.example/a"}', "absolute http(s) URL"),
        ('{"id": "http://x.example:\u00b2/1", "type": "Follow", "actor": "http://x.example/a"}'.encode(),
         "absolute http(s) URL"),
        (b'{"id": "http://x.example/1", "type": "Follow", "actor": "http://x.example:8o/a"}',
         "absolute http(s) URL"),
        (b'{"id": "http://x.example/1", "actor": "http://x.example/a"}', "no 'type'"),
        (b'{"id": "http://x.example/1", "type": "Follow"}', "no 'actor'"),
    ],
)
async def test_malformed_bodies_are_400(client, remote, body, reason):
    bob = remote.add("bob")
    resp = await post_signed(client, bob, "/inbox", body)
    assert resp.status == 400
    assert reason in await _error(resp)
    assert await _stored(client) == 0
    assert remote.fetches == []  # refused before any key lookup


async def test_unsigned_request_is_401(client, remote, fed):
    bob = remote.add("bob")
    resp = await client.post("/inbox", json=bob.activity("Like", fed.pool.uri))
    assert resp.status == 401
    assert await _error(resp) == "request is not signed"
    assert await _stored(client) == 0


async def test_unknown_key_is_401(client, remote, fed):
    ghost = remote.add("ghost")
    del remote.actors[ghost.uri]  # the key's actor document is 404
    resp = await post_signed(client, ghost, "/inbox", ghost.activity("Like", fed.pool.uri))
    assert resp.status == 401
    assert "signing key could not be fetched" in await _error(resp)
    assert await _stored(client) == 0


async def test_wrong_key_is_401_after_one_refetch(client, remote, fed):
    bob = remote.add("bob", key=_OTHER_KEY)  # signs with a key that is not the published one
    resp = await post_signed(client, bob, "/inbox", bob.activity("Like", fed.pool.uri))
    assert resp.status == 401
    assert await _error(resp) == "signature does not verify"
    assert remote.fetches == [bob.uri, bob.uri]
    assert await _stored(client) == 0
    # A second bad request does not trigger another refetch within the minute.
    await post_signed(client, bob, "/inbox", bob.activity("Like", fed.pool.uri))
    assert len(remote.fetches) == 2


async def test_tampered_body_is_401(client, remote, fed):
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", fed.pool.uri)).encode()
    headers = signed(bob, "/inbox", body)
    tampered = body.replace(b"Like", b"Flag")
    headers["Digest"] = digest_header(tampered)  # consistent digest, but not what was signed
    resp = await client.post("/inbox", data=tampered, headers=headers)
    assert resp.status == 401
    assert await _error(resp) == "signature does not verify"
    assert await _stored(client) == 0


async def test_digest_mismatch_is_401(client, remote, fed):
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", fed.pool.uri)).encode()
    headers = signed(bob, "/inbox", body)
    resp = await client.post("/inbox", data=body.replace(b"Like", b"Flag"), headers=headers)
    assert resp.status == 401
    assert "digest" in await _error(resp)
    assert await _stored(client) == 0


async def test_unsigned_digest_is_401(client, remote, fed):
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", fed.pool.uri)).encode()
    headers = {"Host": "node.test", "Date": format_http_date(datetime.now(UTC)),
               "Digest": digest_header(body), "Content-Type": AP}
    names = ["(request-target)", "host", "date"]
    text = build_signing_string("POST", "/inbox", headers, names)
    signature = base64.b64encode(sign_bytes(bob.key, text.encode())).decode()
    headers["Signature"] = (
        f'keyId="{bob.key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{signature}"'
    )
    resp = await client.post("/inbox", data=body, headers=headers)
    assert resp.status == 401
    assert await _error(resp) == "signature does not sign digest"
    assert await _stored(client) == 0


@pytest.mark.parametrize("skew", [timedelta(hours=-2), timedelta(hours=2)])
async def test_date_outside_window_is_401(client, remote, fed, skew):
    bob = remote.add("bob")
    resp = await post_signed(
        client, bob, "/inbox", bob.activity("Like", fed.pool.uri), now=datetime.now(UTC) + skew
    )
    assert resp.status == 401
    assert await _error(resp) == "date outside the accepted window"
    assert await _stored(client) == 0


async def test_replayed_request_after_the_window_is_401(tmp_path, aiohttp_client, remote):
    setup = await make_node(
        tmp_path / "short", allow_private_addresses=True, signature_window_seconds=1
    )
    client = await aiohttp_client(create_app(setup.config))
    bob = remote.add("bob")
    body = json.dumps(bob.activity("Like", setup.pool.uri)).encode()
    headers = signed(bob, "/inbox", body)
    assert (await client.post("/inbox", data=body, headers=headers)).status == 202
    await asyncio.sleep(2.1)
    replay = await client.post("/inbox", data=body, headers=headers)
    assert replay.status == 401
    assert await _error(replay) == "date outside the accepted window"
    assert await _stored(client) == 1


async def test_a_forwarded_activity_its_origin_does_not_serve_is_403(client, remote, fed):
    bob, carol = remote.add("bob"), remote.add("carol")
    forged = carol.activity("Follow", fed.pool.uri)
    resp = await post_signed(client, bob, POOL_INBOX, forged)
    assert resp.status == 403
    assert "the actor's origin does not confirm the forwarded Follow: it answered HTTP 404" in await _error(resp)
    assert await _stored(client) == 0


async def test_cross_origin_embedded_object_is_403(client, remote, fed):
    bob = remote.add("bob")
    note = {"id": "https://elsewhere.example/notes/1", "type": "Note",
            "attributedTo": "https://elsewhere.example/users/eve", "content": "forged"}
    resp = await post_signed(client, bob, "/inbox", bob.activity("Create", note))
    assert resp.status == 403
    assert await _error(resp) == "the embedded object is from another origin than the actor"
    assert await _stored(client) == 0


async def test_create_attributed_to_another_origin_is_403(client, remote, fed):
    bob = remote.add("bob")
    note = {"id": bob.uri + "/notes/1", "type": "Note",
            "attributedTo": "https://elsewhere.example/users/eve"}
    resp = await post_signed(client, bob, "/inbox", bob.activity("Create", note))
    assert resp.status == 403
    assert await _stored(client) == 0


async def test_activity_id_on_another_origin_is_403(client, remote, fed):
    bob = remote.add("bob")
    like = {**bob.activity("Like", fed.pool.uri), "id": "https://elsewhere.example/likes/1"}
    resp = await post_signed(client, bob, "/inbox", like)
    assert resp.status == 403
    assert await _error(resp) == "the activity id is not on the actor's origin"


async def test_announce_of_foreign_object_is_kept_by_id_only(client, remote, fed):
    bob = remote.add("bob")
    note = {"id": "https://elsewhere.example/notes/1", "type": "Note", "content": "forged"}
    announce = bob.activity("Announce", note)
    assert (await post_signed(client, bob, "/inbox", announce)).status == 202
    item = await client.server.app[INBOX].by_activity_id(announce["id"])
    assert item is not None and item.document["object"] == note["id"]


async def test_oversize_body_is_413(tmp_path, aiohttp_client, remote):
    setup = await make_node(tmp_path / "small", allow_private_addresses=True, max_body_bytes=2048)
    client = await aiohttp_client(create_app(setup.config))
    bob = remote.add("bob")
    big = bob.activity("Create", {"id": bob.uri + "/n/1", "type": "Note",
                                  "attributedTo": bob.uri, "content": "x" * 4000})
    resp = await post_signed(client, bob, "/inbox", big)
    assert resp.status == 413
    assert "larger than the configured limit" in await _error(resp)
    assert await _stored(client) == 0
    assert remote.fetches == []


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "10.0.0.1", "169.254.169.254"])
async def test_key_id_at_private_address_is_refused_without_fetching(
    tmp_path, aiohttp_client, remote, host
):
    setup = await make_node(tmp_path / "strict")  # allow_private_addresses off
    client = await aiohttp_client(create_app(setup.config))
    port = remote.base.rsplit(":", 1)[1]
    bob = remote.add("bob")
    bob.uri = f"http://{host}:{port}/users/bob"  # the fake server really listens on 127.0.0.1
    resp = await post_signed(client, bob, "/inbox", bob.activity("Like", setup.pool.uri))
    assert resp.status == 401
    assert "refusing to fetch" in await _error(resp)
    assert remote.fetches == []
    assert await _stored(client) == 0


async def test_delete_of_anothers_stored_object_is_403(client, remote, fed):
    bob, carol = remote.add("bob"), remote.add("carol")
    note = {"id": carol.uri + "/notes/1", "type": "Note", "attributedTo": carol.uri}
    create = carol.activity("Create", note)
    assert (await post_signed(client, carol, "/inbox", create)).status == 202
    await processed(client, create["id"])
    resp = await post_signed(client, bob, "/inbox", bob.activity("Delete", note["id"]))
    assert resp.status == 403
    assert await _error(resp) == "only the object's owner may delete it"
    assert await _stored(client) == 1


async def test_update_of_anothers_object_is_403(client, remote, fed):
    bob, carol = remote.add("bob"), remote.add("carol")
    note = {"id": carol.uri + "/notes/1", "type": "Note", "attributedTo": carol.uri}
    resp = await post_signed(client, bob, "/inbox", bob.activity("Update", note))
    assert resp.status == 403
    assert await _error(resp) == "only the object's owner may update it"
    profile = {"id": carol.uri, "type": "Person", "name": "not carol"}
    resp = await post_signed(client, bob, "/inbox", bob.activity("Update", profile))
    assert resp.status == 403
    assert await _stored(client) == 0


async def test_delete_of_a_local_object_is_403(client, remote, fed):
    bob = remote.add("bob")
    resp = await post_signed(client, bob, "/inbox", bob.activity("Delete", NODE + "/objects/1"))
    assert resp.status == 403
    assert await _stored(client) == 0
