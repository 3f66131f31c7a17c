"""What an edit may not change, and the mention bound on every path (issue 16's fixes).

A comment stays where it was posted (its ``inReplyTo`` and ``outcomeOf`` are refused with a
reason when an Update names others, and kept when it names none); a discussion stays in its
pool and keeps a title; at most 10 people are mentioned however a Note or Page arrives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from node.appkeys import OBJECTS
from node.discussion import discussions
from node.pool_engine import close_due
from tests.node.discussion.helpers import (
    comment,
    discussion_list,
    replies,
    start_discussion,
    stored,
)
from tests.node.pools.helpers import POOL, get, post, propose

pytestmark = pytest.mark.both_backends


def _mentions(n: int) -> list[dict[str, str]]:
    return [{"type": "Mention", "href": f"https://m{i}.example/users/p", "name": f"@p@m{i}.example"}
            for i in range(n)]


async def _refused(resp: Any, status: int, code: str, said: str) -> None:
    body = await resp.json(content_type=None)
    assert resp.status == status and body["code"] == code and said in body["error"], body


async def test_a_comment_keeps_its_place_and_says_why_it_cannot_move(client, node) -> None:  # type: ignore[no-untyped-def]
    first = await propose(client, "admin", node.admin_token)
    other = await propose(client, "admin", node.admin_token, name="Paint the shed")
    note = (await comment(client, "alice", node.alice_token, first["id"]))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "inReplyTo": other["id"], "content": "<p>moved?</p>"}})
    await _refused(resp, 400, "invalid_request", "a comment stays where it was posted")
    # null (remove it) keeps it: what is stored, served and delivered names the same thread.
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "inReplyTo": None, "content": "<p>still here</p>"}})
    update = await resp.json(content_type=None)
    assert resp.status == 201 and update["object"]["inReplyTo"] == first["id"], update
    assert (await get(client, note["id"]))["inReplyTo"] == first["id"]
    (item,) = await replies(client, first["id"])
    assert item["content"] == "<p>still here</p>" and item["inReplyTo"] == first["id"]


async def test_the_proposals_author_cannot_make_a_comment_the_outcome_by_an_edit(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    closes = proposal["closesAt"].replace("Z", "+00:00")
    await close_due(client.app, datetime.fromisoformat(closes) + timedelta(seconds=1))
    note = (await comment(client, "admin", node.admin_token, proposal["id"]))["object"]
    resp = await post(client, "admin", node.admin_token, {"type": "Update", "object": {
        "id": note["id"], "outcomeOf": proposal["id"]}})
    await _refused(resp, 400, "invalid_request", "publish the statement as a new Note")
    assert await discussions(client.app).outcome_of(proposal["id"]) is None
    statement = (await comment(client, "admin", node.admin_token, proposal["id"], "<p>Decided</p>",
                               outcomeOf=proposal["id"]))["object"]
    resp = await post(client, "admin", node.admin_token, {"type": "Update", "object": {
        "id": statement["id"], "outcomeOf": POOL + "/proposals/another"}})
    await _refused(resp, 400, "invalid_request", "an outcome statement stays its proposal's")
    resp = await post(client, "admin", node.admin_token, {"type": "Update", "object": {
        "id": statement["id"], "content": "<p>Decided: the drill</p>"}})
    assert resp.status == 201
    assert (await get(client, statement["id"]))["outcomeOf"] == proposal["id"]


async def test_mentions_are_bounded_on_an_edit_and_on_a_note_for_no_local_thread(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"], tag=_mentions(10)))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "tag": _mentions(11)}})
    await _refused(resp, 400, "invalid_request", "at most 10 people")
    row = await stored(client, note["id"])
    assert row is not None and len(row.document["tag"]) == 10
    for target in ("https://elsewhere.example/notes/1", None):
        resp = await post(client, "alice", node.alice_token, {
            "type": "Note", "content": "<p>hello all</p>", "tag": _mentions(11),
            **({"inReplyTo": target} if target else {})})
        await _refused(resp, 400, "invalid_request", "at most 10 people")


async def test_a_discussion_stays_in_its_pool_and_keeps_a_title(client, node) -> None:  # type: ignore[no-untyped-def]
    draft = (await start_discussion(client, "alice", node.alice_token))["object"]["id"]
    for change, said in ((({"audience": "http://node.test/pools/nosuch"}), "stays in the pool"),
                         ({"name": None}, "needs a title"),
                         ({"name": "Two\nlines"}, "one line"),
                         ({"tag": _mentions(11)}, "at most 10 people")):
        resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
            "id": draft, **change}})
        await _refused(resp, 400, "invalid_request", said)
    (opened,) = await discussion_list(client)
    assert opened["name"] == "Which tools first?"
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": draft, "audience": None, "name": "Which tools, first?"}})
    assert resp.status == 201
    (opened,) = await discussion_list(client)
    assert opened["name"] == "Which tools, first?" and opened["audience"] == POOL
    kept = await client.app[OBJECTS].get(draft)
    assert kept is not None and kept.document["audience"] == POOL  # the draft as kept
