"""Update and Delete through the outbox (ActivityPub §6.3, §6.4) of any object, comments first."""

from __future__ import annotations

import pytest

from node.appkeys import OBJECTS
from tests.node.discussion.helpers import PUBLIC, announced, comment, replies, stored
from tests.node.pools.helpers import POOL, post, propose, vote

pytestmark = pytest.mark.both_backends
AP = {"Accept": "application/activity+json"}


async def test_an_author_edits_a_comment_and_the_change_is_delivered(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"], summary="first"))["object"]
    resp = await post(client, "alice", node.alice_token, {
        "type": "Update", "object": {"id": note["id"], "content": "<p>I agree <b>now</b><script>x</script></p>",
                                     "summary": None}})
    update = await resp.json(content_type=None)
    assert resp.status == 201, update
    # §6.3.1: the fields sent replace, null removes; the whole object is what is delivered.
    assert update["object"]["content"] == "<p>I agree <b>now</b></p>"
    assert "summary" not in update["object"] and update["object"]["inReplyTo"] == proposal["id"]
    assert update["object"]["updated"] and update["to"] == [PUBLIC] and POOL in update["cc"]
    served = await (await client.get(note["id"].removeprefix("http://node.test"), headers=AP)).json(
        content_type=None)
    assert served["content"] == "<p>I agree <b>now</b></p>"
    row = await stored(client, note["id"])
    assert row is not None and row.content == "<p>I agree <b>now</b></p>" and row.updated_at
    assert [a["object"]["type"] for a in await announced(client, note["id"])] == ["Update", "Note"]
    for field, value in [("attributedTo", node.admin.uri), ("id", POOL), ("type", "Article")]:
        changed = {"id": note["id"], field: value} if field != "id" else {"id": note["id"] + "x"}
        resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": changed})
        assert resp.status in (400, 404), (field, await resp.text())


async def test_only_the_owner_changes_an_object(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    for kind in ("Update", "Delete"):
        obj = {"id": note["id"], "content": "<p>mine now</p>"} if kind == "Update" else note["id"]
        resp = await post(client, "admin", node.admin_token, {"type": kind, "object": obj})
        assert resp.status == 403 and "only the object's owner" in await resp.text()
    row = await stored(client, note["id"])
    assert row is not None and row.content == "<p>I agree</p>" and row.deleted_at is None
    resp = await post(client, "admin", node.admin_token, {"type": "Delete", "object": POOL + "/nope"})
    assert resp.status == 404


async def test_delete_leaves_a_tombstone_served_with_410(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    note = (await comment(client, "alice", node.alice_token, proposal["id"]))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": note["id"]})
    delete = await resp.json(content_type=None)
    assert resp.status == 201, delete
    assert delete["object"] == {"id": note["id"], "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]  # delivered to where the Note went
    resp = await client.get(note["id"].removeprefix("http://node.test"), headers=AP)
    gone = await resp.json(content_type=None)
    assert resp.status == 410 and gone["type"] == "Tombstone" and gone["formerType"] == "Note"
    assert gone["deleted"]
    (item,) = await replies(client, proposal["id"])
    assert item["type"] == "Tombstone" and item["inReplyTo"] == proposal["id"]
    assert "content" not in item
    assert [a["object"]["type"] for a in await announced(client, note["id"])] == ["Delete", "Note"]
    again = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "content": "back"}})
    assert again.status == 410


async def test_any_note_changes_too_not_only_comments(client, node) -> None:  # type: ignore[no-untyped-def]
    resp = await post(client, "alice", node.alice_token, {"type": "Note", "content": "hello", "to": [PUBLIC]})
    note = (await resp.json(content_type=None))["object"]
    resp = await post(client, "alice", node.alice_token, {"type": "Update", "object": {
        "id": note["id"], "content": "hello again"}})
    assert resp.status == 201
    stored_note = await client.app[OBJECTS].get(note["id"])
    assert stored_note is not None and stored_note.document["content"] == "hello again"
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": {"id": note["id"]}})
    assert resp.status == 201
    stored_note = await client.app[OBJECTS].get(note["id"])
    assert stored_note is not None and stored_note.type == "Tombstone"


async def test_signed_records_and_activities_are_never_changed(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    resp = await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    ballot = (await resp.json(content_type=None))["object"]
    for kind in ("Update", "Delete"):
        obj = {"id": ballot["id"], "choice": ["block"]} if kind == "Update" else ballot["id"]
        resp = await post(client, "alice", node.alice_token, {"type": kind, "object": obj})
        body = await resp.json(content_type=None)
        assert resp.status == 409 and body["code"] == "signed_object", body
    create = (await comment(client, "alice", node.alice_token, proposal["id"]))["id"]
    resp = await post(client, "alice", node.alice_token, {"type": "Delete", "object": create})
    assert resp.status == 409 and "an activity is not changed" in await resp.text()
