"""Issue 16: what the pool passes on to its followers and members (FEP-1b12 ``Announce``, and
inbox forwarding, ActivityPub §7.1.2), seen from a fake remote server's inboxes.

docs/PROTOCOL.md, "Inbox forwarding": a Create, Update or Delete received for the first time,
addressed to a local actor's ``followers`` or a pool's ``members``, "and concerning an object
of this node", is forwarded unchanged to the collection, not back to its author; "a poolnode
inbox refuses a copy not signed by its actor". "The pool relays members' comments": the pool
``Announce``s each member's comment to its members and followers; "A comment from outside the
pool is not relayed". GOVERNANCE.md: ``refused`` means "nothing is kept".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from governance import OutsideReplies
from node.accounts import join_pool
from node.app import create_app
from node.appkeys import ACTORS, DELIVERY, INBOX
from tests.conftest import make_node
from tests.node.discussion.helpers import pool_outbox, set_outside_replies, stored
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.inbox_helpers import signed
from tests.node.pools.helpers import POOL, post, propose

pytestmark = pytest.mark.both_backends


def _mastodon(remote: Any, name: str) -> MastodonActor:
    actor = MastodonActor(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def _member(client: Any, actor: Any) -> None:
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, actor.uri)


async def _arrives(remote: Any, match: Any, within: float = 10.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            for posted in remote.posts:
                if match(posted):
                    return dict(posted)
            await asyncio.sleep(0.05)


async def _drained(client: Any, within: float = 15.0) -> None:
    """Wait until nothing is left in the delivery queue. ``send`` returned once the inbox had
    processed the activity, so whatever it queued (a Reject, a forwarded copy) was queued by
    then; once the queue is empty, every copy reached the fake server (it records before 202)."""
    store = client.app[DELIVERY].store
    async with asyncio.timeout(within):
        while (await store.counts())["queued"]:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _to_followers(create: dict[str, Any]) -> dict[str, Any]:
    create["cc"] = create["object"]["cc"] = [POOL + "/followers"]
    return create


@pytest.mark.parametrize("why", ["outside replies refused", "over the rate", "blocked"])
async def test_a_reply_the_pool_refuses_is_not_forwarded(database_url, tmp_path, aiohttp_client, remote,
                                                         why) -> None:
    setup = await make_node(tmp_path / "data", allow_private_addresses=True, comments_per_hour=1)
    client = await aiohttp_client(create_app(setup.config))
    ze, flo = _mastodon(remote, "ze"), _mastodon(remote, "flo")
    await send(client, flo, flo.activity("Follow", POOL, to=[POOL]))
    proposal = await propose(client, "admin", setup.admin_token)
    target = proposal["id"]
    if why == "outside replies refused":
        await set_outside_replies(client, OutsideReplies.REFUSED)
    elif why == "over the rate":
        await send(client, ze, ze.reply(1, target, "<p>first</p>"))
    else:
        mine = await post(client, "alice", setup.alice_token, {"type": "Note", "content": "<p>Mine</p>",
                                                               "inReplyTo": target})
        target = (await mine.json(content_type=None))["object"]["id"]
        assert (await post(client, "alice", setup.alice_token, {"type": "Block", "object": ze.uri})).status == 201
    spam = _to_followers(ze.reply(2, target, "<p>SPAM: cheap pills</p>"))
    await send(client, ze, spam)
    await _arrives(remote, lambda p: p.get("type") == "Reject" and p.get("object") == spam["id"])
    await _drained(client)
    assert await stored(client, spam["object"]["id"]) is None
    assert not any(p.get("id") == spam["id"] for p in remote.posts), "the refused reply was forwarded"


async def test_a_reply_to_no_object_of_ours_is_not_forwarded(fed_client, remote) -> None:
    client = fed_client
    ze, flo = _mastodon(remote, "ze"), _mastodon(remote, "flo")
    await send(client, flo, flo.activity("Follow", POOL, to=[POOL]))
    spam = _to_followers(ze.reply(3, POOL + "/proposals/no-such-thing", "<p>SPAM</p>"))
    await send(client, ze, spam)
    await _drained(client)
    assert not any(p.get("id") == spam["id"] for p in remote.posts)


async def test_a_members_reply_to_the_members_collection_is_forwarded_unchanged(fed_client, fed, remote) -> None:
    client = fed_client
    mo, flo = _mastodon(remote, "mo"), _mastodon(remote, "flo")
    await _member(client, mo)
    await _member(client, flo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(4, proposal["id"], "<p>For the members</p>")
    create["cc"] = create["object"]["cc"] = [POOL + "/members"]
    remote.posts.clear()
    await send(client, mo, create)
    forwarded = await _arrives(remote, lambda p: p.get("id") == create["id"])
    assert forwarded == create
    # ... and the pool relays it too, as an Announce of the Note (FEP-1b12).
    relay = await _arrives(remote, lambda p: p.get("type") == "Announce"
                           and isinstance(p.get("object"), dict)
                           and p["object"].get("id") == create["object"]["id"])
    assert relay["actor"] == POOL and relay["object"]["attributedTo"] == mo.uri


async def test_a_followers_copy_arrives_as_the_pools_announce(fed_client, fed, remote) -> None:
    client = fed_client
    flo = _mastodon(remote, "flo")
    await send(client, flo, flo.activity("Follow", POOL, to=[POOL]))
    proposal = await propose(client, "admin", fed.admin_token)
    resp = await post(client, "alice", fed.alice_token, {"type": "Note", "inReplyTo": proposal["id"],
                                                         "content": "<p>The drill first</p>"})
    note = (await resp.json(content_type=None))["object"]
    relay = await _arrives(remote, lambda p: p.get("type") == "Announce"
                           and isinstance(p.get("object"), dict) and p["object"].get("id") == note["id"])
    assert relay["actor"] == POOL and POOL + "/followers" in relay["cc"]
    assert relay["object"]["content"] == "<p>The drill first</p>"
    assert relay["object"]["inReplyTo"] == proposal["id"]
    # An outsider's comment is kept (folded away) but not relayed.
    ze = _mastodon(remote, "ze")
    outside = ze.reply(5, proposal["id"], "<p>From outside</p>")
    await send(client, ze, outside)
    assert (await stored(client, outside["object"]["id"])) is not None
    assert not any(a["type"] == "Announce" and a["object"].get("id") == outside["object"]["id"]
                   for a in await pool_outbox(client) if isinstance(a.get("object"), dict))


async def test_a_copy_not_signed_by_its_actor_is_refused(fed_client, fed, remote) -> None:
    client = fed_client
    mo, flo = _mastodon(remote, "mo"), _mastodon(remote, "flo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(6, proposal["id"], "<p>Forged by flo</p>")
    body = json.dumps(create).encode()
    resp = await client.post("/inbox", data=body, headers=signed(flo, "/inbox", body))
    assert resp.status in (401, 403), await resp.text()
    assert await client.app[INBOX].by_activity_id(create["id"]) is None
    assert await stored(client, create["object"]["id"]) is None
