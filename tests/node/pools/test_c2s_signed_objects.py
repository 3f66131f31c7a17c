"""Governance objects through C2S: the context the node signs with, proofs made by other
implementations (Fedify's form, a context extended after signing), and the refusal's code."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.canonical import canonicalize
from federation.keys import b58encode, load_private_key_pem
from federation.proofs import create_proof
from node.pool_engine.common import key_lookup, store
from node.storage import ActorRecord
from node.wire import check_document, verify_author_proof
from schemas import OBJECT_CONTEXT
from tests.conftest import BASE_URL
from tests.node.pools.helpers import POOL, get, post, propose, signed_tally, vote

pytestmark = pytest.mark.both_backends

AP = "application/activity+json"


async def _ballots(client: Any, proposal: str) -> list[Any]:
    stored = await store(client.app).proposal(proposal)
    assert stored is not None
    return list(await store(client.app).ballots(stored.id))


def _key(actor: ActorRecord) -> ed25519.Ed25519PrivateKey:
    key = load_private_key_pem(actor.ed25519_private_pem)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


def _ballot(actor: ActorRecord, proposal: str, key: str) -> dict[str, Any]:
    return {
        "@context": OBJECT_CONTEXT,
        "id": f"{BASE_URL}/objects/{key}",
        "type": "Ballot",
        "attributedTo": actor.uri,
        "pool": POOL,
        "proposal": proposal,
        "inReplyTo": proposal,
        "choice": ["agree"],
        "published": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": [POOL],
    }


def _fedify_signed(document: dict[str, Any], actor: ActorRecord) -> dict[str, Any]:
    """Signed as Fedify's createProof signs: the proof configuration is hashed with the
    document's @context, and the proof is sent without one (tests/fixtures/fedify)."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": actor.proof_key_id,
        "proofPurpose": "assertionMethod",
        "created": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    config = {"@context": document["@context"], **options}
    hash_data = (
        hashlib.sha256(canonicalize(config)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )
    proof = {**options, "proofValue": "z" + b58encode(_key(actor).sign(hash_data))}
    return {**document, "proof": proof}


# --------------------------------------------------------------------------- item 14: @context


@pytest.mark.parametrize("posted_context", [None, "https://www.w3.org/ns/activitystreams"])
async def test_governance_objects_are_signed_with_the_documented_context(
    client, node, posted_context: str | None  # type: ignore[no-untyped-def]
) -> None:
    extra = {} if posted_context is None else {"@context": posted_context}
    draft = await post(client, "alice", node.alice_token,
                       {**extra, "type": "Proposal", "pool": POOL, "name": "A drill"})
    assert draft.status == 201, await draft.text()
    proposal = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"][0]
    ballot = await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    request = await post(client, "admin", node.admin_token,
                         {**extra, "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                          "person": node.alice.uri, "amount": 500, "reference": "bank 1"})
    assert ballot.status == 201 and request.status == 201
    for resp, author in ((draft, node.alice), (ballot, node.alice), (request, node.admin)):
        signed = (await resp.json())["object"]
        served = await get(client, signed["id"])
        assert served == signed
        assert served["@context"] == OBJECT_CONTEXT
        assert served["proof"]["@context"] == OBJECT_CONTEXT
        await verify_author_proof(served, author.uri, lambda m: key_lookup(client.app, m))


async def test_client_context_additions_are_kept_after_the_documented_three(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    extension = {"note": "https://example.org/ns#note"}
    resp = await post(client, "alice", node.alice_token, {
        "@context": ["https://www.w3.org/ns/activitystreams", extension],
        "type": "Ballot", "pool": POOL, "proposal": proposal["id"], "choice": ["agree"],
    })
    assert resp.status == 201, await resp.text()
    signed = (await resp.json())["object"]
    assert signed["@context"] == [*OBJECT_CONTEXT, extension]
    bad = await post(client, "alice", node.alice_token, {
        "@context": ["https://www.w3.org/ns/activitystreams", 7],
        "type": "Ballot", "pool": POOL, "proposal": proposal["id"], "choice": ["disagree"],
    })
    assert bad.status == 400 and (await bad.json())["code"] == "invalid_request"
    assert [b.uri for b in await _ballots(client, proposal["id"])] == [signed["id"]]


# --------------------------------------------------------------------------- item 13 through C2S


async def test_a_fedify_signed_ballot_is_accepted(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    ballot = _fedify_signed(_ballot(node.alice, proposal["id"], "fedify-1"), node.alice)
    assert "@context" not in ballot["proof"]
    resp = await post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["object"] == ballot  # kept byte for byte
    assert [b.uri for b in await _ballots(client, proposal["id"])] == [ballot["id"]]
    tally = await signed_tally(client, proposal["id"])
    assert tally["counts"]["agree"] == 1

    altered = copy.deepcopy(ballot)
    altered["id"] += "-2"
    refused = await post(client, "alice", node.alice_token, {"type": "Create", "object": altered})
    assert refused.status == 422
    assert (await refused.json())["code"] == "proof_rejected"


async def test_a_ballot_whose_context_was_extended_after_signing_is_accepted(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    document = _ballot(node.alice, proposal["id"], "extended-1")
    signed = create_proof({**document, "@context": OBJECT_CONTEXT[:2]}, _key(node.alice),
                          node.alice.proof_key_id, datetime.now(UTC))
    extended = {**signed, "@context": OBJECT_CONTEXT}
    check_document("ballot", extended)
    resp = await post(client, "alice", node.alice_token, {"type": "Create", "object": extended})
    assert resp.status == 201, await resp.text()
    assert [b.uri for b in await _ballots(client, proposal["id"])] == [extended["id"]]


# --------------------------------------------------------------------------- item 14: error code


async def test_an_altered_self_signed_ballot_is_refused_with_a_code(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    signed = (await (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).json())["object"]
    altered = {**copy.deepcopy(signed), "id": signed["id"] + "x", "choice": ["block"]}
    resp = await post(client, "alice", node.alice_token, {"type": "Create", "object": altered})
    assert resp.status == 422
    assert await resp.json() == {
        "error": "proof rejected: proof does not verify",
        "code": "proof_rejected",
    }
    assert [b.uri for b in await _ballots(client, proposal["id"])] == [signed["id"]]
    missing = await client.get(altered["id"].removeprefix(BASE_URL), headers={"Accept": AP})
    assert missing.status == 404
