"""The examples in docs/PROTOCOL.md, built by the real wire code with fixed keys and times.

``python -m tests.node.pools.protocol_examples`` rewrites every ``<!-- example:NAME -->``
block of docs/PROTOCOL.md; test_protocol_examples.py fails when the document is stale.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_to_multibase, private_key_to_pem
from governance import (
    Ballot,
    Bylaws,
    Disbursement,
    Ledger,
    Roster,
    commit_disbursement,
    contribution,
    electorate_digest,
    open_proposal,
    owe_refund,
    tally,
)
from node.pool_engine.common import iso
from node.storage import ActorRecord
from node.wire import (
    attested_ballot_document,
    ballot_document,
    electorate_document,
    ledger_entry_document,
    proposal_document,
    question_document,
    sign_document,
    tally_document,
)
from node.wire.floods import (
    attestation_document,
    document_key,
    flood_document,
    flood_electorate_document,
    flood_proposal_document,
    follow_reference,
    link_activity,
    recount,
)
from schemas import ACTOR_CONTEXT, AS_CONTEXT_URL, OBJECT_CONTEXT
from tests.node.pools.asset_examples import asset_examples
from tests.node.pools.budget_examples import budget_examples
from tests.node.pools.investment_examples import investment_examples
from tests.node.pools.shares_examples import share_examples

DOC = Path(__file__).resolve().parents[3] / "docs" / "PROTOCOL.md"
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
B = "https://b.example"
A = "https://a.example"
POOL = B + "/pools/commons"
PROPOSAL = POOL + "/proposals/7d1f5a9e-3c2b-4e8f-9a61-0b2c4d6e8f10"


def _actor(uri: str, seed: int) -> ActorRecord:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return ActorRecord(seed, uri.rsplit("/", 1)[1], "member", uri, "", "", False, "", "",
                       private_key_to_pem(key), ed25519_public_to_multibase(key.public_key()),
                       "2025-01-01T00:00:00Z")


def _activity(kind: str, actor: str, obj: Any, to: list[str], key: str, **extra: Any) -> dict[str, Any]:
    return {"@context": ACTOR_CONTEXT if actor == POOL else AS_CONTEXT_URL,
            "id": f"{actor.split('/pools/')[0].split('/users/')[0]}/activities/{key}",
            "type": kind, "actor": actor, "object": obj, "to": to,
            "published": "2025-03-01T12:00:00Z", **extra}


def examples() -> dict[str, dict[str, Any]]:
    """Every example, by name, exactly as the node builds and signs it."""
    pool, ana, bo = _actor(POOL, 1), _actor(A + "/users/ana", 2), _actor(B + "/users/bo", 3)
    out: dict[str, dict[str, Any]] = {}
    join = _activity("Join", ana.uri, POOL, [POOL], "join-1",
                     sharePayment={"type": "Object", "amount": 2500, "currency": "EUR",
                                   "reference": "bank transfer 2025-03-01"})
    out["join"] = join
    # Accept/Reject of a Join go out through node.delivery.replies.reply (plain AS2 context).
    out["accept-join"] = {**_activity("Accept", POOL, join["id"], [ana.uri], "accept-1"),
                          "@context": AS_CONTEXT_URL}
    out["reject"] = _activity("Reject", POOL, A + "/activities/create-ballot-9", [ana.uri],
                              "reject-1", cc=[],
                              summary="proof rejected: proof does not verify")
    out["leave"] = _activity("Leave", ana.uri, POOL, [POOL], "leave-1")

    draft = {"@context": OBJECT_CONTEXT, "id": A + "/objects/draft-1", "type": "Proposal",
             "attributedTo": ana.uri, "pool": POOL, "name": "Buy a drill",
             "proposalKind": "disbursement", "amount": 3000, "currency": "EUR",
             "payee": "Tool shop", "purpose": "a shared drill", "to": [POOL],
             "published": "2025-03-01T12:00:00Z"}
    out["create-draft"] = _activity("Create", ana.uri, sign_document(draft, ana, AT), [POOL], "create-draft-1")

    roster = Roster.found([ana.uri, bo.uri], AT - timedelta(days=30))
    bylaws = Bylaws("Commons", "Share tools.", "EUR")
    proposal = open_proposal(id=PROPOSAL, author=ana.uri, title="Buy a drill",
                             motion=Disbursement(3000, "EUR", "Tool shop", "a shared drill"),
                             bylaws=bylaws, electorate=roster.electorate(), opens_at=AT)
    opened = sign_document(proposal_document(proposal, POOL, "2025-03-01T12:00:00Z", thread=True),
                           pool, AT)
    out["create-proposal"] = _activity("Create", POOL, opened, [ana.uri, bo.uri], "create-proposal-1")
    out["electorate"] = sign_document(electorate_document(proposal, POOL, "2025-03-01T12:00:00Z"), pool, AT)

    cast = AT + timedelta(hours=1)
    ballot = Ballot(A + "/objects/ballot-1", PROPOSAL, ana.uri, cast, ("agree",), 1)
    signed_ballot = sign_document(ballot_document(ballot, POOL), ana, cast)
    out["create-ballot"] = _activity("Create", ana.uri, signed_ballot, [POOL], "create-ballot-1")

    question = question_document(proposal, POOL, "2025-03-01T12:00:00Z", None, None)
    out["create-question"] = _activity("Create", POOL, question, [], "create-question-1",
                                       cc=[POOL + "/followers"])
    note = {"id": "https://mastodon.example/users/mo/statuses/1", "type": "Note",
            "attributedTo": "https://mastodon.example/users/mo", "name": "agree",
            "inReplyTo": PROPOSAL + "/question", "to": [POOL]}
    out["poll-reply"] = {"@context": AS_CONTEXT_URL,
                         "id": "https://mastodon.example/users/mo/statuses/1/activity",
                         "type": "Create", "actor": "https://mastodon.example/users/mo",
                         "object": note, "to": [POOL]}
    mo_ballot = Ballot(note["id"], PROPOSAL, note["attributedTo"], cast, ("agree",), 1)
    out["attested-ballot"] = sign_document(attested_ballot_document(mo_ballot, POOL, note["id"]), pool, cast)
    # Three replies to an approval (anyOf) poll: the third reply's ballot has all three options.
    approval = POOL + "/proposals/0b5e2f7a-8c41-4d2e-b3a6-5f9d1c7e2a40"
    replies = [f"https://mastodon.example/users/mo/statuses/{n}" for n in (11, 12, 13)]
    merged = Ballot(replies[-1], approval, note["attributedTo"], cast, ("red", "green", "blue"), 3)
    out["attested-ballot-merged"] = sign_document(
        attested_ballot_document(merged, POOL, replies), pool, cast)

    bo_ballot = Ballot.consent(B + "/objects/ballot-2", PROPOSAL, bo.uri, cast, "agree")
    closes = proposal.rule.closes_at
    # A running Tally while the vote goes on: the counts and the digest of the one ballot so far.
    counted = cast + timedelta(seconds=1)
    first = tally(proposal.rule, proposal.electorate, [ballot])
    running = sign_document(tally_document(first, POOL, [ballot.id], final=False,
                                           updated=iso(counted)), pool, counted)
    out["update-running-tally"] = _activity("Update", POOL, running, [POOL + "/members"],
                                            "update-tally-0", cc=[POOL + "/followers"])
    result = tally(proposal.rule, proposal.electorate, [ballot, bo_ballot])
    final = sign_document(tally_document(result, POOL, [ballot.id, bo_ballot.id], final=True,
                                         updated="2025-03-08T12:00:00Z"), pool, closes)
    out["update-tally"] = _activity("Update", POOL, final, [ana.uri, bo.uri], "update-tally-1",
                                    cc=[POOL + "/followers"])

    request = {"@context": OBJECT_CONTEXT, "id": B + "/objects/request-1", "type": "LedgerEntry",
               "attributedTo": bo.uri, "pool": POOL, "entryKind": "contribution",
               "person": ana.uri, "amount": 5000, "reference": "bank transfer 17",
               "to": [POOL], "published": "2025-03-01T12:00:00Z"}
    out["create-ledger-request"] = _activity("Create", bo.uri, sign_document(request, bo, AT),
                                             [POOL], "create-request-1")
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution(POOL + "/ledger/1", AT, ledger, ana.uri, 5000,
                                       by=bo.uri, roster=roster))
    first = sign_document(ledger_entry_document(ledger.entries[-1], POOL, 1), pool, AT)
    ledger = ledger.apply(commit_disbursement(POOL + "/ledger/2", closes, ledger, proposal, result, 3000))
    out["ledger-entry"] = first
    out["create-ledger-entry"] = _activity(
        "Create", POOL, sign_document(ledger_entry_document(ledger.entries[-1], POOL, 2), pool, closes),
        [ana.uri, bo.uri], "create-entry-2", cc=[POOL + "/followers"])
    release_request = {**request, "id": B + "/objects/request-2", "entryKind": "release",
                       "proposal": PROPOSAL, "amount": 500}
    del release_request["person"], release_request["reference"]
    out["release-request"] = sign_document(release_request, bo, AT)
    out["effect"] = {"@context": OBJECT_CONTEXT, "id": PROPOSAL + "/effect", "type": "Effect",
                     "pool": POOL, "proposal": PROPOSAL, "outcome": "passed",
                     "effect": "waiting_funds",
                     "effectReason": "the free fund does not cover it yet",
                     "effectSince": "2025-03-08T12:00:00Z"}
    left = roster.leave(ana.uri, closes)
    ledger = ledger.apply(owe_refund(POOL + "/ledger/3", closes, ledger, ana.uri, left))
    out["refund-owed-entry"] = sign_document(ledger_entry_document(ledger.entries[-1], POOL, 3),
                                             pool, closes)
    out.update(flood_examples(pool, ana, bo, roster, bylaws))
    out.update(budget_examples(pool, ana, bo, roster, bylaws, _activity))
    out.update(asset_examples(pool, ana, bo, roster, bylaws, _activity))
    out.update(share_examples(pool, ana, bo, roster, bylaws, _activity))
    out.update(investment_examples(pool, ana, bo, roster, bylaws, _activity))
    from tests.node.discussion.protocol_examples import discussion_examples

    out.update(discussion_examples())
    from tests.node.notifications.protocol_examples import notification_examples

    out.update(notification_examples())
    from tests.node.witness.protocol_examples import witness_examples

    out.update(witness_examples())
    return out


C = "https://c.example"
RIVER = C + "/pools/river"
FLOOD = POOL + "/floods/delta"
FLOOD_PROPOSAL = POOL + "/floods/proposals/2b7e9c41-5d3a-4f60-8e12-9a4b6c8d0e21"


def _pool_activity(kind: str, pool: str, obj: Any, to: list[str], key: str) -> dict[str, Any]:
    """An activity as ``node.pool_engine.common.publish`` sends it to the other pools of a flood."""
    return {"@context": ACTOR_CONTEXT, "id": f"{pool.split('/pools/')[0]}/activities/{key}",
            "type": kind, "actor": pool, "object": obj, "to": to, "cc": [],
            "published": "2025-03-01T12:00:00Z"}


def flood_examples(pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster,
                   bylaws: Bylaws) -> dict[str, dict[str, Any]]:
    """The flood examples: commons (on b) and river (on c) in the flood 'delta'; ana is in both."""
    return _flood(pool, ana, bo, roster, bylaws)[0]


def flood_inputs() -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The example's signed inputs a third party fetches: proposal, electorates, ballots."""
    ana, bo = _actor(A + "/users/ana", 2), _actor(B + "/users/bo", 3)
    roster = Roster.found([ana.uri, bo.uri], AT - timedelta(days=30))
    return _flood(_actor(POOL, 1), ana, bo, roster, Bylaws("Commons", "Share tools.", "EUR"))[1]


def _flood(
    pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster, bylaws: Bylaws,
) -> tuple[dict[str, dict[str, Any]], tuple[dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]]]]:
    river, cy = _actor(RIVER, 4), _actor(C + "/users/cy", 5)
    published = "2025-03-01T12:00:00Z"
    out: dict[str, dict[str, Any]] = {}
    follow = link_activity(C + "/activities/follow-1", "Follow", RIVER, POOL, POOL, published)
    out["flood-follow"] = follow
    out["flood-accept-follow"] = link_activity(
        B + "/activities/accept-follow-1", "Accept", POOL, follow_reference(follow["id"], RIVER, POOL),
        RIVER, published)
    out["flood"] = flood_document(FLOOD, "delta", POOL, [POOL, RIVER])

    opened = open_proposal(id=FLOOD_PROPOSAL, author=ana.uri, title="Shared van",
                           motion=Disbursement(1000, "EUR", "Van rental", "a van for both pools"),
                           bylaws=bylaws, electorate=roster.electorate(), opens_at=AT)
    document = sign_document(flood_proposal_document(
        proposal_document(opened, POOL, published), FLOOD, [POOL, RIVER], False,
        f"{POOL}/floods/electorates/{document_key(FLOOD_PROPOSAL)}"), pool, AT)
    out["announce-flood-proposal"] = _pool_activity("Announce", POOL, document, [RIVER],
                                                    "announce-proposal-1")
    ours = sorted([ana.uri, bo.uri])
    theirs = sorted([ana.uri, cy.uri])
    electorates = {
        POOL: sign_document(flood_electorate_document(
            FLOOD_PROPOSAL, FLOOD, POOL, ours, electorate_digest(ours), 6000, published), pool, AT),
        RIVER: sign_document(flood_electorate_document(
            FLOOD_PROPOSAL, FLOOD, RIVER, theirs, electorate_digest(theirs), 3000, published), river, AT),
    }
    out["create-flood-electorate"] = _pool_activity("Create", RIVER, electorates[RIVER], [POOL],
                                                    "create-electorate-1")

    cast = AT + timedelta(hours=1)
    votes = [(ana, POOL, "objects/ballot-3", "agree"), (bo, POOL, "objects/ballot-4", "agree"),
             (cy, RIVER, "objects/ballot-5", "disagree")]
    ballots = [Ballot.consent(f"{voter.uri.split('/users/')[0]}/{key}", FLOOD_PROPOSAL, voter.uri,
                              cast, choice) for voter, _, key, choice in votes]
    signed_ballots = [sign_document(ballot_document(b, via), voter, cast)
                      for b, (voter, via, _, _) in zip(ballots, votes, strict=True)]
    out["announce-flood-ballot"] = _pool_activity("Announce", RIVER, signed_ballots[2], [POOL],
                                                  "announce-ballot-1")
    # commons accepted ana's and bo's ballots within one relay window: one Announce lists both.
    out["announce-flood-ballots"] = _pool_activity("Announce", POOL, signed_ballots[:2], [RIVER],
                                                   "announce-ballots-1")

    closes = opened.rule.closes_at
    counted = recount(document, electorates, ballots, final=True)
    assert counted is not None
    _, summary, ids = counted
    attestation = sign_document(attestation_document(POOL, summary, ids, iso(closes)),
                                pool, closes)
    out["create-attestation"] = _pool_activity("Create", POOL, attestation, [RIVER],
                                               "create-attestation-1")
    # river leaves: it withdraws its follow of commons and drops commons' follow of it.
    out["flood-undo-follow"] = link_activity(
        C + "/activities/undo-follow-1", "Undo", RIVER, follow_reference(follow["id"], RIVER, POOL),
        POOL, published)
    out["flood-reject-follow"] = link_activity(
        C + "/activities/reject-follow-1", "Reject", RIVER,
        follow_reference(B + "/activities/follow-2", POOL, RIVER), POOL, published)
    return out, (document, electorates, signed_ballots)


_BLOCK = re.compile(r"(<!-- example:([a-z-]+) -->\n```json\n)(.*?)(\n```)", re.S)


def render(text: str) -> str:
    """``text`` with every example block replaced by the generated example."""
    found = examples()
    return _BLOCK.sub(lambda m: m[1] + json.dumps(found[m[2]], indent=2, ensure_ascii=False) + m[4], text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text("utf-8")), "utf-8")
