"""Governance documents on the wire: round trips, schema checks, proofs and tampering."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_from_multibase, generate_actor_keys
from governance import (
    Ballot,
    Bylaws,
    Disbursement,
    Ledger,
    Roster,
    contribution,
    open_proposal,
    tally,
)
from node.storage import ActorRecord
from node.wire import (
    InvalidDocument,
    ballot_document,
    ballot_from_document,
    check_document,
    draft_from_document,
    electorate_document,
    ledger_entry_document,
    proposal_document,
    proposal_from_documents,
    question_document,
    replay_documents,
    sign_document,
    tally_document,
    verify_author_proof,
)
from node.wire.errors import ProofRejected
from node.wire.proofs import KeyLookup

pytestmark = pytest.mark.both_backends

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POOL = "http://b.test/pools/commons"


def actor(uri: str) -> ActorRecord:
    keys = generate_actor_keys()
    return ActorRecord(1, uri.rsplit("/", 1)[1], "member", uri, "", "", False,
                       keys.rsa_private_pem, keys.rsa_public_pem, keys.ed25519_private_pem,
                       keys.ed25519_public_multibase, "2025-01-01T00:00:00Z")


def lookup_for(*actors: ActorRecord) -> KeyLookup:
    async def lookup(method: str) -> tuple[str, ed25519.Ed25519PublicKey]:
        for a in actors:
            if a.proof_key_id == method:
                key = ed25519_public_from_multibase(a.ed25519_public_multibase)
                assert isinstance(key, ed25519.Ed25519PublicKey)
                return a.uri, key
        raise LookupError(method)

    return lookup


@pytest.fixture(scope="module")
def people() -> tuple[ActorRecord, ActorRecord, ActorRecord]:
    return actor(POOL), actor("http://a.test/users/ana"), actor("http://b.test/users/bo")


def opened(people):  # type: ignore[no-untyped-def]
    _pool, ana, bo = people
    roster = Roster.found([ana.uri, bo.uri], AT)
    motion = Disbursement(5000, "EUR", "Tool shop", "a drill")
    return open_proposal(id=POOL + "/proposals/1", author=ana.uri, title="Buy a drill",
                         motion=motion, bylaws=Bylaws("Commons", "", "EUR"),
                         electorate=roster.electorate(), opens_at=AT)


async def test_proposal_round_trip_and_schema(people) -> None:  # type: ignore[no-untyped-def]
    pool = people[0]
    proposal = opened(people)
    doc = sign_document(proposal_document(proposal, POOL, "2025-03-01T12:00:00Z"), pool, AT)
    electorate = sign_document(electorate_document(proposal, POOL, "2025-03-01T12:00:00Z"), pool, AT)
    check_document("proposal", doc)
    check_document("electorate", electorate)
    assert proposal_from_documents(doc, electorate) == proposal
    await verify_author_proof(doc, POOL, lookup_for(pool))
    question = question_document(proposal, POOL, "2025-03-01T12:00:00Z", None, None)
    assert [o["name"] for o in question["oneOf"]] == ["agree", "abstain", "disagree", "block"]
    assert question["endTime"] == "2025-03-08T12:00:00Z"


def test_draft_needs_disbursement_fields() -> None:
    draft = {"id": "http://a.test/objects/1", "type": "Proposal", "attributedTo": "http://a.test/users/ana",
             "pool": POOL, "name": "Buy", "proposalKind": "disbursement", "amount": 10}
    with pytest.raises(InvalidDocument, match=r"\$: 'currency' is a required property"):
        check_document("proposal", draft)
    draft.update(currency="EUR", payee="Shop")
    assert draft_from_document(check_document("proposal", draft)).motion == Disbursement(10, "EUR", "Shop", "")


async def test_ballot_proof_round_trip_and_tamper(people) -> None:  # type: ignore[no-untyped-def]
    _, ana, bo = people
    ballot = Ballot.consent("http://a.test/objects/b1", POOL + "/proposals/1", ana.uri, AT, "agree")
    signed = sign_document(ballot_document(ballot, POOL), ana, AT)
    check_document("ballot", signed)
    assert ballot_from_document(signed) == ballot
    await verify_author_proof(signed, ana.uri, lookup_for(ana, bo))
    forged = copy.deepcopy(signed)
    forged["choice"] = ["disagree"]
    with pytest.raises(ProofRejected, match="does not verify"):
        await verify_author_proof(forged, ana.uri, lookup_for(ana, bo))
    by_other = sign_document(ballot_document(ballot, POOL), bo, AT)
    with pytest.raises(ProofRejected, match="not the author's"):
        await verify_author_proof(by_other, ana.uri, lookup_for(ana, bo))


def test_tally_document_matches_schema(people) -> None:  # type: ignore[no-untyped-def]
    pool, ana, _ = people
    proposal = opened(people)
    ballot = Ballot.consent("http://a.test/objects/b1", proposal.id, ana.uri, AT, "agree")
    result = tally(proposal.rule, proposal.electorate, [ballot])
    doc = sign_document(tally_document(result, POOL, [ballot.id], final=False,
                                       updated="2025-03-01T12:00:00Z"), pool, AT)
    check_document("tally", doc)
    assert doc["counts"]["agree"] == 1 and doc["participation"] == 1


def test_ledger_documents_replay_and_detect_tampering(people) -> None:  # type: ignore[no-untyped-def]
    pool, ana, _ = people
    roster = Roster.found([ana.uri], AT)
    ledger = Ledger("EUR")
    docs = []
    for n in (1, 2):
        tx = contribution(f"{POOL}/ledger/{n}", AT + timedelta(minutes=n), ledger, ana.uri,
                          1000 * n, by=ana.uri, roster=roster)
        ledger = ledger.apply(tx)
        docs.append(sign_document(ledger_entry_document(ledger.entries[-1], POOL, n), pool, AT))
    for doc in docs:
        check_document("ledger-entry", doc)
    assert replay_documents("EUR", reversed(docs)).fund == 3000
    docs[0]["postings"][0]["amount"] = 999
    docs[0]["postings"][1]["amount"] = -999
    with pytest.raises(Exception, match="altered"):
        replay_documents("EUR", docs)


def test_schemas_are_bundled(tmp_path: Path) -> None:
    from schemas import SCHEMA_NAMES

    assert {"proposal", "ballot", "tally", "ledger-entry", "electorate", "bylaws"} <= set(SCHEMA_NAMES)
