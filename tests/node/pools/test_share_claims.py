"""A Join's share payment claim: kept for the treasurer; under the open policy the treasurer's
confirmation of at least the minimum share admits the applicant without a steward."""

from __future__ import annotations

import dataclasses
import json

import pytest

from governance import AdmissionPolicy
from node.appkeys import ACTORS, OBJECTS
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.node.pools.helpers import POOL, post
from tests.node.pools.test_federated_ballots import _person, _send, client

pytestmark = pytest.mark.both_backends

__all__ = ["client"]  # a fixture


async def _open_pool_with_min_share(client, share: int) -> None:  # type: ignore[no-untyped-def]
    actors = client.app[ACTORS]
    pool = await actors.get("commons", "pool")
    bylaws = dataclasses.replace(await load_bylaws(actors, pool), admission=AdmissionPolicy.OPEN,
                                 min_share=share)
    await actors.set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))


async def _state(client, person: str) -> str | None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    membership = await store(client.app).membership(pool.id, person)
    return membership.state if membership else None


async def _applications(client, token: str):  # type: ignore[no-untyped-def]
    return await client.get("/pools/commons/applications",
                            headers={"Authorization": f"Bearer {token}"})


async def _contribute(client, fed, person: str, amount: int) -> None:  # type: ignore[no-untyped-def]
    resp = await post(client, "admin", fed.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": person,
        "amount": amount, "reference": "bank transfer"})
    assert resp.status == 201, await resp.text()


async def test_confirmed_share_admits_an_open_pool_applicant(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    await _open_pool_with_min_share(client, 2500)
    bo = _person(remote, "bo")
    claim = {"type": "Object", "amount": 2500, "currency": "EUR", "reference": "transfer 2025-03-01"}
    join = bo.activity("Join", POOL, to=[POOL], sharePayment=claim)
    await _send(client, bo, join)
    assert await _state(client, bo.uri) == "applicant"  # a claim confirms no money

    resp = await _applications(client, fed.admin_token)  # admin is steward and treasurer
    assert resp.status == 200
    listing = await resp.json()
    assert listing["minimumShare"] == 2500 and listing["admission"] == "open"
    (application,) = listing["applications"]
    assert application["person"] == bo.uri and application["join"] == join["id"]
    assert application["sharePayment"] == {"amount": 2500, "currency": "EUR",
                                           "reference": "transfer 2025-03-01"}
    assert application["sharePaid"] == 0
    assert (await _applications(client, fed.alice_token)).status == 403  # a plain member

    await _contribute(client, fed, bo.uri, 1000)
    assert await _state(client, bo.uri) == "applicant"
    assert (await (await _applications(client, fed.admin_token)).json())["applications"][0][
        "sharePaid"] == 1000

    await _contribute(client, fed, bo.uri, 1500)
    assert await _state(client, bo.uri) == "member"
    assert (await (await _applications(client, fed.admin_token)).json())["applications"] == []
    # The pool answers the Join with an Accept once the share is confirmed.
    pool = await client.app[ACTORS].get("commons", "pool")
    page = await client.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    assert any(d["type"] == "Accept" and d["object"] == join["id"] for d in documents.values())


async def test_a_steward_pool_still_needs_a_steward(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    bo = _person(remote, "bo")
    await _send(client, bo, bo.activity("Join", POOL, to=[POOL],
                                        sharePayment={"amount": 500, "currency": "EUR"}))
    await _contribute(client, fed, bo.uri, 500)
    assert await _state(client, bo.uri) == "applicant"
