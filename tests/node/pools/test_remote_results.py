"""A remote pool's signed results reaching a local member: verified, kept, recounted, shown."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from federation.proofs import create_proof
from governance import (
    Ballot,
    Bylaws,
    EntryKind,
    Ledger,
    Posting,
    Roster,
    Transaction,
    open_proposal,
    tally,
)
from governance.proposals import Decision
from node.appkeys import ACTORS, DB, OBJECTS
from node.pool_engine.remote_results import ledger_chain
from node.storage import RemoteResultStore
from node.wire import (
    ballot_document,
    electorate_document,
    ledger_entry_document,
    proposal_document,
    tally_document,
)
from tests.node.inbox_helpers import AP, post_signed, processed
from tests.node.pools.helpers import post
from tests.node.pools.test_federated_ballots import ProofActor

pytestmark = pytest.mark.both_backends

ADMIN_INBOX = "/users/admin/inbox"


@dataclass
class PoolServer:
    """A loopback server for a remote pool: actor documents and any document put in ``docs``."""

    base: str
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def actor(self, path: str, kind: str) -> ProofActor:
        actor = ProofActor(self.base + path, kind)
        self.docs[actor.uri] = actor.document()
        return actor

    def sign(self, actor: ProofActor, document: dict[str, Any]) -> dict[str, Any]:
        return create_proof(document, actor.proof_key, actor.uri + "#ed25519-key", datetime.now(UTC))


@pytest.fixture
async def server(aiohttp_server):  # type: ignore[no-untyped-def]
    holder: list[PoolServer] = []

    async def get(request: web.Request) -> web.Response:
        document = holder[0].docs.get(holder[0].base + request.path_qs)
        if document is None:
            raise web.HTTPNotFound()
        return web.Response(text=json.dumps(document), content_type=AP)

    async def inbox(request: web.Request) -> web.Response:
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/{tail:.*}", get)
    app.router.add_post("/{tail:.*}", inbox)
    running = await aiohttp_server(app, host="127.0.0.1")
    holder.append(PoolServer(f"http://127.0.0.1:{running.port}"))
    return holder[0]


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


@dataclass
class RemoteVote:
    """River (a pool on the server) voted on a decision: our admin agreed, cy disagreed."""

    pool: ProofActor
    proposal: Any
    ballots: list[dict[str, Any]]

    def tally(self, **changes: Any) -> dict[str, Any]:
        counted = [Ballot.from_dict(_ballot_dict(b)) for b in self.ballots]
        result = tally(self.proposal.rule, self.proposal.electorate, counted)
        document = tally_document(result, self.pool.uri, [b["id"] for b in self.ballots],
                                  final=True, updated=_now())
        return {**document, **changes}


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ballot_dict(document: dict[str, Any]) -> dict[str, Any]:
    from node.wire import ballot_from_document

    return ballot_from_document(document).to_dict()


async def _remote_vote(client, fed, server: PoolServer) -> RemoteVote:  # type: ignore[no-untyped-def]
    river = server.actor("/pools/river", "Group")
    cy = server.actor("/users/cy", "Person")
    opens = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    roster = Roster.found([fed.admin.uri, cy.uri], opens - timedelta(days=1))
    proposal = open_proposal(id=f"{river.uri}/proposals/{uuid.uuid4()}", author=cy.uri,
                             title="Paint the shed", motion=Decision("Paint the shed"),
                             bylaws=Bylaws("River", "Boats.", "EUR"), electorate=roster.electorate(),
                             opens_at=opens, closes_at=opens + timedelta(hours=2))
    published = opens.isoformat().replace("+00:00", "Z")
    server.docs[proposal.id] = server.sign(river, proposal_document(proposal, river.uri, published))
    server.docs[proposal.id + "/electorate"] = server.sign(
        river, electorate_document(proposal, river.uri, published))

    # Our member votes through their own outbox: the node keeps the signed ballot.
    resp = await post(client, "admin", fed.admin_token, {
        "type": "Ballot", "pool": river.uri, "proposal": proposal.id, "choice": ["agree"]})
    assert resp.status == 201, await resp.text()
    (own,) = await RemoteResultStore(client.app[DB]).of_proposal(proposal.id, "Ballot")
    cast = datetime.now(UTC).replace(microsecond=0)
    theirs = server.sign(cy, ballot_document(
        Ballot.consent(cy.uri + "/ballots/1", proposal.id, cy.uri, cast, "disagree"), river.uri))
    ballots = [own.document, theirs]
    _serve_ballots(server, proposal.id, ballots)
    return RemoteVote(river, proposal, ballots)


def _serve_ballots(server: PoolServer, proposal: str, ballots: list[dict[str, Any]]) -> None:
    """The remote pool's ballots collection paged as poolnode serves it, one ballot a page."""
    collection = proposal + "/ballots"
    server.docs[collection] = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": collection,
        "type": "OrderedCollection", "totalItems": len(ballots), "first": collection + "?page=true"}
    for n, ballot in enumerate(ballots):
        page = collection + "?page=true" + (f"&before={n}" if n else "")
        server.docs[page] = {
            "@context": "https://www.w3.org/ns/activitystreams", "id": page,
            "type": "OrderedCollectionPage", "partOf": collection, "orderedItems": [ballot],
            **({"next": f"{collection}?page=true&before={n + 1}"} if n + 1 < len(ballots) else {})}


async def _deliver(client, pool: ProofActor, kind: str, obj: dict[str, Any], to: str):  # type: ignore[no-untyped-def]
    activity = pool.activity(kind, obj, to=[to])
    resp = await post_signed(client, pool, ADMIN_INBOX, activity)
    assert resp.status == 202, await resp.text()
    return await processed(client, activity["id"], within=10)


async def _view(client, proposal: str) -> Any:  # type: ignore[no-untyped-def]
    return await client.get("/remote", params={"proposal": proposal})


async def _admin_rejections(client) -> list[str]:  # type: ignore[no-untyped-def]
    admin = await client.app[ACTORS].get("admin", "member")
    page = await client.app[OBJECTS].collection_page(admin.id, "outbox", before=None, limit=100)
    documents = await client.app[OBJECTS].documents(page.items)
    return [d.get("summary", "") for d in documents.values() if d["type"] == "Reject"]


async def test_a_forged_remote_tally_is_rejected_with_a_reason_and_nothing_kept(
    client, fed, server  # type: ignore[no-untyped-def]
) -> None:
    vote = await _remote_vote(client, fed, server)
    forged = copy.deepcopy(server.sign(vote.pool, vote.tally()))
    forged["counts"]["agree"] = 2  # one byte changed after signing
    item = await _deliver(client, vote.pool, "Update", forged, fed.admin.uri)
    assert item.state == "done"

    assert await RemoteResultStore(client.app[DB]).get(forged["id"]) is None
    assert (await _view(client, vote.proposal.id)).status == 200  # only our own ballot is known
    assert (await (await _view(client, vote.proposal.id)).json())["documents"]["tally"] is None
    assert any("proof rejected" in r for r in await _admin_rejections(client))

    # Signed by another key than the pool's: rejected too.
    impostor = server.actor("/users/eve", "Person")
    by_eve = server.sign(impostor, vote.tally())
    await _deliver(client, vote.pool, "Update", by_eve, fed.admin.uri)
    assert await RemoteResultStore(client.app[DB]).get(by_eve["id"]) is None
    assert any("not the author's" in r for r in await _admin_rejections(client))


