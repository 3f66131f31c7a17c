"""Posting governance activities through a member's outbox, and reading what the pool publishes."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_to_multibase
from federation.proofs import create_proof
from governance import Ballot
from node.appkeys import OBJECTS
from node.pool_engine import UNSIGNED_BALLOTS
from node.pool_engine.common import iso, store
from node.storage import StoredProposal
from schemas import OBJECT_CONTEXT
from tests.conftest import BASE_URL
from tests.node.inbox_helpers import FakeActor, FakeRemote

POOL = BASE_URL + "/pools/commons"
AP = "application/activity+json"


async def post(client: Any, user: str, token: str, body: dict[str, Any]) -> Any:
    return await client.post(f"/users/{user}/outbox", json=body,
                             headers={"Authorization": f"Bearer {token}"})


async def get(client: Any, path: str) -> dict[str, Any]:
    resp = await client.get(path.removeprefix(BASE_URL), headers={"Accept": AP})
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json(content_type=None)
    return data


async def signed_tally(client: Any, proposal: str) -> dict[str, Any]:
    """The proposal's Tally once it counts every ballot stored before the call: a running one
    is signed by the running-tally clock within its interval, never by this read
    (docs/PROTOCOL.md, "Running tallies"), so this reads until the served one is not behind."""
    async with asyncio.timeout(60):
        while True:
            resp = await client.get(proposal.removeprefix(BASE_URL) + "/tally", headers={"Accept": AP})
            assert resp.status == 200, await resp.text()
            data: dict[str, Any] = await resp.json(content_type=None)
            if resp.headers.get(UNSIGNED_BALLOTS, "0") == "0":
                return data
            await asyncio.sleep(0.02)


async def published_tally(client: Any, proposal: str) -> dict[str, Any]:
    """``signed_tally``, once that Tally is also published (the clock publishes just after it
    stores one): nothing of the clock's round is still under way for it."""
    from node.storage.running_tallies import RunningTallyStore

    row = await store(client.app).proposal_row_id(proposal)
    assert row is not None
    async with asyncio.timeout(60):
        while True:
            current = await signed_tally(client, proposal)
            mark = await RunningTallyStore(store(client.app).db).mark(row)
            if mark is not None and mark.published_row == mark.ballot_row:
                return current
            await asyncio.sleep(0.02)


async def tally_updates(client: Any, pool_id: int) -> list[dict[str, Any]]:
    """The pool's published Update(Tally) activities, newest first."""
    objects = client.app[OBJECTS]
    page = await objects.collection_page(pool_id, "outbox", before=None, limit=1000)
    documents = await objects.documents(page.items)
    return [d for d in (documents[uri] for uri in page.items if uri in documents)
            if d["type"] == "Update" and isinstance(d["object"], dict)
            and d["object"].get("type") == "Tally"]


async def proposals(client: Any) -> list[dict[str, Any]]:
    return (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]


async def propose(client: Any, user: str, token: str, **fields: Any) -> dict[str, Any]:
    draft = {"type": "Proposal", "pool": POOL, "name": "Buy a drill", **fields}
    resp = await post(client, user, token, draft)
    assert resp.status == 201, await resp.text()
    return (await proposals(client))[0]


async def vote(client: Any, user: str, token: str, proposal: str, *choice: str) -> Any:
    return await post(client, user, token, {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                            "choice": list(choice)})


async def pass_bylaws_change(client: Any, node: Any, name: str,
                             bylaws: dict[str, Any]) -> dict[str, Any]:
    """The admin proposes ``bylaws`` (a whole Bylaws dict), both members agree, it closes."""
    from node.pool_engine import close_due

    proposal = await propose(client, "admin", node.admin_token, name=name,
                             proposalKind="bylaws_change", proposedBylaws=bylaws)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes) == [proposal["id"]]
    return proposal


async def stored_proposal(client: Any, proposal: dict[str, Any]) -> StoredProposal:
    """The stored row of a proposal the pool opened."""
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None
    return stored


async def add_ballot(client: Any, stored: StoredProposal, ballot: Ballot) -> int:
    """Store a ballot through the storage layer, as the pool does once it accepted it; its row."""
    document = {"id": ballot.id, "type": "Ballot", "proposal": ballot.proposal_id,
                "attributedTo": ballot.voter, "choice": list(ballot.choice)}
    row = await store(client.app).add_ballot(
        stored.id, uri=ballot.id, voter_uri=ballot.voter,
        cast_at=iso(ballot.cast_at), ballot=ballot.to_dict(), document=document, attested_by=None,
        received_at=iso(ballot.cast_at), sequence=ballot.sequence)
    assert row is not None
    return row


async def seed_ballots(client: Any, node: Any, count: int) -> tuple[dict[str, Any], StoredProposal]:
    """A new proposal with ``count`` consent ballots, admin and alice in turn, a second apart."""
    proposal = await propose(client, "admin", node.admin_token)
    stored = await stored_proposal(client, proposal)
    opens = datetime.fromisoformat(proposal["opensAt"].replace("Z", "+00:00"))
    voters = [node.admin.uri, node.alice.uri]
    for n in range(count):
        await add_ballot(client, stored, Ballot.consent(
            f"{voters[n % 2]}/ballots/{n}", proposal["id"], voters[n % 2],
            opens + timedelta(seconds=n), ("agree", "disagree", "abstain")[n % 3]))
    return proposal, stored


@dataclass
class ProofActor(FakeActor):
    """A remote Person that also publishes an Ed25519 assertionMethod (FEP-521a)."""

    proof_key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)

    def document(self) -> dict[str, Any]:
        doc = super().document()
        doc["assertionMethod"] = [{
            "id": self.uri + "#ed25519-key", "type": "Multikey", "controller": self.uri,
            "publicKeyMultibase": ed25519_public_to_multibase(self.proof_key.public_key()),
        }]
        return doc

    def ballot(self, proposal: str, *choice: str, later: int = 0,
               sequence: int | None = None) -> dict[str, Any]:
        cast = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=later)
        doc = {"@context": OBJECT_CONTEXT, "id": f"{self.uri}/ballots/{uuid.uuid4()}",
               "type": "Ballot", "attributedTo": self.uri, "pool": POOL, "proposal": proposal,
               "choice": list(choice), "to": [POOL],
               "published": cast.isoformat().replace("+00:00", "Z")}
        if sequence is not None:
            doc["sequence"] = sequence
        return create_proof(doc, self.proof_key, self.uri + "#ed25519-key", datetime.now(UTC))


def proof_person(remote: FakeRemote, name: str) -> ProofActor:
    """A ProofActor served by the fake remote server."""
    actor = ProofActor(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor
