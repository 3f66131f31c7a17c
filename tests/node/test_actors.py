"""Actor documents (Group for a pool, Person for a member) and content negotiation."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.keys import ed25519_public_from_multibase, load_public_key_pem
from schemas import validation_errors

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


async def _get(client, path, accept=AP):
    resp = await client.get(path.removeprefix("http://node.test"), headers={"Accept": accept})
    assert resp.status == 200, await resp.text()
    return resp, await resp.json(content_type=None)


async def test_pool_is_a_group_with_keys_members_and_bylaws(client, node):
    _, doc = await _get(client, "/pools/commons")
    assert doc["type"] == "Group"
    assert doc["id"] == node.pool.uri
    assert doc["preferredUsername"] == "commons"
    for field in ("inbox", "outbox", "followers", "following"):
        assert doc[field] == f"{node.pool.uri}/{field}"
    assert doc["endpoints"]["sharedInbox"] == "http://node.test/inbox"
    assert doc["members"] == node.pool.uri + "/members"
    assert doc["bylaws"] == node.pool.uri + "/bylaws"
    key = doc["publicKey"]
    assert key["id"] == node.pool.uri + "#main-key"
    assert key["owner"] == node.pool.uri
    parsed = load_public_key_pem(key["publicKeyPem"])
    assert isinstance(parsed, rsa.RSAPublicKey) and parsed.key_size == 2048
    (multikey,) = doc["assertionMethod"]
    assert multikey["type"] == "Multikey" and multikey["controller"] == node.pool.uri
    ed25519_public_from_multibase(multikey["publicKeyMultibase"])
    assert "https://www.w3.org/ns/activitystreams" in doc["@context"]
    assert "https://w3id.org/security/v1" in doc["@context"]
    assert validation_errors("group", doc) == []


async def test_member_is_a_person_and_validates(client, node):
    _, doc = await _get(client, "/users/alice")
    assert doc["type"] == "Person"
    assert doc["publicKey"]["id"] == node.alice.uri + "#main-key"
    assert "members" not in doc
    assert validation_errors("person", doc) == []


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (AP, "application/activity+json"),
        (LD, LD),
        ("application/ld+json", LD),
        ("application/json", "application/activity+json"),
        (f"{LD}, {AP};q=0.5", LD),
        (f"{LD};q=0.4, {AP}", "application/activity+json"),
    ],
)
async def test_content_negotiation(client, accept, expected):
    resp, _ = await _get(client, "/pools/commons", accept)
    assert resp.headers["Content-Type"].startswith(expected)
    assert resp.headers["Vary"] == "Accept"


async def test_unknown_actor_is_404_with_reason(client):
    resp = await client.get("/pools/nothing")
    assert resp.status == 404
    assert "no pool named 'nothing'" in (await resp.json())["error"]
    resp = await client.get("/users/commons")  # a pool is not a Person
    assert resp.status == 404


async def test_an_actor_inbox_route_names_its_kind(client, node):
    # The POST routes spell the kind out ("/pools/{name}/inbox", "/users/{name}/inbox"): a
    # pool's name under /users is no member, a member's under /pools no pool; nothing stored.
    body = {"id": "http://remote.test/a/1", "type": "Create", "actor": "http://remote.test/u"}
    for path, reason in (("/users/commons/inbox", "no member named 'commons'"),
                         ("/pools/alice/inbox", "no pool named 'alice'")):
        resp = await client.post(path, json=body, headers={"Content-Type": AP})
        assert resp.status == 404, await resp.text()
        assert reason in (await resp.json())["error"]
    # A GET of the same path is still the inbox collection's (its owner's, so 401 unsigned).
    resp = await client.get("/pools/commons/inbox", headers={"Accept": AP})
    assert resp.status == 401 and "authentication required" in (await resp.json())["error"]
    resp = await client.put("/pools/commons/inbox")
    assert resp.status == 405


async def test_members_collection_is_paged_newest_first(client, node):
    _, collection = await _get(client, "/pools/commons/members")
    assert collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == 2
    _, page = await _get(client, collection["first"])
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == collection["id"]
    assert page["orderedItems"] == [node.alice.uri, node.admin.uri]


async def test_bad_page_cursor_is_400(client):
    resp = await client.get("/pools/commons/outbox?page=true&before=abc")
    assert resp.status == 400
    assert "before" in (await resp.json())["error"]


async def test_bylaws_as_object_and_markdown(client, node):
    _, doc = await _get(client, "/pools/commons/bylaws")
    assert doc["type"] == "Bylaws"
    assert doc["attributedTo"] == node.pool.uri
    assert doc["threshold"] == "1/2" and doc["thresholdComparator"] == "more_than"
    assert doc["mediaType"] == "text/markdown"
    assert "one vote" in doc["content"].lower()
    resp = await client.get("/pools/commons/bylaws", headers={"Accept": "text/markdown"})
    assert resp.headers["Content-Type"].startswith("text/markdown")
    text = await resp.text()
    assert text.startswith("# Bylaws of Commons")
    assert "A shared fund for the club" in text


async def test_members_pages_continue_with_next_until_the_oldest(client, node):
    from node.accounts import create_member, join_pool
    from node.appkeys import ACTORS

    actors = client.app[ACTORS]
    for n in range(23):
        member = await create_member(node.config, actors, f"m{n}")
        await join_pool(actors, node.pool, member.uri)
    _, first = await _get(client, "/pools/commons/members?page=true")
    assert len(first["orderedItems"]) == 20 and first["orderedItems"][0].endswith("/users/m22")
    _, second = await _get(client, first["next"])
    assert len(second["orderedItems"]) == 5 and "next" not in second
    assert second["orderedItems"][-1] == node.admin.uri


async def test_bylaws_document_carries_the_legal_settings_when_not_the_defaults(client, node):
    import json
    from dataclasses import replace
    from fractions import Fraction

    from governance import Bylaws
    from governance.legal import GoverningBody, LegalForm, LegalSettings
    from node.appkeys import ACTORS

    _, plain = await _get(client, "/pools/commons/bylaws")
    assert "legalForm" not in plain
    actors = client.app[ACTORS]
    bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(node.pool.id)))
    legal = LegalSettings(form=LegalForm.UK_COOP, registered_office="4 Mill Lane", notice_days=21,
                          members_may_call=Fraction(1, 5), governing_body=GoverningBody.BOARD,
                          board_size=5, year_end="06-30")
    await actors.set_bylaws_json(node.pool.id, json.dumps(replace(bylaws, legal=legal).to_dict()))
    _, doc = await _get(client, "/pools/commons/bylaws")
    assert doc["legalForm"] == {
        "form": "uk_coop", "registeredOffice": "4 Mill Lane", "noticeDays": 21,
        "membersMayCall": "1/5", "governingBody": "board", "boardSize": 5, "extraLiability": 0,
        "yearEnd": "06-30", "dissolution": "decided"}
    assert validation_errors("bylaws", doc) == []