async def test_a_verified_remote_tally_is_kept_recounted_and_shown(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    vote = await _remote_vote(client, fed, server)
    final = server.sign(vote.pool, vote.tally())
    item = await _deliver(client, vote.pool, "Update", final, fed.admin.uri)
    assert item.state == "done", item.last_error

    resp = await _view(client, vote.proposal.id)
    assert resp.status == 200
    view = await resp.json()
    assert view["result"] == "verified" and view["pool"] == vote.pool.uri
    assert view["documents"]["tally"]["verified"] is True
    assert view["documents"]["tally"]["verifiedBy"] == vote.pool.uri + "#ed25519-key"
    assert view["documents"]["tally"]["document"] == final
    assert view["documents"]["electorate"]["document"]["members"] == sorted(
        [fed.admin.uri, server.base + "/users/cy"])
    assert {b["id"] for b in view["ballots"]} == {b["id"] for b in vote.ballots}
    assert view["recount"]["state"] == "matches" and view["recount"]["differences"] == {}
    assert view["recount"]["recount"]["counts"] == final["counts"]

    pool_view = await (await client.get("/remote", params={"pool": vote.pool.uri})).json()
    assert pool_view["proposals"] == [{"id": vote.proposal.id, "name": "Paint the shed",
                                       "result": "verified"}]


async def test_a_remote_tally_a_recount_does_not_reproduce_is_a_mismatch(
    client, fed, server  # type: ignore[no-untyped-def]
) -> None:
    vote = await _remote_vote(client, fed, server)
    honest = vote.tally()
    claimed = vote.tally(counts={**honest["counts"], "agree": 2, "disagree": 0}, outcome="passed")
    assert honest["outcome"] != "passed"
    final = server.sign(vote.pool, claimed)
    await _deliver(client, vote.pool, "Update", final, fed.admin.uri)

    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "mismatch"
    assert view["documents"]["tally"]["verified"] is True  # the proof is the pool's, the count is not
    differences = view["recount"]["differences"]["fields"]
    assert differences["outcome"] == {"tally": "passed", "recount": honest["outcome"]}
    assert differences["counts"]["recount"]["disagree"] == 1


async def test_a_final_tally_whose_digest_is_not_of_its_ballots_is_a_mismatch(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    vote = await _remote_vote(client, fed, server)
    honest = vote.tally()
    listed = honest["ballots"]
    reordered = hashlib.sha256(b"".join(i.encode() + b"\n" for i in reversed(listed))).hexdigest()
    assert honest["ballotsDigest"] != reordered and honest["ballotCount"] == 2
    final = server.sign(vote.pool, vote.tally(ballotsDigest=reordered, ballotCount=3))
    await _deliver(client, vote.pool, "Update", final, fed.admin.uri)
    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "mismatch"
    differences = view["recount"]["differences"]["fields"]
    assert differences["ballotsDigest"] == {"tally": reordered, "recount": honest["ballotsDigest"]}
    assert differences["ballotCount"] == {"tally": 3, "recount": 2}


async def test_a_tally_leaving_out_our_members_ballot_is_a_mismatch(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    vote = await _remote_vote(client, fed, server)
    theirs = vote.ballots[1]
    _serve_ballots(server, vote.proposal.id, [theirs])
    result = tally(vote.proposal.rule, vote.proposal.electorate, [Ballot.from_dict(_ballot_dict(theirs))])
    final = server.sign(vote.pool, tally_document(result, vote.pool.uri, [theirs["id"]], final=True,
                                                  updated=_now()))
    await _deliver(client, vote.pool, "Update", final, fed.admin.uri)
    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "mismatch"
    assert view["recount"]["differences"]["omittedBallots"] == [vote.ballots[0]["id"]]


async def test_remote_proposal_and_ledger_entry_are_verified_on_receipt(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    vote = await _remote_vote(client, fed, server)
    proposal = server.docs[vote.proposal.id]
    await _deliver(client, vote.pool, "Create", proposal, fed.admin.uri)
    entry = server.sign(vote.pool, {
        "@context": proposal["@context"], "id": vote.pool.uri + "/ledger/1", "type": "LedgerEntry",
        "attributedTo": vote.pool.uri, "pool": vote.pool.uri, "sequence": 1,
        "entryKind": "donation", "published": _now(), "currency": "EUR",
        "postings": [{"account": "fund", "amount": 100}, {"account": "donations", "amount": -100}],
        "memo": "", "previousHash": "0" * 64, "entryHash": "f" * 64})
    await _deliver(client, vote.pool, "Create", entry, fed.admin.uri)
    tampered = {**entry, "id": vote.pool.uri + "/ledger/2", "sequence": 2}
    await _deliver(client, vote.pool, "Create", tampered, fed.admin.uri)

    view = await (await client.get("/remote", params={"pool": vote.pool.uri})).json()
    assert [p["id"] for p in view["proposals"]] == [vote.proposal.id]
    assert view["proposals"][0]["result"] == "no_tally"
    assert [e["document"]["id"] for e in view["ledger"]] == [entry["id"]]
    assert any("does not verify" in r for r in await _admin_rejections(client))
    # Signed by the pool, but not a ledger the pool could have booked (an unknown account).
    assert view["ledgerChain"]["state"] == "broken"
    assert "unknown account 'donations'" in view["ledgerChain"]["problem"]


async def test_an_unpaged_ballots_collection_is_still_read(client, fed, server) -> None:  # type: ignore[no-untyped-def]
    vote = await _remote_vote(client, fed, server)
    collection = vote.proposal.id + "/ballots"
    server.docs[collection] = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": collection,
        "type": "OrderedCollection", "totalItems": 2, "orderedItems": vote.ballots}
    await _deliver(client, vote.pool, "Update", server.sign(vote.pool, vote.tally()), fed.admin.uri)
    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "verified", view["recount"]


async def test_a_ballots_page_that_leads_elsewhere_or_loops_leaves_the_recount_incomplete(
    client, fed, server  # type: ignore[no-untyped-def]
) -> None:
    vote = await _remote_vote(client, fed, server)
    collection = vote.proposal.id + "/ballots"
    first = server.docs[collection + "?page=true"]
    first["next"] = server.base + "/elsewhere?page=true"
    await _deliver(client, vote.pool, "Update", server.sign(vote.pool, vote.tally()), fed.admin.uri)
    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "incomplete"
    assert "is not a new page of" in view["recount"]["differences"]["ballots"]

    first["next"] = collection + "?page=true"  # back to itself
    await _deliver(client, vote.pool, "Update", server.sign(vote.pool, vote.tally()), fed.admin.uri)
    view = await (await _view(client, vote.proposal.id)).json()
    assert view["result"] == "incomplete"
    assert "is not a new page of" in view["recount"]["differences"]["ballots"]


def _chain_documents(count: int) -> list[dict[str, Any]]:
    """``count`` LedgerEntry documents of one pool, hash-chained as the pool books them."""
    pool = "https://remote.example/pools/garden"
    ledger = Ledger("EUR")
    documents = []
    for n in range(1, count + 1):
        ledger = ledger.apply(Transaction(
            f"{pool}/ledger/{n}", datetime(2025, 3, n, tzinfo=UTC), EntryKind.DONATION, "EUR",
            (Posting("fund", 100 * n), Posting("external:friend", -100 * n))))
        documents.append(ledger_entry_document(ledger.entries[-1], pool, n))
    return documents


def test_a_remote_ledger_is_replayed_into_one_hash_chain() -> None:
    documents = _chain_documents(3)
    assert ledger_chain(documents) == {"state": "verified", "through": 3,
                                       "head": documents[-1]["entryHash"], "fund": 600}
    assert ledger_chain([]) == {"state": "verified", "through": 0, "head": "0" * 64, "fund": 0}
    # Entry 2 not (yet) received: entry 1 is verified, the rest waits for it.
    gap = ledger_chain([documents[0], documents[2]])
    assert (gap["state"], gap["through"], gap["missing"], gap["fund"]) == ("incomplete", 1, 2, 100)
    # An entry altered after signing no longer matches its hash, nor the next one's link.
    altered = copy.deepcopy(documents)
    altered[1]["postings"] = [{"account": "fund", "amount": 9999},
                              {"account": "external:friend", "amount": -9999}]
    broken = ledger_chain(altered)
    assert broken["state"] == "broken" and "altered" in broken["problem"]
    relinked = copy.deepcopy(documents)
    relinked[2]["previousHash"] = "1" * 64
    assert "does not follow the chain" in ledger_chain(relinked)["problem"]
