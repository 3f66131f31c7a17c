"""Stored objects are served only to those they are addressed to (issue 12 item 11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from federation.httpsig import sign_request
from tests.node.inbox_helpers import AP, NODE, FakeActor

pytestmark = pytest.mark.both_backends

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": AP}


def _signed_get(actor: FakeActor, path: str) -> dict[str, str]:
    headers = sign_request("GET", NODE + path, None, actor.key_id, actor.key, datetime.now(UTC))
    headers["Accept"] = AP
    return headers


async def _post(client: Any, token: str, note: dict[str, Any]) -> dict[str, Any]:
    resp = await client.post("/users/alice/outbox", json=note, headers=_bearer(token))
    assert resp.status == 201, await resp.text()
    return dict(await resp.json(content_type=None))


def _path(uri: str) -> str:
    return uri.removeprefix(NODE)


async def _outbox_ids(client: Any, headers: dict[str, str] | None = None) -> list[str]:
    page = await (await client.get("/users/alice/outbox?page=true", headers=headers or {})).json(
        content_type=None)
    return [item["id"] for item in page["orderedItems"]]


async def test_a_note_to_one_actor_is_served_to_it_and_its_owner_only(client, fed, remote):
    friend, stranger = remote.add("friend"), remote.add("stranger")
    activity = await _post(client, fed.alice_token, {"type": "Note", "content": "for you", "to": [friend.uri]})
    for uri in (activity["id"], activity["object"]["id"]):
        path = _path(uri)
        anonymous = await client.get(path, headers={"Accept": AP})
        assert anonymous.status == 404
        assert (await anonymous.json())["error"] == "no such object on this node"  # as for no object
        assert (await client.get(path, headers=_bearer(fed.alice_token))).status == 200
        assert (await client.get(path, headers=_bearer(fed.admin_token))).status == 404
        served = await client.get(path, headers=_signed_get(friend, path))
        assert served.status == 200, await served.text()
        assert (await served.json(content_type=None))["id"] == uri
        assert (await client.get(path, headers=_signed_get(stranger, path))).status == 404
    # Listed to its owner, not to anyone else.
    assert activity["id"] not in await _outbox_ids(client)
    assert activity["id"] not in await _outbox_ids(client, _signed_get(friend, "/users/alice/outbox?page=true"))
    assert activity["id"] in await _outbox_ids(client, _bearer(fed.alice_token))
    total = await (await client.get("/users/alice/outbox")).json(content_type=None)
    assert total["totalItems"] == 0


async def test_an_object_without_addressing_is_its_owners(client, fed, remote):
    activity = await _post(client, fed.alice_token, {"type": "Note", "content": "a draft"})
    path = _path(activity["object"]["id"])
    assert (await client.get(path)).status == 404
    assert (await client.get(path, headers=_signed_get(remote.add("someone"), path))).status == 404
    assert (await client.get(path, headers=_bearer(fed.alice_token))).status == 200


@pytest.mark.parametrize("public", [PUBLIC, "as:Public", "Public"])
async def test_public_objects_are_served_and_listed_to_anyone(client, fed, public):
    activity = await _post(client, fed.alice_token, {"type": "Note", "content": "hello", "cc": [public]})
    assert (await client.get(_path(activity["object"]["id"]))).status == 200
    assert await _outbox_ids(client) == [activity["id"]]
    assert (await (await client.get("/users/alice/outbox")).json(content_type=None))["totalItems"] == 1


async def test_a_blind_recipient_may_read_and_nobody_sees_the_bcc(client, fed, remote):
    friend = remote.add("friend")
    activity = await _post(client, fed.alice_token, {"type": "Note", "content": "psst", "bcc": [friend.uri]})
    path = _path(activity["object"]["id"])
    served = await client.get(path, headers=_signed_get(friend, path))
    assert served.status == 200
    assert "bcc" not in await served.json(content_type=None)
    owner = await (await client.get(path, headers=_bearer(fed.alice_token))).json(content_type=None)
    assert "bcc" not in owner
    page = await (await client.get("/users/alice/outbox?page=true", headers=_bearer(fed.alice_token))).json(
        content_type=None)
    assert "bcc" not in page["orderedItems"][0] and "bcc" not in page["orderedItems"][0]["object"]
    assert (await client.get(path)).status == 404


async def test_followers_only_objects_are_served_to_accepted_followers(client, fed, remote):
    from node.appkeys import FOLLOWS

    follower, other = remote.add("follower"), remote.add("other")
    await client.server.app[FOLLOWS].put(follower.uri, fed.alice.uri, f"{follower.uri}/follows/1", "accepted",
                                         "2026-01-01T00:00:00Z", followee_local_id=fed.alice.id)
    activity = await _post(client, fed.alice_token,
                           {"type": "Note", "content": "friends", "to": [fed.alice.uri + "/followers"]})
    path = _path(activity["object"]["id"])
    assert (await client.get(path, headers=_signed_get(follower, path))).status == 200
    assert (await client.get(path, headers=_signed_get(other, path))).status == 404


async def test_a_bad_signature_is_401_whether_or_not_the_object_exists(client, fed, remote):
    liar = remote.add("liar")
    activity = await _post(client, fed.alice_token, {"type": "Note", "content": "x", "to": [liar.uri]})
    for path in (_path(activity["object"]["id"]), "/objects/00000000-0000-0000-0000-000000000000"):
        headers = _signed_get(liar, path)
        headers["Signature"] = headers["Signature"].replace('signature="', 'signature="AAAA')
        assert (await client.get(path, headers=headers)).status == 401
