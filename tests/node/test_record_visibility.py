"""The bylaws' ``visibility`` decides who reads a pool's record (issue 12 item 12)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from federation.httpsig import sign_request
from governance import Bylaws, Visibility
from node.appkeys import ACTORS
from node.floods import floods
from node.http import fetch_as
from tests.node.inbox_helpers import AP, NODE, FakeActor

pytestmark = pytest.mark.both_backends

RECORD = ["/pools/commons/ledger", "/pools/commons/ledger?page=true", "/pools/commons/ledger/balances",
          "/pools/commons/members", "/pools/commons/members?page=true", "/pools/commons/proposals?page=true"]


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


async def _visibility(client: Any, fed: Any, visibility: Visibility) -> None:
    actors = client.server.app[ACTORS]
    bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(fed.pool.id)))
    await actors.set_bylaws_json(fed.pool.id, json.dumps(replace(bylaws, visibility=visibility).to_dict()))


def _signed_get(actor: FakeActor, path: str) -> dict[str, str]:
    headers = sign_request("GET", NODE + path, None, actor.key_id, actor.key, datetime.now(UTC))
    headers["Accept"] = AP
    return headers


async def _ballot(client: Any, fed: Any) -> str:
    """Alice proposes and votes; the uri of her ballot object."""
    auth = {"Authorization": f"Bearer {fed.alice_token}", "Content-Type": AP}
    draft = {"type": "Proposal", "pool": fed.pool.uri, "name": "Paint the shed", "content": "Blue."}
    resp = await client.post("/users/alice/outbox", json=draft, headers=auth)
    assert resp.status == 201, await resp.text()
    proposals = await (await client.get("/pools/commons/proposals?page=true",
                                        headers={"Authorization": auth["Authorization"]})).json(content_type=None)
    proposal = proposals["orderedItems"][0]["id"]
    ballot = {"type": "Ballot", "pool": fed.pool.uri, "proposal": proposal, "choice": "agree"}
    resp = await client.post("/users/alice/outbox", json=ballot, headers=auth)
    assert resp.status == 201, await resp.text()
    return str((await resp.json(content_type=None))["object"]["id"])


async def test_public_by_default_and_the_bylaws_say_so(client, fed):
    for path in RECORD:
        assert (await client.get(path)).status == 200, path
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "## 9. Who may read the record" in text and "The record is public: anyone may read it." in text
    assert "public to members" not in text
    document = await (await client.get("/pools/commons/bylaws")).json(content_type=None)
    assert document["visibility"] == "public"


async def test_a_public_pools_unaddressed_ballot_object_is_readable_by_anyone(client, fed):
    # A member's Ballot is addressed to the pool only, yet part of a public record.
    ballot = (await _ballot(client, fed)).removeprefix(NODE)
    resp = await client.get(ballot, headers={"Accept": AP})
    assert resp.status == 200, await resp.text()
    assert (await resp.json(content_type=None))["type"] == "Ballot"


async def test_members_only_record(client, fed, remote):
    ballot = await _ballot(client, fed)
    await _visibility(client, fed, Visibility.MEMBERS)
    text = await (await client.get("/pools/commons/bylaws?format=md")).text()
    assert "The record is visible to members only" in text
    assert (await (await client.get("/pools/commons/bylaws")).json(content_type=None))["visibility"] == "members"
    proposals = await (await client.get("/pools/commons/proposals?page=true",
                                        headers={"Authorization": f"Bearer {fed.alice_token}"})).json(
        content_type=None)
    proposal = proposals["orderedItems"][0]["id"].removeprefix(NODE)
    stranger = remote.add("stranger")
    for path in [*RECORD, proposal, proposal + "/electorate", proposal + "/tally", proposal + "/ballots"]:
        anonymous = await client.get(path)
        assert anonymous.status == 401, path
        assert "visible to its members only" in (await anonymous.json())["error"]
        assert (await client.get(path, headers={"Authorization": f"Bearer {fed.alice_token}"})).status == 200
        assert (await client.get(path, headers=_signed_get(stranger, path))).status == 403, path
    # A member's ballot object is part of the record: hidden from others, as for no object.
    path = ballot.removeprefix(NODE)
    assert (await client.get(path)).status == 404
    assert (await client.get(path, headers=_signed_get(stranger, path))).status == 404
    assert (await client.get(path, headers={"Authorization": f"Bearer {fed.admin_token}"})).status == 200
    # The pool page names no members and shows no fund to an anonymous visitor.
    page = await (await client.get("/pools/commons", headers={"Accept": "text/html"})).text()
    assert "visible to its members only" in page, page[page.find("<main"):][:1500]


async def test_a_flood_peer_reads_a_members_only_record_by_a_signed_get(client, fed, remote):
    ballot = await _ballot(client, fed)
    await _visibility(client, fed, Visibility.MEMBERS)
    peer, stranger = remote.add("peerpool", "Group"), remote.add("stranger", "Group")
    await floods(client.server.app).set_link(fed.pool.id, fed.pool.uri + "/floods/f", "f", peer.uri,
                                             "approved", fed.pool.uri + "/proposals/x", "2026-01-01T00:00:00Z")
    for path in ["/pools/commons/ledger?page=true", "/pools/commons/members?page=true", ballot.removeprefix(NODE)]:
        served = await client.get(path, headers=_signed_get(peer, path))
        assert served.status == 200, path
        assert (await client.get(path, headers=_signed_get(stranger, path))).status in (403, 404)


async def test_fetches_for_a_record_are_signed_as_the_entitled_reader(client, fed, remote):
    """The recount and flood fetches sign as the member or pool who may read a members-only record."""
    target = remote.add("pool", "Group")
    await fetch_as(client.server.app, target.uri, fed.alice)
    await fetch_as(client.server.app, target.uri, fed.pool)
    signatures = remote.fetch_signatures[-2:]
    assert f'keyId="{fed.alice.key_id}"' in str(signatures[0])
    assert f'keyId="{fed.pool.key_id}"' in str(signatures[1])


def test_visibility_round_trips_and_older_bylaws_read_as_public() -> None:
    bylaws = Bylaws(name="C", purpose="", currency="EUR")
    assert "visibility" not in bylaws.to_dict()  # documents signed before the setting keep their bytes
    members = replace(bylaws, visibility=Visibility.MEMBERS)
    assert Bylaws.from_dict(members.to_dict()) == members
    assert Bylaws.from_dict(bylaws.to_dict()).visibility is Visibility.PUBLIC


def test_a_bylaws_change_form_can_change_the_visibility() -> None:
    from node.web.amendments import form_defaults, read_bylaws_form

    current = Bylaws(name="C", purpose="", currency="EUR")
    form = {**form_defaults(current), "new_visibility": "members"}
    proposed, errors, _ = read_bylaws_form(form, current)
    assert errors == {} and proposed is not None and proposed.visibility is Visibility.MEMBERS
    _, errors, _ = read_bylaws_form({**form, "new_visibility": "secret"}, current)
    assert "new_visibility" in errors
