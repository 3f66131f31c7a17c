"""The durable inbox queue: processing after a restart, inbox listings, unknown types."""

from __future__ import annotations

import pytest

import node.appkeys
import node.delivery
from node.app import create_app
from node.appkeys import INBOX, INBOX_WORKER_ENABLED
from node.storage import Database, InboxStore
from tests.node.inbox_helpers import AP, post_signed, processed

pytestmark = pytest.mark.both_backends


async def _followers(client) -> list[str]:  # type: ignore[no-untyped-def]
    resp = await client.get("/pools/commons/followers?page=true", headers={"Accept": AP})
    return list((await resp.json(content_type=None))["orderedItems"])


async def test_item_received_before_a_stop_is_processed_by_the_next_run(
    fed, remote, aiohttp_client, monkeypatch
):
    async def record(app, sender, activity, recipients=None):  # type: ignore[no-untyped-def]
        return 1

    monkeypatch.setattr(node.delivery, "enqueue_activity", record)
    bob = remote.add("bob")
    follow = bob.activity("Follow", fed.pool.uri)

    first = create_app(fed.config)
    first[INBOX_WORKER_ENABLED] = False  # as if the process died right after the 202
    client = await aiohttp_client(first)
    assert (await post_signed(client, bob, "/pools/commons/inbox", follow)).status == 202
    assert await _followers(client) == []
    await client.close()

    db = Database.for_config(fed.config)
    await db.open()
    try:
        item = await InboxStore(db).by_activity_id(follow["id"])
        assert item is not None and item.state == "queued" and item.attempts == 0
    finally:
        await db.close()

    client = await aiohttp_client(create_app(fed.config))
    assert (await processed(client, follow["id"])).state == "done"
    assert await _followers(client) == [bob.uri]


async def test_received_activity_is_listed_in_the_recipients_inbox(fed, remote, aiohttp_client):
    client = await aiohttp_client(create_app(fed.config))
    bob = remote.add("bob")
    note = {"id": bob.uri + "/notes/1", "type": "Note", "attributedTo": bob.uri,
            "content": "hello", "to": [fed.alice.uri]}
    create = bob.activity("Create", note, to=[fed.alice.uri])
    assert (await post_signed(client, bob, "/inbox", create)).status == 202  # shared inbox
    await processed(client, create["id"])
    resp = await client.get(
        "/users/alice/inbox?page=true",
        headers={"Accept": AP, "Authorization": f"Bearer {fed.alice_token}"},
    )
    page = await resp.json(content_type=None)
    assert [item["id"] for item in page["orderedItems"]] == [create["id"]]
    served = await client.server.app[node.appkeys.OBJECTS].get(note["id"])
    assert served is not None and served.document["content"] == "hello"


async def test_unknown_type_is_stored_and_has_no_side_effect(fed, remote, aiohttp_client):
    client = await aiohttp_client(create_app(fed.config))
    bob = remote.add("bob")
    odd = bob.activity("Dance", fed.pool.uri)
    resp = await post_signed(client, bob, "/users/alice/inbox", odd)
    assert resp.status == 202
    item = await processed(client, odd["id"])
    assert item.state == "done" and item.last_error is None
    assert await client.server.app[INBOX].count("done") == 1
    assert await _followers(client) == []


async def test_a_claim_that_fails_is_tried_again_and_the_activity_processed(
    fed, remote, aiohttp_client, monkeypatch
):
    """A database busy for a moment under the worker's claim (or its start) used to end the
    worker: every activity then waited in the queue until the process restarted."""
    import sqlite3

    import asyncpg

    import node.inbox.worker as worker

    monkeypatch.setattr(worker, "POLL_SECONDS", 0.05)
    failures = {"release_leases": 2, "claim_due": 3}
    for name in failures:
        method = getattr(InboxStore, name)

        async def flaky(self, *args, _name=name, _method=method):  # type: ignore[no-untyped-def]
            if failures[_name]:
                failures[_name] -= 1
                if failures[_name] % 2:  # SQLite's busy database, then PostgreSQL's lost one
                    raise sqlite3.OperationalError("database is locked")
                raise asyncpg.ConnectionDoesNotExistError("connection was closed")
            return await _method(self, *args)

        monkeypatch.setattr(InboxStore, name, flaky)
    client = await aiohttp_client(create_app(fed.config))
    bob = remote.add("bob")
    odd = bob.activity("Dance", fed.pool.uri)
    assert (await post_signed(client, bob, "/users/alice/inbox", odd)).status == 202
    assert (await processed(client, odd["id"], within=30)).state == "done"
    assert failures == {"release_leases": 0, "claim_due": 0}
