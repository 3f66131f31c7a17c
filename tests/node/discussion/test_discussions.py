"""A pool's discussions through C2S: opened by members, listed, commented, edited, deleted, and
a proposal started from one that links back to it."""

from __future__ import annotations

import pytest

from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, CONFIG, TOKENS
from node.discussion import discussions
from tests.node.discussion.helpers import (
    PUBLIC,
    comment,
    discussion_list,
    replies,
    start_discussion,
)
from tests.node.pools.helpers import POOL, get, post, propose

pytestmark = pytest.mark.both_backends


async def test_a_member_starts_a_discussion_the_pool_publishes(client, node) -> None:  # type: ignore[no-untyped-def]
    draft = (await start_discussion(client, "alice", node.alice_token))["object"]
    (page,) = await discussion_list(client)
    assert page["type"] == "Page" and page["attributedTo"] == POOL and page["audience"] == POOL
    assert page["startedBy"] == node.alice.uri and page["name"] == "Which tools first?"
    assert page["content"] == "<p>A drill, or a saw?</p>" and page["replies"] == page["id"] + "/replies"
    assert page["to"] == [PUBLIC] and page["id"].startswith(POOL + "/discussions/")
    assert await get(client, page["id"]) == page
    found = await discussions(client.app).discussion_by_source(draft["id"])
    assert found is not None and found.uri == page["id"]
    note = (await comment(client, "admin", node.admin_token, page["id"]))["object"]
    assert [i["id"] for i in await replies(client, page["id"])] == [note["id"]]


async def test_refused_discussions_store_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    carl = await create_member(client.app[CONFIG], client.app[ACTORS], "carl")
    token = (await issue_token(client.app[TOKENS], carl)).secret
    refused = await start_discussion(client, "carl", token, status=403)
    assert "only a member of the pool may start a discussion" in refused["error"]
    assert "a discussion needs a title" in (await start_discussion(client, "alice", node.alice_token,
                                                                   title=" ", status=400))["error"]
    too_long = await start_discussion(client, "alice", node.alice_token, title="t" * 201, status=400)
    assert "at most 200 characters" in too_long["error"]
    assert await discussion_list(client) == []


async def test_the_author_edits_and_deletes_a_discussion(client, node) -> None:  # type: ignore[no-untyped-def]
    draft = (await start_discussion(client, "alice", node.alice_token))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": draft["id"], "name": "Which tools, and when?"}})
    assert resp.status == 201, await resp.text()
    (page,) = await discussion_list(client)
    assert page["name"] == "Which tools, and when?" and page["updated"]
    assert page["content"] == "<p>A drill, or a saw?</p>"
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": draft["id"]})
    assert resp.status == 201, await resp.text()
    assert await discussion_list(client) == []
    gone = await client.get(page["id"].removeprefix("http://node.test"),
                            headers={"Accept": "application/activity+json"})
    assert gone.status == 410 and (await gone.json(content_type=None))["type"] == "Tombstone"
    # A deleted discussion takes no more comments: the Note is no comment of a thread here.
    note = (await comment(client, "admin", node.admin_token, page["id"]))["object"]
    assert await discussions(client.app).comment(note["id"]) is None


async def test_a_proposal_started_from_a_discussion_links_back(client, node) -> None:  # type: ignore[no-untyped-def]
    await start_discussion(client, "alice", node.alice_token)
    (page,) = await discussion_list(client)
    proposal = await propose(client, "admin", node.admin_token, discussion=page["id"])
    assert proposal["discussion"] == page["id"]
    found = await discussions(client.app).discussion(page["id"])
    assert found is not None
    assert await discussions(client.app).proposals_of(found.id) == [proposal["id"]]
    resp = await post(client, "admin", node.admin_token, {
        "type": "Proposal", "pool": POOL, "name": "Elsewhere", "discussion": POOL + "/discussions/x"})
    assert resp.status == 422 and "names no discussion of this pool" in await resp.text()
