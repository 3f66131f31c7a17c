"""Inbox forwarding (ActivityPub §7.1.2) of replies to an object this node holds that is not a
thread: a member's own Note. A reply to one that was deleted is not forwarded, nor one the
thread refused (node/discussion/forwarding.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from node.appkeys import DELIVERY
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.pools.helpers import post

pytestmark = pytest.mark.both_backends


def _mastodon(remote: Any, name: str) -> MastodonActor:
    actor = MastodonActor(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def _drained(client: Any) -> None:
    store = client.app[DELIVERY].store
    async with asyncio.timeout(15):
        while (await store.counts())["queued"]:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_a_reply_to_a_members_note_goes_to_her_followers_until_it_is_deleted(fed_client, fed, remote) -> None:
    client = fed_client
    mo, flo = _mastodon(remote, "mo"), _mastodon(remote, "flo")
    alice = fed.alice.uri
    await send(client, flo, flo.activity("Follow", alice, to=[alice]), path="/users/alice/inbox")
    resp = await post(client, "alice", fed.alice_token, {"type": "Note", "content": "<p>Spring!</p>"})
    note = (await resp.json(content_type=None))["object"]["id"]
    reply = mo.reply(1, note, "<p>Yes</p>")
    reply["cc"] = reply["object"]["cc"] = [alice + "/followers"]
    await send(client, mo, reply)
    await _drained(client)
    assert any(p.get("id") == reply["id"] for p in remote.posts)  # to flo, unchanged
    assert (await post(client, "alice", fed.alice_token, {"type": "Delete", "object": note})).status == 201
    late = mo.reply(2, note, "<p>Still?</p>")
    late["cc"] = late["object"]["cc"] = [alice + "/followers"]
    await send(client, mo, late)
    await _drained(client)
    assert not any(p.get("id") == late["id"] for p in remote.posts)
