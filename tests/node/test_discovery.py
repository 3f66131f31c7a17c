"""WebFinger, NodeInfo and host-meta as Mastodon and other fediverse software read them."""

from __future__ import annotations

from schemas import validation_errors

ACCT = "acct:commons@node.test"


async def test_webfinger_finds_a_pool_by_acct(client, node):
    resp = await client.get("/.well-known/webfinger", params={"resource": ACCT})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/jrd+json")
    doc = await resp.json(content_type=None)
    assert doc["subject"] == ACCT
    self_links = [link for link in doc["links"] if link["rel"] == "self"]
    assert self_links == [
        {"rel": "self", "type": "application/activity+json", "href": node.pool.uri}
    ]
    assert validation_errors("webfinger", doc) == []


async def test_webfinger_finds_a_member_case_insensitively_and_by_url(client, node):
    resp = await client.get("/.well-known/webfinger", params={"resource": "acct:Alice@node.test"})
    assert (await resp.json(content_type=None))["aliases"] == [node.alice.uri]
    resp = await client.get("/.well-known/webfinger", params={"resource": node.alice.uri})
    assert (await resp.json(content_type=None))["subject"] == "acct:alice@node.test"


async def test_webfinger_errors_say_why(client):
    cases = {
        "": (400, "required"),
        "acct:nobody@node.test": (404, "no actor"),
        "acct:commons@elsewhere.example": (404, "not this node"),
        "acct:commons": (400, "malformed"),
        "mailto:x@node.test": (400, "unsupported"),
    }
    for resource, (status, words) in cases.items():
        resp = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert resp.status == status, resource
        assert words in (await resp.json())["error"], resource


async def test_nodeinfo_discovery_and_document(client, node):
    resp = await client.get("/.well-known/nodeinfo")
    links = (await resp.json())["links"]
    assert links[0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    assert links[0]["href"] == "http://node.test/nodeinfo/2.1"
    resp = await client.get("/nodeinfo/2.1")
    assert resp.status == 200
    assert "nodeinfo.diaspora.software/ns/schema/2.1" in resp.headers["Content-Type"]
    doc = await resp.json(content_type=None)
    assert doc["protocols"] == ["activitypub"]
    assert doc["software"]["name"] == "poolnode"
    assert doc["usage"]["users"]["total"] == 2  # admin and alice; pools are not users
    assert doc["metadata"]["pools"] == 1
    assert validation_errors("nodeinfo", doc) == []


async def test_host_meta_points_at_webfinger(client):
    resp = await client.get("/.well-known/host-meta")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/xrd+xml")
    text = await resp.text()
    assert 'template="http://node.test/.well-known/webfinger?resource={uri}"' in text
