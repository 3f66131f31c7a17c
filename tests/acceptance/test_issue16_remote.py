"""Issue 16 from another server: a Mastodon-shaped actor (signed as Mastodon signs) replies,
starts discussions, edits, mentions, is blocked, and meets the bylaws' ``outsideReplies``
decided by the members through a real bylaws change.

docs/PROTOCOL.md, "Discussion": at most 10 people mentioned ("invalid_request ... too many
mentions", a ``Reject`` through the inbox); titles at most 200 characters, text 5,000, HTML
50,000; a Note or Page without ``attributedTo`` is the actor's; "The author's later Update or
Delete of the Note changes the comment"; "Block ... activities from the blocked actor are
refused for it"; "Outcome statements": by the proposal's author or a steward only.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import OutsideReplies
from node.accounts import join_pool
from node.appkeys import ACTORS, DB, FOLLOWS, RECEIVED
from node.discussion import discussions
from node.notifications import notify_round
from node.pool_engine import close_due
from node.pools import load_bylaws
from node.storage import NotificationStore
from tests.node.discussion.helpers import discussion_list, pool_outbox, replies, stored
from tests.node.discussion.mastodon import MastodonActor, mastodon_headers, send
from tests.node.inbox_helpers import processed
from tests.node.notifications.conftest import no_commit_lag
from tests.node.pools.helpers import POOL, get, post, proposals, propose

pytestmark = pytest.mark.both_backends


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return no_commit_lag(fed_client)


def _mastodon(remote: Any, name: str) -> MastodonActor:
    actor = MastodonActor(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def _member(client: Any, actor: Any) -> None:
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, actor.uri)


async def _rejections(client: Any) -> list[str]:
    return [a.get("summary", "") for a in await pool_outbox(client) if a["type"] == "Reject"]


def _mentions(n: int) -> list[dict[str, str]]:
    return [{"type": "Mention", "href": f"https://m{i}.example/users/p{i}", "name": f"@p{i}@m{i}.example"}
            for i in range(n)]


def _page(actor: MastodonActor, **fields: Any) -> dict[str, Any]:
    return {"id": f"{actor.uri}/pages/{uuid.uuid4()}", "type": "Page", "attributedTo": actor.uri,
            "audience": POOL, "to": [POOL], **fields}


async def test_a_remote_comment_mentioning_too_many_is_rejected(client, fed, remote) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(1, proposal["id"], "<p>Everyone, look</p>")
    create["object"]["tag"] = _mentions(30)
    await send(client, mo, create)
    assert await stored(client, create["object"]["id"]) is None
    assert any("at most 10" in r for r in await _rejections(client))


async def test_a_remote_discussion_mentioning_too_many_is_rejected(client, fed, remote) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    page = _page(mo, name="Everyone", content="<p>look</p>", tag=_mentions(20))
    await send(client, mo, mo.activity("Create", page, to=[POOL]))
    assert await discussion_list(client) == []


async def test_a_remote_update_does_not_make_an_outcome_statement(client, fed, remote) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes + timedelta(seconds=1))
    create = mo.reply(2, proposal["id"], "<p>Nice</p>")
    await send(client, mo, create)
    forged = {**create["object"], "outcomeOf": proposal["id"], "content": "<p>Decided: pay mo</p>"}
    await send(client, mo, mo.activity("Update", forged))
    assert all("outcomeOf" not in item for item in await replies(client, proposal["id"]))


@pytest.mark.parametrize("case", ["title too long", "opening post too long", "no title",
                                  "title not text", "comment html too long", "content a list"])
async def test_remote_bounds_are_rejected_and_nothing_is_stored(client, fed, remote, case) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    pages = {"title too long": {"name": "t" * 201, "content": "<p>x</p>"},
             "opening post too long": {"name": "ok", "content": "<p>" + "x" * 5001 + "</p>"},
             "no title": {"content": "<p>x</p>"},
             "title not text": {"name": ["a"], "content": "<p>x</p>"}}
    if case in pages:
        activity = mo.activity("Create", _page(mo, **pages[case]), to=[POOL])
    else:
        activity = mo.reply(3, proposal["id"], "<p>x</p>")
        activity["object"]["content"] = ("<b></b>" * 7200 + "<p>x</p>" if case == "comment html too long"
                                         else ["<p>x</p>"])
    item = await send(client, mo, activity)
    assert item.state == "done", item.last_error  # a refusal, not a failure
    assert len(await _rejections(client)) == 1
    assert await discussion_list(client) == []
    assert await replies(client, proposal["id"]) == []
    assert await client.app[RECEIVED].owner_of(activity["object"]["id"]) is None


async def test_an_update_and_a_discussion_without_attributed_to_are_the_actors(client, fed, remote) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    page = _page(mo, name="Spring party?", content="<p>Who helps?</p>")
    del page["attributedTo"]
    await send(client, mo, mo.activity("Create", page, to=[POOL]))
    (opened,) = await discussion_list(client)
    assert opened["startedBy"] == mo.uri
    create = mo.reply(4, opened["id"], "<p>I do</p>")
    await send(client, mo, create)
    edit = {k: v for k, v in create["object"].items() if k != "attributedTo"}
    update = mo.activity("Update", {**edit, "content": "<p>I do, with a cake</p>"})
    body = json.dumps(update).encode()
    resp = await client.post("/inbox", data=body, headers=mastodon_headers(mo, "/inbox", body))
    assert resp.status == 202, await resp.text()
    assert (await processed(client, update["id"])).state == "done"
    (item,) = await replies(client, opened["id"])
    assert item["content"] == "<p>I do, with a cake</p>" and item["attributedTo"] == mo.uri


async def test_a_blocked_actor_cannot_follow_the_member_who_blocked_it(client, fed, remote) -> None:
    ze = _mastodon(remote, "ze")
    resp = await post(client, "alice", fed.alice_token, {"type": "Block", "object": ze.uri})
    assert resp.status == 201
    follow = ze.activity("Follow", fed.alice.uri, to=[fed.alice.uri])
    await send(client, ze, follow, path="/users/alice/inbox")
    assert await client.app[FOLLOWS].followers_of(fed.alice.uri) == []
    listed = await get(client, "/users/alice/followers?page=true")
    assert listed["orderedItems"] == []
    assert not any(p.get("type") == "Accept" for p in remote.posts)
    # A local member blocked the same way may not reply to her comments either.
    proposal = await propose(client, "admin", fed.admin_token)
    mine = (await post(client, "alice", fed.alice_token, {"type": "Note", "content": "<p>Mine</p>",
                                                          "inReplyTo": proposal["id"]}))
    note = (await mine.json(content_type=None))["object"]
    resp = await post(client, "alice", fed.alice_token, {"type": "Block", "object": fed.admin.uri})
    assert resp.status == 201
    resp = await post(client, "admin", fed.admin_token, {"type": "Note", "content": "<p>hey</p>",
                                                         "inReplyTo": note["id"]})
    assert resp.status == 403 and (await resp.json(content_type=None))["code"] == "blocked"


async def test_a_remote_mention_and_a_remote_reply_tell_the_local_member(client, fed, remote) -> None:
    mo = _mastodon(remote, "mo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    mine = await post(client, "alice", fed.alice_token, {"type": "Note", "content": "<p>Mine</p>",
                                                         "inReplyTo": proposal["id"]})
    note = (await mine.json(content_type=None))["object"]
    await send(client, mo, mo.reply(5, proposal["id"], "<p>@alice look</p>", mention=fed.alice.uri))
    await send(client, mo, mo.reply(6, note["id"], "<p>Agreed</p>"))
    await notify_round(client.app, datetime.now(UTC))
    alice = await client.app[ACTORS].get("alice", "member")
    told = {n.kind: n for n in await NotificationStore(client.app[DB]).page(alice.id, before=None, limit=20)}
    assert {"mention", "reply"} <= set(told)
    assert told["mention"].link == told["reply"].link == proposal["id"]


async def test_members_decide_to_refuse_outside_replies_and_a_stranger_is_told_why(client, fed, remote) -> None:
    ze = _mastodon(remote, "ze")
    pool = await client.app[ACTORS].get("commons", "pool")
    current = (await load_bylaws(client.app[ACTORS], pool)).to_dict()
    change = await post(client, "admin", fed.admin_token, {
        "type": "Proposal", "pool": POOL, "name": "Only members talk", "proposalKind": "bylaws_change",
        "proposedBylaws": {**current, "outside_replies": "refused"}})
    assert change.status == 201, await change.text()
    (opened,) = await proposals(client)
    early = ze.reply(7, opened["id"], "<p>Before the change</p>")
    await send(client, ze, early)
    row = await stored(client, early["object"]["id"])
    assert row is not None and row.standing == "outside"  # collapsed, the default
    for user, token in (("admin", fed.admin_token), ("alice", fed.alice_token)):
        ballot = await post(client, user, token, {"type": "Ballot", "pool": POOL,
                                                  "proposal": opened["id"], "choice": ["agree"]})
        assert ballot.status == 201, await ballot.text()
    closes = datetime.fromisoformat(opened["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes + timedelta(seconds=1))
    assert (await get(client, "/pools/commons/bylaws"))["outsideReplies"] == "refused"
    assert (await load_bylaws(client.app[ACTORS], pool)).outside_replies is OutsideReplies.REFUSED
    late = ze.reply(8, opened["id"], "<p>After the change</p>")
    await send(client, ze, late)
    assert await stored(client, late["object"]["id"]) is None
    assert any("only members of the pool may take part" in r for r in await _rejections(client))
    # What was kept before stays, folded away.
    assert await discussions(client.app).comment(early["object"]["id"]) is not None
