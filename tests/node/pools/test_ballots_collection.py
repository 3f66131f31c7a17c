"""A proposal's ballots collection: the signed ballots anyone recounts from, paged newest first."""

from __future__ import annotations

import uuid

import pytest

from node.pool_engine.common import store
from tests.conftest import BASE_URL
from tests.node.pools.helpers import get, propose, seed_ballots

pytestmark = pytest.mark.both_backends


async def test_ballots_are_paged_newest_first_until_the_oldest(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal, stored = await seed_ballots(client, node, 45)
    collection = await get(client, proposal["id"] + "/ballots")
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 45
    assert "orderedItems" not in collection
    assert collection["first"] == proposal["id"] + "/ballots?page=true"
    pages, url = [], collection["first"]
    while url is not None:
        page = await get(client, url)
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == collection["id"]
        assert page["id"] == url
        pages.append(page)
        url = page.get("next")
    assert [len(p["orderedItems"]) for p in pages] == [20, 20, 5]
    ids = [b["id"] for p in pages for b in p["orderedItems"]]
    stored_ids = [b.uri for b in await store(client.app).ballots(stored.id)]
    assert ids == stored_ids[::-1]  # every ballot once, newest first


async def test_a_proposal_without_ballots_has_an_empty_first_page(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    collection = await get(client, proposal["id"] + "/ballots")
    assert collection["totalItems"] == 0
    page = await get(client, collection["first"])
    assert page["orderedItems"] == [] and "next" not in page


@pytest.mark.parametrize(("query", "reason"), [
    ("page=false", "'page' must be 'true'"),
    ("page=", "'page' must be 'true'"),
    ("before=5", "ask with page=true"),
    ("page=true&before=abc", "'before' must be a positive integer"),
    ("page=true&before=0", "'before' must be a positive integer"),
    ("page=true&before=-3", "'before' must be a positive integer"),
    ("page=true&before=%C2%B2", "'before' must be a positive integer"),  # "²": a digit to isdigit
    ("page=true&before=99999999999999999999", "'before' must be a positive integer"),
])
async def test_bad_page_parameters_are_400_with_a_reason(client, node, query: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    # Every paged collection reads its query the same way (node/views/paging.py).
    for path in (proposal["id"] + "/ballots", "/pools/commons/proposals", "/pools/commons/ledger",
                 "/pools/commons/members", "/pools/commons/outbox", "/pools/commons/followers",
                 "/users/admin/outbox", "/users/admin/following"):
        resp = await client.get(path.removeprefix(BASE_URL) + "?" + query,
                                headers={"Accept": "application/activity+json"})
        assert resp.status == 400, (path, query, await resp.text())
        assert reason in (await resp.json())["error"]


async def test_a_voters_ballots(client, node) -> None:  # type: ignore[no-untyped-def]
    _, stored = await seed_ballots(client, node, 5)
    mine = await store(client.app).voter_ballots(stored.id, node.admin.uri)
    assert [b.uri for b in mine] == [node.admin.uri + f"/ballots/{n}" for n in (0, 2, 4)]
    assert await store(client.app).voter_ballots(stored.id, "https://elsewhere.example/users/x") == []


async def test_the_ballots_of_an_unknown_proposal_are_404(client, node) -> None:  # type: ignore[no-untyped-def]
    for query in ("", "?page=true"):
        resp = await client.get(f"/pools/commons/proposals/{uuid.uuid4()}/ballots{query}",
                                headers={"Accept": "application/activity+json"})
        assert resp.status == 404 and "no such proposal" in (await resp.json())["error"]
