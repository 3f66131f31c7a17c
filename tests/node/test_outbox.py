"""Client-to-server: posting to the outbox, token auth, and rejected bodies (ActivityPub §6)."""

from __future__ import annotations

import json

import pytest

from node.storage import Database

pytestmark = pytest.mark.both_backends

AP = "application/activity+json"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": AP}


async def _count_objects(node) -> int:
    db = Database.for_config(node.config)
    await db.open()
    try:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM objects")
        items = await db.fetchone("SELECT COUNT(*) AS n FROM collection_items")
        return int(row["n"]) + int(items["n"])
    finally:
        await db.close()


async def test_bare_object_is_wrapped_in_create_with_location(client, node):
    note = {"type": "Note", "content": "Shall we buy a lawnmower?", "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    resp = await client.post("/users/alice/outbox", json=note, headers=_auth(node.alice_token))
    assert resp.status == 201, await resp.text()
    location = resp.headers["Location"]
    assert location.startswith("http://node.test/activities/")
    activity = await resp.json(content_type=None)
    assert activity["id"] == location
    assert activity["type"] == "Create"
    assert activity["actor"] == node.alice.uri
    assert activity["to"] == note["to"]  # §6.2.1: addressing copied to the Create
    created = activity["object"]
    assert created["id"].startswith("http://node.test/objects/")
    assert created["attributedTo"] == node.alice.uri
    assert created["content"] == note["content"]

    # The activity and the object are served at their ids, and the outbox lists it first.
    served = await client.get(location.removeprefix("http://node.test"), headers={"Accept": AP})
    assert (await served.json(content_type=None))["id"] == location
    served = await client.get(created["id"].removeprefix("http://node.test"))
    assert (await served.json(content_type=None))["content"] == note["content"]
    outbox = await (await client.get("/users/alice/outbox")).json(content_type=None)
    assert outbox["totalItems"] == 1
    page = await (await client.get(outbox["first"].removeprefix("http://node.test"))).json(content_type=None)
    assert [item["id"] for item in page["orderedItems"]] == [location]


async def test_client_supplied_ids_are_replaced_and_activities_kept(client, node):
    like = {"type": "Like", "object": "https://elsewhere.example/notes/1", "id": "https://evil.example/x"}
    resp = await client.post("/users/alice/outbox", json=like, headers=_auth(node.alice_token))
    assert resp.status == 201
    activity = await resp.json(content_type=None)
    assert activity["type"] == "Like"
    assert activity["id"] != like["id"] and activity["id"] == resp.headers["Location"]


async def test_outbox_newest_first_and_paged(client, node):
    ids = []
    for n in range(25):
        resp = await client.post(
            "/users/alice/outbox", json={"type": "Note", "content": f"n{n}"}, headers=_auth(node.alice_token)
        )
        ids.append(resp.headers["Location"])
    owner = {"Authorization": f"Bearer {node.alice_token}"}  # the notes are not public: the owner lists them
    first = await (await client.get("/users/alice/outbox?page=true", headers=owner)).json(content_type=None)
    assert [i["id"] for i in first["orderedItems"]] == ids[::-1][:20]
    second = await (await client.get(first["next"].removeprefix("http://node.test"), headers=owner)).json(
        content_type=None)
    assert [i["id"] for i in second["orderedItems"]] == ids[::-1][20:]
    assert "next" not in second


async def test_bcc_is_not_published(client, node):
    note = {"type": "Note", "content": "psst", "bcc": ["https://elsewhere.example/users/b"]}
    resp = await client.post("/users/alice/outbox", json=note, headers=_auth(node.alice_token))
    activity = await resp.json(content_type=None)
    assert "bcc" not in activity and "bcc" not in activity["object"]


async def test_token_failures(client, node):
    note = {"type": "Note", "content": "x"}
    cases = [
        ({}, 401, "authentication required"),
        ({"Authorization": "Basic abc"}, 401, "Bearer"),
        ({"Authorization": "Bearer pn_not-a-token"}, 401, "not valid"),
        (_auth(node.admin_token), 403, "belongs to alice"),
    ]
    before = await _count_objects(node)
    for headers, status, words in cases:
        resp = await client.post("/users/alice/outbox", json=note, headers=headers)
        assert resp.status == status
        assert words in (await resp.json())["error"]
        if status == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert await _count_objects(node) == before


async def test_inbox_is_readable_by_its_owner_only(client, node):
    resp = await client.get("/users/alice/inbox")
    assert resp.status == 401
    resp = await client.get("/users/alice/inbox", headers={"Authorization": f"Bearer {node.admin_token}"})
    assert resp.status == 403
    resp = await client.get("/users/alice/inbox", headers={"Authorization": f"Bearer {node.alice_token}"})
    assert resp.status == 200
    assert (await resp.json(content_type=None))["type"] == "OrderedCollection"


async def test_malformed_bodies_are_400_with_reason_and_store_nothing(client, node):
    before = await _count_objects(node)
    cases = [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (json.dumps({"content": "no type"}).encode(), "'type'"),
        (json.dumps({"type": "Create", "object": "https://x.example/1"}).encode(), "embed"),
        (json.dumps({"type": "Follow"}).encode(), "needs an 'object'"),
        (json.dumps({"type": "Note", "to": [1]}).encode(), "'to'"),
    ]
    for body, words in cases:
        resp = await client.post("/users/alice/outbox", data=body, headers=_auth(node.alice_token))
        assert resp.status == 400, body
        assert words in (await resp.json())["error"], body
    assert await _count_objects(node) == before


async def test_posting_as_someone_else_is_forbidden(client, node):
    before = await _count_objects(node)
    for body in (
        {"type": "Like", "object": "https://x.example/1", "actor": node.admin.uri},
        {"type": "Note", "content": "x", "attributedTo": node.admin.uri},
    ):
        resp = await client.post("/users/alice/outbox", json=body, headers=_auth(node.alice_token))
        assert resp.status == 403
    assert await _count_objects(node) == before


async def test_oversize_body_is_413_and_stores_nothing(small_limit_client):
    client = small_limit_client
    setup = client.setup
    before = await _count_objects(setup)
    big = {"type": "Note", "content": "x" * 5000}
    resp = await client.post("/users/alice/outbox", json=big, headers=_auth(setup.alice_token))
    assert resp.status == 413
    assert "larger than the configured limit" in (await resp.json())["error"]
    assert await _count_objects(setup) == before
