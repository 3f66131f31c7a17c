"""Follow, Accept, Reject and Undo through the inbox queue; followers/following lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import node.delivery
from federation.httpsig import sign_request
from node.appkeys import FOLLOWS
from tests.node.inbox_helpers import AP, NODE, post_signed, processed

pytestmark = pytest.mark.both_backends

POOL_INBOX = "/pools/commons/inbox"


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, dict[str, Any], list[str] | None]]:  # type: ignore[no-untyped-def]
    calls: list[tuple[str, dict[str, Any], list[str] | None]] = []

    async def record(app, sender, activity, recipients=None):  # type: ignore[no-untyped-def]
        calls.append((sender.uri, activity, recipients))
        return 1

    monkeypatch.setattr(node.delivery, "enqueue_activity", record)
    return calls


async def _items(client, path: str, token: str | None = None) -> list[Any]:  # type: ignore[no-untyped-def]
    headers = {"Accept": AP}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resp = await client.get(path + "?page=true", headers=headers)
    assert resp.status == 200, await resp.text()
    return list((await resp.json(content_type=None))["orderedItems"])


async def _follow(client, actor, target: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    follow = actor.activity("Follow", target)
    assert (await post_signed(client, actor, "/inbox", follow)).status == 202
    assert (await processed(client, follow["id"])).state == "done"
    return follow


async def test_person_following_a_pool_is_accepted_and_listed(client, remote, fed, enqueued):
    bob = remote.add("bob")
    follow = await _follow(client, bob, fed.pool.uri)
    assert await _items(client, "/pools/commons/followers") == [bob.uri]
    [(sender, accept, recipients)] = enqueued
    assert sender == fed.pool.uri and recipients == [bob.uri]
    assert accept["type"] == "Accept" and accept["actor"] == fed.pool.uri
    assert accept["object"]["id"] == follow["id"]
    # Addressed to bob only: kept, served to bob, but not listed to anonymous readers.
    assert await _items(client, "/pools/commons/outbox") == []
    path = accept["id"].removeprefix(NODE)
    signed = sign_request("GET", NODE + path, None, bob.key_id, bob.key, datetime.now(UTC))
    resp = await client.get(path, headers={**signed, "Accept": AP})
    assert resp.status == 200 and (await resp.json(content_type=None))["id"] == accept["id"]
    assert (await client.get(path, headers={"Accept": AP})).status == 404


async def test_repeated_follow_is_idempotent(client, remote, fed, enqueued):
    bob = remote.add("bob")
    await _follow(client, bob, fed.pool.uri)
    await _follow(client, bob, fed.pool.uri)
    assert await _items(client, "/pools/commons/followers") == [bob.uri]
    assert [a["type"] for _, a, _ in enqueued] == ["Accept", "Accept"]  # lost Accepts are resent


async def test_undo_follow_removes_the_follower(client, remote, fed, enqueued):
    bob = remote.add("bob")
    follow = await _follow(client, bob, fed.pool.uri)
    undo = bob.activity("Undo", follow)
    assert (await post_signed(client, bob, POOL_INBOX, undo)).status == 202
    await processed(client, undo["id"])
    assert await _items(client, "/pools/commons/followers") == []
    assert await client.server.app[FOLLOWS].get(bob.uri, fed.pool.uri) is None


async def test_undo_by_reference_removes_the_follower(client, remote, fed, enqueued):
    bob = remote.add("bob")
    follow = await _follow(client, bob, fed.pool.uri)
    undo = bob.activity("Undo", follow["id"])
    assert (await post_signed(client, bob, POOL_INBOX, undo)).status == 202
    await processed(client, undo["id"])
    assert await _items(client, "/pools/commons/followers") == []


async def test_someone_elses_undo_changes_nothing(client, remote, fed, enqueued):
    bob, carol = remote.add("bob"), remote.add("carol")
    follow = await _follow(client, bob, fed.pool.uri)
    undo = carol.activity("Undo", follow["id"])
    assert (await post_signed(client, carol, POOL_INBOX, undo)).status == 202
    await processed(client, undo["id"])
    assert await _items(client, "/pools/commons/followers") == [bob.uri]


async def test_pool_following_a_pool_waits_pending(client, remote, fed, enqueued):
    river = remote.add("river", "Group")
    await _follow(client, river, fed.pool.uri)
    assert await _items(client, "/pools/commons/followers") == []
    stored = await client.server.app[FOLLOWS].get(river.uri, fed.pool.uri)
    assert stored is not None and stored.state == "pending"
    assert enqueued == []


async def test_member_accepts_any_follower(client, remote, fed, enqueued):
    river = remote.add("river", "Group")
    await _follow(client, river, fed.alice.uri)
    assert await _items(client, "/users/alice/followers") == [river.uri]
    assert [a["type"] for _, a, _ in enqueued] == ["Accept"]


async def test_outgoing_follow_lands_in_following_on_accept(client, remote, fed):
    bob = remote.add("bob")
    resp = await client.post(
        "/users/alice/outbox",
        json={"type": "Follow", "object": bob.uri, "to": [bob.uri]},
        headers={"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP},
    )
    assert resp.status == 201, await resp.text()
    follow = await resp.json(content_type=None)
    stored = await client.server.app[FOLLOWS].get(fed.alice.uri, bob.uri)
    assert stored is not None and stored.state == "pending"
    assert await _items(client, "/users/alice/following") == []

    accept = bob.activity("Accept", follow)
    assert (await post_signed(client, bob, "/users/alice/inbox", accept)).status == 202
    await processed(client, accept["id"])
    assert await _items(client, "/users/alice/following") == [bob.uri]


async def test_accept_from_someone_else_does_not_land_the_follow(client, remote, fed):
    bob, carol = remote.add("bob"), remote.add("carol")
    resp = await client.post(
        "/users/alice/outbox",
        json={"type": "Follow", "object": bob.uri},
        headers={"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP},
    )
    follow = await resp.json(content_type=None)
    accept = carol.activity("Accept", follow)
    assert (await post_signed(client, carol, "/users/alice/inbox", accept)).status == 202
    await processed(client, accept["id"])
    assert await _items(client, "/users/alice/following") == []


async def test_reject_drops_an_outgoing_follow(client, remote, fed):
    bob = remote.add("bob")
    resp = await client.post(
        "/users/alice/outbox",
        json={"type": "Follow", "object": bob.uri},
        headers={"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP},
    )
    follow = await resp.json(content_type=None)
    reject = bob.activity("Reject", follow["id"])
    assert (await post_signed(client, bob, "/users/alice/inbox", reject)).status == 202
    await processed(client, reject["id"])
    assert await client.server.app[FOLLOWS].get(fed.alice.uri, bob.uri) is None


async def test_local_member_following_the_pool_is_accepted_without_federation(client, fed):
    resp = await client.post(
        "/users/alice/outbox",
        json={"type": "Follow", "object": fed.pool.uri},
        headers={"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP},
    )
    assert resp.status == 201, await resp.text()
    assert await _items(client, "/pools/commons/followers") == [fed.alice.uri]
    assert await _items(client, "/users/alice/following") == [fed.pool.uri]


async def test_deleted_actor_loses_its_follows(client, remote, fed, enqueued):
    bob = remote.add("bob")
    await _follow(client, bob, fed.pool.uri)
    delete = bob.activity("Delete", bob.uri)
    assert (await post_signed(client, bob, "/inbox", delete)).status == 202
    await processed(client, delete["id"])
    assert await _items(client, "/pools/commons/followers") == []


async def test_a_follow_and_its_undo_posted_without_to_are_sent_to_the_followee(
        client, remote, fed, monkeypatch):  # type: ignore[no-untyped-def]
    """docs/OPERATIONS.md, "Federating two nodes": the Follow there names no 'to'."""
    sent: list[tuple[dict[str, Any], list[str]]] = []

    async def record(app, sender, activity, recipients):  # type: ignore[no-untyped-def]
        sent.append((activity, recipients))
        return 1

    monkeypatch.setattr("node.views.outbox.enqueue_activity", record)
    bob, carol = remote.add("bob"), remote.add("carol")
    auth = {"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP}
    for body in ({"type": "Follow", "object": bob.uri},
                 {"type": "Follow", "object": carol.uri, "cc": [carol.uri]}):
        assert (await client.post("/users/alice/outbox", json=body, headers=auth)).status == 201
    (follow, to_bob), (_, to_carol) = sent
    assert follow["to"] == [bob.uri] and to_bob == [bob.uri]
    assert "to" not in sent[1][0] and to_carol == [carol.uri]  # addressed already: kept as sent
    for undone in (follow["id"], {"type": "Follow", "object": carol.uri}):
        resp = await client.post("/users/alice/outbox", json={"type": "Undo", "object": undone},
                                 headers=auth)
        assert resp.status == 201, await resp.text()
    assert [recipients for _, recipients in sent[2:]] == [[bob.uri], [carol.uri]]
    assert await client.server.app[FOLLOWS].get(fed.alice.uri, bob.uri) is None
