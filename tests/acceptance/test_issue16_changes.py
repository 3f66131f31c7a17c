"""Issue 16, as a client sees it: ``Update`` and ``Delete`` posted to an outbox (ActivityPub
§6.3, §6.4) for every kind of object, not only comments, and what a thread keeps afterwards.

README: "``Update`` and ``Delete`` of your own object change it (a ``Tombstone`` stays, served
with 410)". docs/PROTOCOL.md, "Editing and deleting": for any object, an Update replaces the
fields it names and the outbox delivers the whole new object; a comment "changes in its thread,
keeping its place"; signed objects are never changed (409 ``signed_object``); "Only the owner
may (403), and a deleted object is gone (410)". "Outcome statements": one statement per
proposal, by its author or a steward (``not_permitted``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.accounts import create_pool, join_pool
from node.appkeys import ACTORS, CONFIG
from node.discussion import discussions, moderate
from node.pool_engine import close_due
from tests.node.discussion.helpers import (
    comment,
    discussion_list,
    pool_outbox,
    replies,
    start_discussion,
    stored,
)
from tests.node.pools.helpers import POOL, get, post, propose

pytestmark = pytest.mark.both_backends

AP = {"Accept": "application/activity+json"}


def _path(uri: str) -> str:
    return uri.removeprefix("http://node.test")


async def _closed(client: Any, node: Any) -> dict[str, Any]:
    """A proposal by the admin, voting closed."""
    proposal = await propose(client, "admin", node.admin_token)
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes + timedelta(seconds=1))
    return proposal


async def test_an_update_of_my_own_profile_changes_it(client, node) -> None:
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": node.alice.uri, "type": "Person", "name": "Alice Liddell"}})
    assert resp.status == 201, await resp.text()
    assert (await get(client, "/users/alice")).get("name") == "Alice Liddell"


async def test_an_update_does_not_turn_a_comment_into_the_outcome(client, node) -> None:
    proposal = await _closed(client, node)
    note = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "outcomeOf": proposal["id"], "content": "<p>Decided: alice keeps it</p>"}})
    # Either refused (not_permitted) or the field ignored; never served as an outcome.
    assert resp.status in (201, 403), await resp.text()
    assert all("outcomeOf" not in item for item in await replies(client, proposal["id"]))
    assert "outcomeOf" not in await get(client, note["id"])
    assert await discussions(client.app).outcome_of(proposal["id"]) is None


async def test_an_edited_comment_keeps_its_place_where_it_is_served(client, node) -> None:
    first = await propose(client, "admin", node.admin_token)
    other = await propose(client, "admin", node.admin_token, name="Paint the shed")
    note = (await comment(client, "alice", node.alice_token, first["id"]))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "inReplyTo": other["id"], "content": "<p>moved?</p>"}})
    assert resp.status in (201, 400), await resp.text()
    assert [i["id"] for i in await replies(client, first["id"])] == [note["id"]]
    assert await replies(client, other["id"]) == []
    assert (await get(client, note["id"]))["inReplyTo"] == first["id"]


async def test_a_hidden_comment_is_not_served_at_its_id(client, node) -> None:
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"], "<p>Cheap pills</p>"))["object"]
    row = await stored(client, note["id"])
    assert row is not None
    pool = await client.app[ACTORS].get("commons", "pool")
    await moderate(client.app, pool, node.admin.uri, row.id, "advertising", datetime.now(UTC), hide=True)
    (item,) = await replies(client, proposal["id"])
    assert item["type"] == "Tombstone" and item["summary"] == "Hidden by a steward: advertising"
    resp = await client.get(_path(note["id"]), headers=AP)
    assert "Cheap pills" not in await resp.text()


async def test_a_hidden_comment_stays_hidden_after_its_authors_edit(client, node) -> None:
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"], "<p>Buy mine</p>"))["object"]
    row = await stored(client, note["id"])
    assert row is not None
    pool = await client.app[ACTORS].get("commons", "pool")
    await moderate(client.app, pool, node.admin.uri, row.id, "advertising", datetime.now(UTC), hide=True)
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "content": "<p>Buy mine, now cheaper</p>"}})
    assert resp.status == 201
    (item,) = await replies(client, proposal["id"])
    assert item["type"] == "Tombstone" and "advertising" in item["summary"]
    assert "cheaper" not in str(item)
    (entry,) = await discussions(client.app).moderation_log(pool.id)
    assert (entry.action, entry.reason, entry.steward_uri) == ("hide", "advertising", node.admin.uri)


async def test_signed_records_refuse_changes_with_a_reason(client, node) -> None:
    draft = await post(client, "alice", node.alice_token, {"type": "Proposal", "pool": POOL,
                                                            "name": "Buy a drill"})
    draft_id = (await draft.json(content_type=None))["object"]["id"]
    for change in ({"type": "Update", "object": {"id": draft_id, "name": "Buy a saw"}},
                   {"type": "Delete", "object": draft_id}):
        resp = await post(client, "alice", node.alice_token, change)
        body = await resp.json(content_type=None)
        assert resp.status == 409 and body["code"] == "signed_object", body
    (opened,) = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    assert opened["name"] == "Buy a drill"


async def test_an_update_of_the_pools_proposal_says_why_it_is_refused(client, node) -> None:
    proposal = await propose(client, "admin", node.admin_token)
    resp = await post(client, "admin", node.admin_token, {"type": "Update", "object": {
        "id": proposal["id"], "name": "Something else"}})
    assert resp.status in (403, 409), await resp.text()


async def test_deleting_a_discussion_leaves_a_tombstone_and_takes_no_more(client, node) -> None:
    draft = (await start_discussion(client, "alice", node.alice_token))["object"]["id"]
    (page,) = await discussion_list(client)
    await comment(client, "admin", node.admin_token, page["id"])
    resp = await post(client, "admin", node.admin_token, {"type": "Delete", "object": draft})
    assert resp.status == 403  # only the owner
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": draft})
    assert resp.status == 201
    gone = await client.get(_path(page["id"]), headers=AP)
    body = await gone.json(content_type=None)
    assert gone.status == 410 and body["type"] == "Tombstone" and body["formerType"] == "Page"
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": draft, "name": "Back again"}})
    assert resp.status == 410
    resp = await post(client, "alice", node.alice_token, {"type": "Proposal", "pool": POOL,
                                                          "name": "From it", "discussion": page["id"]})
    body = await resp.json(content_type=None)
    assert resp.status == 422 and body["code"] == "invalid_document"
    assert await discussion_list(client) == []
    # The pool told its followers: Delete of its Page, after the Create.
    kinds = [(a["type"], a["object"].get("type") if isinstance(a["object"], dict) else None)
             for a in await pool_outbox(client)]
    assert kinds[0] == ("Delete", "Tombstone") and ("Create", "Page") in kinds


async def test_a_proposal_links_only_to_a_live_discussion_of_its_own_pool(client, node) -> None:
    garden = await create_pool(client.app[CONFIG], client.app[ACTORS], "garden")
    await join_pool(client.app[ACTORS], garden, node.alice.uri)
    resp = await post(client, "alice", node.alice_token, {"type": "Page", "name": "Seeds",
                                                          "content": "<p>Which?</p>",
                                                          "audience": garden.uri})
    assert resp.status == 201
    (elsewhere,) = (await get(client, "/pools/garden/discussions?page=true"))["orderedItems"]
    for named in (elsewhere["id"], POOL + "/discussions/00000000-0000-4000-8000-000000000000",
                  "https://other.example/pools/x/discussions/1"):
        resp = await post(client, "alice", node.alice_token, {"type": "Proposal", "pool": POOL,
                                                              "name": "Linked", "discussion": named})
        body = await resp.json(content_type=None)
        assert resp.status == 422 and body["code"] == "invalid_document", (named, body)
    assert (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"] == []
    await start_discussion(client, "alice", node.alice_token)
    (mine,) = await discussion_list(client)
    resp = await post(client, "alice", node.alice_token, {"type": "Proposal", "pool": POOL,
                                                          "name": "Linked", "discussion": mine["id"]})
    assert resp.status == 201
    (opened,) = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    assert opened["discussion"] == mine["id"]
    linked = await discussions(client.app).discussion(mine["id"])
    assert linked is not None
    assert await discussions(client.app).proposals_of(linked.id) == [opened["id"]]
