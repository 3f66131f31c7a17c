"""A pool blocks (ActivityPub §6.9 on a steward's word): a steward posts ``Block`` with the pool as
``target`` (as Lemmy's moderators do); the blocked actor's comments, replies and activities to
the pool are then refused with the reason, logged with who and why; members are never blocked;
a domain block reaches every account of the domain but members; ``Undo`` lifts it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from node.accounts import join_pool
from node.appkeys import ACTORS, DB, FOLLOWS, INBOX
from node.discussion.blocks import BLOCKED, block_for_pool
from node.storage import BlockStore, block_keys
from tests.node.discussion.helpers import pool_outbox, stored
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.pools.helpers import POOL, post, propose

pytestmark = pytest.mark.both_backends


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _mastodon(remote, name: str) -> MastodonActor:  # type: ignore[no-untyped-def]
    actor = MastodonActor(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def _pool(client):  # type: ignore[no-untyped-def]
    return await client.app[ACTORS].get("commons", "pool")


async def _rejections(client) -> list[tuple[Any, str]]:  # type: ignore[no-untyped-def]
    return [(a["object"], a.get("summary", "")) for a in await pool_outbox(client) if a["type"] == "Reject"]


async def _block(client, fed, actor: str, reason: str = "spamming the threads", token: str | None = None,
                 user: str = "admin", status: int = 201) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    resp = await post(client, user, token or fed.admin_token,
                      {"type": "Block", "object": actor, "target": POOL, "summary": reason, "to": [actor]})
    body = await resp.json(content_type=None)
    assert resp.status == status, body
    return dict(body)


def test_what_blocks_an_actor() -> None:
    assert block_keys("https://a.b.spam.example/users/x") == [
        "https://a.b.spam.example/users/x", "a.b.spam.example", "b.spam.example", "spam.example", "example"]
    assert block_keys("http://127.0.0.1:8080/users/x") == ["http://127.0.0.1:8080/users/x", "127.0.0.1:8080",
                                                           "127.0.0.1"]


async def test_a_steward_blocks_a_spammer_for_the_pool(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze = _mastodon(remote, "ze")
    proposal = await propose(client, "admin", fed.admin_token)
    before = ze.reply(1, proposal["id"], "<p>Buy cheap pills</p>")
    await send(client, ze, before)
    assert await stored(client, before["object"]["id"]) is not None  # an outsider, kept folded away
    block = await _block(client, fed, ze.uri)
    assert block["to"] == [] and block["target"] == POOL  # §6.9: not delivered to the blocked actor
    pool = await _pool(client)
    (entry,) = await BlockStore(client.app[DB]).log_of(pool.id)
    assert (entry.action, entry.blocked, entry.steward_uri, entry.reason) == (
        "block", ze.uri, fed.admin.uri, "spamming the threads")
    # A reply to the pool's thread: refused with the reason, nothing kept.
    again = ze.reply(2, proposal["id"], "<p>More pills</p>")
    item = await send(client, ze, again)
    assert item.state == "done"
    assert await stored(client, again["object"]["id"]) is None
    assert (again["id"], BLOCKED) in await _rejections(client)
    # An activity addressed to the pool: the pool is no recipient; it says why.
    follow = ze.activity("Follow", POOL, to=[POOL])
    await send(client, ze, follow, path="/pools/commons/inbox")
    assert (follow["id"], BLOCKED) in await _rejections(client)
    assert await client.app[FOLLOWS].get(ze.uri, POOL) is None  # not followed, not pending
    # An edit of the comment from before the block: refused too.
    update = ze.activity("Update", {**before["object"], "content": "<p>Edited pills</p>"})
    await send(client, ze, update)
    assert (await stored(client, before["object"]["id"])).content == "<p>Buy cheap pills</p>"  # type: ignore[union-attr]
    # Another steward (or the same) lifts it with Undo of the Block: replies are taken again.
    resp = await post(client, "alice", fed.alice_token, {"type": "Undo", "object": block["id"]})
    assert resp.status == 403 and (await resp.json())["code"] == "not_a_steward"
    resp = await post(client, "admin", fed.admin_token, {"type": "Undo", "object": block["id"]})
    assert resp.status == 201, await resp.text()
    later = ze.reply(3, proposal["id"], "<p>Sorry</p>")
    await send(client, ze, later)
    assert await stored(client, later["object"]["id"]) is not None
    assert [e.action for e in await BlockStore(client.app[DB]).log_of(pool.id)] == ["unblock", "block"]


async def test_only_a_steward_blocks_for_the_pool_and_never_a_member(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze, mo = _mastodon(remote, "ze"), _mastodon(remote, "mo")
    body = await _block(client, fed, ze.uri, token=fed.alice_token, user="alice", status=403)
    assert body["code"] == "not_a_steward"
    pool = await _pool(client)
    await join_pool(client.app[ACTORS], pool, mo.uri)
    body = await _block(client, fed, mo.uri, status=409)
    assert body["code"] == "member"
    body = await _block(client, fed, ze.uri, reason="  ", status=400)
    assert body["code"] == "reason_required"
    resp = await post(client, "admin", fed.admin_token, {"type": "Block", "object": ze.uri,
                                                         "target": "http://node.test/pools/nope",
                                                         "summary": "x"})
    assert resp.status == 404
    assert await BlockStore(client.app[DB]).blocks_of(pool.id) == []
    assert await BlockStore(client.app[DB]).log_of(pool.id) == []


async def test_a_domain_block_reaches_all_but_members(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze, mo = _mastodon(remote, "ze"), _mastodon(remote, "mo")
    pool = await _pool(client)
    await join_pool(client.app[ACTORS], pool, mo.uri)
    domain = remote.base.split("//")[1]  # 127.0.0.1:port
    assert await block_for_pool(client.app, pool, fed.admin.uri, domain, "a spam server",
                                datetime.now(UTC))
    proposal = await propose(client, "admin", fed.admin_token)
    spam = ze.reply(4, proposal["id"], "<p>Spam</p>")
    await send(client, ze, spam)
    assert await stored(client, spam["object"]["id"]) is None
    fine = mo.reply(5, proposal["id"], "<p>I am a member</p>")
    await send(client, mo, fine)
    assert await stored(client, fine["object"]["id"]) is not None


async def test_a_blocked_actors_reply_is_not_forwarded(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze, flo = _mastodon(remote, "ze"), _mastodon(remote, "flo")
    await send(client, flo, flo.activity("Follow", POOL, to=[POOL]), path="/pools/commons/inbox")
    await _block(client, fed, ze.uri)
    proposal = await propose(client, "admin", fed.admin_token)
    create = ze.reply(6, proposal["id"], "<p>For all followers</p>")
    create["cc"] = create["object"]["cc"] = [POOL + "/followers"]
    remote.posts.clear()
    item = await send(client, ze, create)
    assert item.state == "done"
    # The Reject reaches ze (the worker queued it with the refusal); the Create reaches nobody.
    async with asyncio.timeout(10):
        while not any(p.get("type") == "Reject" and p.get("object") == create["id"] for p in remote.posts):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert not any(p.get("id") == create["id"] for p in remote.posts)
    assert await client.app[INBOX].by_activity_id(create["id"]) is not None  # received, refused
