"""Comments from other servers: a Mastodon user replying to a proposal's Question, outsiders
under the bylaws, edits and deletions by the remote author only, sanitised HTML, Block,
Create without attributedTo, a remote member's discussion, and inbox forwarding (§7.1.2)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from governance import OutsideReplies
from node.accounts import join_pool
from node.appkeys import ACTORS, RECEIVED
from node.discussion import discussions
from tests.node.discussion.helpers import (
    announced,
    comment,
    discussion_list,
    pool_outbox,
    replies,
    set_outside_replies,
    stored,
)
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


async def _member(client, actor: Any) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, actor.uri)


async def _rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get("summary", "") for a in await pool_outbox(client) if a["type"] == "Reject"]


async def test_a_mastodon_member_replies_to_the_question(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    html = ('<p><span class="h-card"><a href="' + POOL + '" class="u-url mention">@<span>commons'
            '</span></a></span> Yes, but <script>alert(1)</script>a cheaper one'
            '<img src="x" onerror="alert(2)"></p>')
    create = mo.reply(1, proposal["id"] + "/question", html, mention=POOL)
    item = await send(client, mo, create)
    assert item.state == "done", item.last_error
    row = await stored(client, create["object"]["id"])
    assert row is not None and row.thread_uri == proposal["id"] and row.standing == "member"
    assert "script" not in row.content and "onerror" not in row.content and "alert" not in row.content
    assert "a cheaper one" in row.content and 'class="u-url mention"' in row.content
    assert await discussions(client.app).mentioned(row.uri) == [POOL]
    (relay,) = await announced(client, row.uri)
    assert relay["object"]["attributedTo"] == mo.uri and "script" not in relay["object"]["content"]
    assert [i["id"] for i in await replies(client, proposal["id"])] == [row.uri]
    # Not a poll vote: the reply has content, so no ballot was counted.
    assert (await client.get(proposal["id"].removeprefix("http://node.test") + "/tally",
                             headers={"Accept": "application/activity+json"})).status == 200


async def test_outsiders_are_collapsed_or_refused_with_a_reason(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze = _mastodon(remote, "ze")
    proposal = await propose(client, "admin", fed.admin_token)
    first = ze.reply(1, proposal["id"] + "/question", "<p>From outside</p>")
    await send(client, ze, first)
    row = await stored(client, first["object"]["id"])
    assert row is not None and row.standing == "outside"
    assert await announced(client, row.uri) == []
    await set_outside_replies(client, OutsideReplies.REFUSED)
    second = ze.reply(2, proposal["id"], "<p>Again</p>")
    await send(client, ze, second)
    assert await stored(client, second["object"]["id"]) is None
    assert any("only members of the pool may take part" in r for r in await _rejections(client))
    assert await client.app[RECEIVED].owner_of(second["object"]["id"]) is None  # nothing kept


async def test_a_create_without_attributed_to_is_the_actors(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(3, proposal["id"], "<p>No author named</p>")
    del create["object"]["attributedTo"]
    item = await send(client, mo, create)
    assert item.state == "done", item.last_error
    row = await stored(client, create["object"]["id"])
    assert row is not None and row.author_uri == mo.uri


async def test_only_the_remote_author_edits_or_deletes(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, ze = _mastodon(remote, "mo"), _mastodon(remote, "ze")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(4, proposal["id"], "<p>First</p>")
    await send(client, mo, create)
    note = create["object"]
    # Another account on the same server may not change it: refused at the inbox (403).
    forged = ze.activity("Update", {**note, "attributedTo": ze.uri, "content": "<p>forged</p>"})
    await send(client, ze, forged, status=403)
    forged = ze.activity("Delete", note["id"])
    await send(client, ze, forged, status=403)
    update = mo.activity("Update", {**note, "content": "<p>Second <script>x</script></p>"})
    await send(client, mo, update)
    row = await stored(client, note["id"])
    assert row is not None and row.content == "<p>Second </p>" and row.updated_at
    assert [a["object"]["type"] for a in await announced(client, note["id"])] == ["Update", "Note"]
    await send(client, mo, mo.activity("Delete", {"id": note["id"], "type": "Tombstone"}))
    row = await stored(client, note["id"])
    assert row is not None and row.deleted_at and row.content == ""
    (item,) = await replies(client, proposal["id"])
    assert item["type"] == "Tombstone"


async def test_a_blocked_actor_is_refused(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    ze = _mastodon(remote, "ze")
    proposal = await propose(client, "admin", fed.admin_token)
    mine = (await comment(client, "alice", fed.alice_token, proposal["id"]))["object"]
    resp = await post(client, "alice", fed.alice_token, {"type": "Block", "object": ze.uri, "to": [ze.uri]})
    block = await resp.json(content_type=None)
    assert resp.status == 201 and block["to"] == []  # §6.9: not delivered to the blocked actor
    reply = ze.reply(5, mine["id"], "<p>Hey alice</p>")
    await send(client, ze, reply)
    assert await stored(client, reply["object"]["id"]) is None
    assert any("does not take replies from you" in r for r in await _rejections(client))
    direct = ze.activity("Create", {"id": f"{ze.uri}/statuses/6", "type": "Note", "attributedTo": ze.uri,
                                    "content": "<p>psst</p>", "to": [fed.alice.uri]}, to=[fed.alice.uri])
    await send(client, ze, direct, path="/users/alice/inbox")
    resp = await client.get("/users/alice/inbox?page=true",
                            headers={"Authorization": f"Bearer {fed.alice_token}",
                                     "Accept": "application/activity+json"})
    listed = [i if isinstance(i, str) else i["id"] for i in (await resp.json(content_type=None))["orderedItems"]]
    assert direct["id"] not in listed
    # Undo lifts it.
    resp = await post(client, "alice", fed.alice_token, {"type": "Undo", "object": block["id"]})
    assert resp.status == 201
    again = ze.reply(7, mine["id"], "<p>Sorry</p>")
    await send(client, ze, again)
    assert await stored(client, again["object"]["id"]) is not None


async def test_a_remote_member_starts_a_discussion(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    page = {"id": f"{mo.uri}/pages/{uuid.uuid4()}", "type": "Page", "attributedTo": mo.uri,
            "audience": POOL, "name": "Spring party?", "content": "<p>Who helps?</p>", "to": [POOL]}
    await send(client, mo, mo.activity("Create", page, to=[POOL]))
    (opened,) = await discussion_list(client)
    assert opened["startedBy"] == mo.uri and opened["name"] == "Spring party?"


async def test_replies_addressed_to_the_pools_followers_are_forwarded(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, flo = _mastodon(remote, "mo"), _mastodon(remote, "flo")
    await _member(client, mo)
    await send(client, flo, flo.activity("Follow", POOL, to=[POOL]))
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(8, proposal["id"], "<p>For all followers</p>")
    create["cc"] = create["object"]["cc"] = [POOL + "/followers"]
    remote.posts.clear()
    await send(client, mo, create)
    async with asyncio.timeout(10):
        while not any(p.get("id") == create["id"] for p in remote.posts):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    forwarded = next(p for p in remote.posts if p.get("id") == create["id"])
    assert forwarded == create  # unchanged
    # Not addressed to a collection of ours: not forwarded.
    plain = mo.reply(9, proposal["id"], "<p>Just a reply</p>")
    await send(client, mo, plain)
    await asyncio.sleep(0.5)
    assert not any(p.get("id") == plain["id"] for p in remote.posts)


@pytest.mark.parametrize("case", ["empty", "too long", "someone else's", "outcome by a member"])
async def test_refused_remote_comments_get_a_reject_and_store_nothing(client, fed, remote, case) -> None:  # type: ignore[no-untyped-def]
    mo, ze = _mastodon(remote, "mo"), _mastodon(remote, "ze")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    text = {"empty": "<p> </p>", "too long": "<p>" + "x" * 5001 + "</p>"}.get(case, "<p>fine</p>")
    create = mo.reply(20, proposal["id"], text)
    if case == "someone else's":
        create["object"]["attributedTo"] = ze.uri  # same origin as the sender, another author
    if case == "outcome by a member":
        create["object"]["outcomeOf"] = proposal["id"]
    await send(client, mo, create)
    assert await stored(client, create["object"]["id"]) is None
    expected = {"empty": "needs some text", "too long": "at most 5000 characters",
                "someone else's": "attributed to the actor who sends it",
                "outcome by a member": "author or a steward"}[case]
    assert any(expected in r for r in await _rejections(client)), await _rejections(client)


async def test_a_remote_actors_rate_is_bounded_too(database_url, tmp_path, aiohttp_client, remote) -> None:  # type: ignore[no-untyped-def]
    from node.app import create_app
    from tests.conftest import make_node

    setup = await make_node(tmp_path / "data", allow_private_addresses=True, comments_per_hour=2)
    client = await aiohttp_client(create_app(setup.config))
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", setup.admin_token)
    for n in range(3):
        await send(client, mo, mo.reply(30 + n, proposal["id"], f"<p>{n}</p>"))
    assert [i["content"] for i in await replies(client, proposal["id"])] == ["<p>1</p>", "<p>0</p>"]
    assert any("at most 2 comments and discussions an hour" in r for r in await _rejections(client))


async def test_a_remote_member_edits_then_deletes_their_discussion(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, ze = _mastodon(remote, "mo"), _mastodon(remote, "ze")
    await _member(client, mo)
    page = {"id": f"{mo.uri}/pages/{uuid.uuid4()}", "type": "Page", "attributedTo": mo.uri,
            "audience": POOL, "name": "Spring party?", "content": "<p>Who helps?</p>", "to": [POOL]}
    await send(client, mo, mo.activity("Create", page, to=[POOL]))
    await send(client, ze, ze.activity("Update", {**page, "attributedTo": ze.uri, "name": "Mine"}),
               status=403)
    await send(client, mo, mo.activity("Update", {**page, "name": "Spring party on the 21st?"}, to=[POOL]))
    (opened,) = await discussion_list(client)
    assert opened["name"] == "Spring party on the 21st?" and opened["updated"]
    await send(client, mo, mo.activity("Delete", page["id"], to=[POOL]))
    assert await discussion_list(client) == []
