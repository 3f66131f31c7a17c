"""docs/PROTOCOL.md's discussion examples have the shape of what a running node sends and serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from governance import OutsideReplies
from node.pool_engine import close_due
from tests.node.discussion.helpers import (
    announced,
    comment,
    discussion_list,
    pool_outbox,
    replies,
    set_outside_replies,
    start_discussion,
)
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.discussion.protocol_examples import discussion_examples
from tests.node.pools.helpers import post, propose

pytestmark = pytest.mark.both_backends
EXAMPLES = discussion_examples()
POOL_URI = "http://node.test/pools/commons"


def _shape(document: Any) -> Any:
    """Keys and types, recursively through ``object`` (values differ: ids, times, hosts)."""
    if not isinstance(document, dict):
        return type(document).__name__
    shape: dict[str, Any] = {key: type(value).__name__ for key, value in document.items()}
    shape["type"] = document.get("type")
    if isinstance(document.get("object"), dict):
        shape["object"] = _shape(document["object"])
    return shape


def _same(real: dict[str, Any], name: str, *, ignore: tuple[str, ...] = ()) -> None:
    def drop(shape: Any) -> Any:
        if isinstance(shape, dict):
            return {k: drop(v) for k, v in shape.items() if k not in ignore}
        return shape

    got, documented = drop(_shape(real)), drop(_shape(EXAMPLES[name]))
    assert got == documented, (name, sorted(set(str(got).split(",")) ^ set(str(documented).split(","))))


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


async def test_the_examples_are_what_the_node_sends(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    draft = await start_discussion(client, "alice", fed.alice_token)
    _same(draft, "discussion-draft", ignore=("source", "@context", "cc", "to"))  # the client addresses it
    (page,) = await discussion_list(client)
    (created,) = [a for a in await pool_outbox(client) if a["type"] == "Create"
                  and a["object"].get("type") == "Page"]
    _same(created, "create-discussion")
    proposal = await propose(client, "admin", fed.admin_token)
    mention = {"tag": [{"type": "Mention", "href": fed.admin.uri, "name": "@admin@node.test"}],
               "source": {"content": "x", "mediaType": "text/plain"}}
    create = await comment(client, "alice", fed.alice_token, proposal["id"], **mention)
    _same(create, "create-comment", ignore=("@context",))
    (relay,) = await announced(client, create["object"]["id"])
    _same(relay, "announce-comment", ignore=("@context",))
    resp = await post(client, "alice", fed.alice_token, {"type": "Update", "object": {
        "id": create["object"]["id"], "content": "<p>changed</p>", "tag": None}})
    update = await resp.json(content_type=None)
    _same(update, "update-comment", ignore=("@context",))
    _same((await announced(client, create["object"]["id"]))[0], "announce-update", ignore=("@context",))
    resp = await post(client, "alice", fed.alice_token, {"type": "Delete", "object": create["object"]["id"]})
    _same(await resp.json(content_type=None), "delete-comment", ignore=("@context",))
    tombstone = await (await client.get(create["object"]["id"].removeprefix("http://node.test"),
                                        headers={"Accept": "application/activity+json"})).json(content_type=None)
    _same(tombstone, "tombstone")
    resp = await post(client, "alice", fed.alice_token, {"type": "Block", "object": "https://m.example/users/x",
                                                         "to": ["https://m.example/users/x"]})
    _same(await resp.json(content_type=None), "block")
    resp = await post(client, "admin", fed.admin_token, {
        "type": "Block", "object": "https://m.example/users/y", "target": "http://node.test/pools/commons",
        "summary": "Selling followers", "to": ["https://m.example/users/y"]})
    _same(await resp.json(content_type=None), "pool-block")

    mo = MastodonActor(f"{remote.base}/users/mo", "Person")
    remote.actors[mo.uri] = mo
    reply = mo.reply(1, proposal["id"] + "/question", "<p>Yes</p>", mention=page["audience"])
    await send(client, mo, reply)
    _same(reply, "mastodon-reply", ignore=("@context", "sensitive", "atomUri", "inReplyToAtomUri",
                                          "conversation", "contentMap", "attachment", "url",
                                          "summary"))
    assert len(await replies(client, proposal["id"])) == 2  # the deleted comment, mo's reply
    page_doc = await (await client.get(proposal["id"].removeprefix("http://node.test") + "/replies?page=true",
                                       headers={"Accept": "application/activity+json"})).json(content_type=None)
    assert set(page_doc) == set(EXAMPLES["replies-page"]) and page_doc["type"] == "OrderedCollectionPage"
    assert {i["type"] for i in page_doc["orderedItems"]} == {"Note", "Tombstone"} == {
        i["type"] for i in EXAMPLES["replies-page"]["orderedItems"]}
    await set_outside_replies(client, OutsideReplies.REFUSED)
    ze = MastodonActor(f"{remote.base}/users/ze", "Person")
    remote.actors[ze.uri] = ze
    await send(client, ze, ze.reply(2, proposal["id"], "<p>outside</p>"))
    (reject,) = [a for a in await pool_outbox(client) if a["type"] == "Reject"]
    _same(reject, "reject-outside")
    assert reject["summary"] == EXAMPLES["reject-outside"]["summary"]
    await post(client, "admin", fed.admin_token, {"type": "Block", "object": ze.uri, "target": POOL_URI,
                                                  "summary": "spam"})
    blocked = ze.reply(3, proposal["id"], "<p>more</p>")
    await send(client, ze, blocked)
    (reject,) = [a for a in await pool_outbox(client) if a["type"] == "Reject" and a["object"] == blocked["id"]]
    _same(reject, "reject-blocked")
    assert reject["summary"] == EXAMPLES["reject-blocked"]["summary"]

    await close_due(client.app, datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00")))
    statement = await comment(client, "admin", fed.admin_token, proposal["id"], outcomeOf=proposal["id"])
    _same(statement, "outcome-statement", ignore=("@context",))
