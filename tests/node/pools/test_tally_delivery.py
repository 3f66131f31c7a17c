"""Update(Tally) is addressed to the pool's members collection, not to each member, and still
reaches every member's inbox; publishing it decodes no membership (docs/PROTOCOL.md,
"Running tallies")."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from node.accounts import join_pool
from node.app import create_app
from node.appkeys import ACTORS, OBJECTS
from node.delivery import recipients
from node.delivery.recipients import expand_recipients
from node.pool_engine import running
from node.remote import RemoteActor
from node.storage import DeliveryStore, DeliveryTarget, GovernanceStore, RemoteActorStore
from node.storage import governance_memberships as governance_rows
from tests.node.inbox_helpers import start_remote
from tests.node.pools.helpers import POOL, propose, published_tally, tally_updates, vote

pytestmark = pytest.mark.both_backends


def _tally_posts(remote: Any) -> list[dict[str, Any]]:
    return [p for p in remote.posts if p.get("type") == "Update"
            and isinstance(p.get("object"), dict) and p["object"].get("type") == "Tally"]


async def test_the_update_reaches_every_members_inbox_through_the_collection(
        fed, aiohttp_client, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(fed.config))
    near, far = await start_remote(aiohttp_server), await start_remote(aiohttp_server)
    members = [near.add(f"n{i}") for i in range(3)] + [far.add(f"f{i}") for i in range(2)]
    for member in members:
        await join_pool(client.app[ACTORS], fed.pool, member.uri)
    proposal = await propose(client, "admin", fed.admin_token)
    assert (await vote(client, "alice", fed.alice_token, proposal["id"], "agree")).status == 201
    counted = await published_tally(client, proposal["id"])
    (update,) = [u for u in await tally_updates(client, fed.pool.id)
                 if u["object"]["ballotsDigest"] == counted["ballotsDigest"]]
    assert update["to"] == [POOL + "/members"] and update["cc"] == [POOL + "/followers"]
    assert not any(m.uri in json.dumps(update) for m in members)  # nobody by name

    # Each remote server's shared inbox gets it once (not once per member on it) ...
    async with asyncio.timeout(20):
        while not (_tally_posts(near) and _tally_posts(far)):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    for remote in (near, far):
        assert [p["id"] for p in _tally_posts(remote)] == [update["id"]]
    # ... and the local members' inboxes list it.
    for person in (fed.admin, fed.alice):
        page = await client.app[OBJECTS].collection_page(person.id, "inbox", before=None, limit=50)
        assert update["id"] in page.items, person.username


async def _many_members(app: Any, pool_id: int, count: int, hosts: int) -> None:
    """``count`` members of the pool on ``hosts`` servers, their actors cached (as after the
    proposal's opening fetched them): one shared inbox per server."""
    now = int(time.time() * 1000)
    db = app[ACTORS].db
    people = [f"https://h{n % hosts}.invalid/users/u{n}" for n in range(count)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO remote_actors (uri, type, inbox, shared_inbox, document, fetched_at)"
            " VALUES (?, 'Person', ?, ?, '{}', ?)",
            [(uri, uri + "/inbox", uri.split("/users/")[0] + "/inbox", now) for uri in people])
        await conn.executemany(
            "INSERT INTO memberships (pool_id, person_uri, roles, state, joined_at)"
            " VALUES (?, ?, 'member', 'member', '2025-01-01T00:00:00Z')",
            [(pool_id, uri) for uri in people])


async def test_publishing_to_ten_thousand_members_decodes_no_membership(
        node, aiohttp_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(replace(node.config, tally_interval=3600.0)))
    proposal = await propose(client, "admin", node.admin_token)
    await _many_members(client.app, node.pool.id, 10_000, 10)
    assert (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).status == 201

    decoded, rosters, queued = 0, 0, []
    original_row, original_roster = governance_rows.membership_from_row, GovernanceStore.memberships
    original_enqueue = DeliveryStore.enqueue

    def counting_row(row: Any) -> Any:
        nonlocal decoded
        decoded += 1
        return original_row(row)

    async def counting_roster(self: GovernanceStore, pool_id: int) -> Any:
        nonlocal rosters
        rosters += 1
        return await original_roster(self, pool_id)

    async def enqueue(self: DeliveryStore, **kw: Any) -> int:
        queued.append((kw["targets"], set(kw["local_owner_ids"]), kw["body"]))
        return await original_enqueue(self, **kw)

    monkeypatch.setattr(governance_rows, "membership_from_row", counting_row)
    monkeypatch.setattr(GovernanceStore, "memberships", counting_roster)
    monkeypatch.setattr(DeliveryStore, "enqueue", enqueue)
    hosts: list[str] = []
    original_host = recipients.host_of
    monkeypatch.setattr(recipients, "host_of", lambda url: hosts.append(url) or original_host(url))
    assert await running.sign_due(client.app, datetime.now(UTC)) == 1
    assert decoded == 0 and rosters == 0  # no membership decoded to publish it
    assert len(hosts) == 10  # the database folded 10,000 members into 10 inboxes

    ((targets, local, body),) = queued
    inboxes = sorted(t.inbox for t in targets if isinstance(t, DeliveryTarget))
    assert inboxes == sorted(f"https://h{n}.invalid/inbox" for n in range(10))  # one per server
    assert local == {node.admin.id, node.alice.id}
    assert len(body) < 4000  # the activity does not name the 10,000 members


async def test_the_members_collection_expands_from_the_database_to_each_inbox_once(client, node) -> None:  # type: ignore[no-untyped-def]
    app = client.app
    db = app[ACTORS].db
    cached = RemoteActorStore(db)
    far = [f"https://far.example/users/u{n}" for n in range(3)]
    lone, stale, applicant = ("https://lone.example/users/l", "https://old.example/users/o",
                              "https://far.example/users/applicant")
    for uri in [*far, applicant]:
        await cached.put(RemoteActor(uri, "Person", uri + "/inbox", "https://far.example/inbox",
                                     uri + "#main-key", None, fetched_at=100))
    await cached.put(RemoteActor(lone, "Person", lone + "/inbox", None, lone + "#main-key", None,
                                 fetched_at=100))
    await cached.put(RemoteActor(stale, "Person", stale + "/inbox", "https://old.example/inbox",
                                 stale + "#main-key", None, fetched_at=10))
    for uri in [*far, lone, stale]:
        await join_pool(app[ACTORS], node.pool, uri)
    await app[ACTORS].add_membership(node.pool.id, applicant, ("member",), "2025-01-01T00:00:00Z",
                                     state="applicant")
    resolved: list[str] = []

    async def resolve(uri: str) -> str:
        resolved.append(uri)
        return "https://old.example/inbox"

    deliveries = DeliveryStore(db)
    found = await expand_recipients(
        sender=node.pool, uris=[POOL + "/members"], base_url="http://node.test",
        actors=app[ACTORS], deliveries=deliveries, resolve=resolve,
        known=lambda uris: cached.inboxes(uris, 50),
        members=lambda pool_id: deliveries.member_inboxes(pool_id, 50))
    assert found.inboxes == {"https://far.example/inbox": "far.example",  # three people, once
                             lone + "/inbox": "lone.example",  # no shared inbox: their own
                             "https://old.example/inbox": "old.example"}
    assert resolved == [stale]  # only the member whose cached actor is too old is fetched
    assert found.local_ids == {node.admin.id, node.alice.id}  # not the applicant, not anyone else
    # Another actor's "/members" is just an address, not that collection.
    other = await expand_recipients(
        sender=node.alice, uris=[node.alice.uri + "/members"], base_url="http://node.test",
        actors=app[ACTORS], deliveries=deliveries, resolve=resolve)
    assert other.inboxes == {} and other.local_ids == set()
