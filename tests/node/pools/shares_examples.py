"""The share and surplus examples of docs/PROTOCOL.md, built by the real wire code (fixed keys,
times): commons (on b) has one share type; ana holds one share, bo owes one; ana proposes to share a surplus
by patronage, which bo, a treasurer, recorded."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from governance import (
    Bylaws,
    Roster,
    ShareType,
    SurplusDistribution,
    SurplusMeasure,
    open_proposal,
)
from governance.shares import ShareRegister, issue_shares, shares_owed
from node.storage import ActorRecord
from node.wire import proposal_document, sign_document
from node.wire.shares import share_register_document
from schemas import OBJECT_CONTEXT

__all__ = ["share_examples"]

B = "https://b.example"
A = "https://a.example"
POOL = B + "/pools/commons"
DISTRIBUTION = POOL + "/proposals/3e8b1c52-6d4f-4a7e-b9c0-2f1a5d7e9c34"


def share_examples(pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster,
                   bylaws: Bylaws, activity: Any) -> dict[str, dict[str, Any]]:
    """Every share and surplus example, by name."""
    from tests.node.pools.protocol_examples import AT

    out: dict[str, dict[str, Any]] = {}
    coop = dataclasses.replace(bylaws, share_types=(ShareType("member share", 2500, 1),),
                               surplus_measure=SurplusMeasure.PATRONAGE)
    issued = issue_shares(coop, ana.uri, "member share", 1, AT - timedelta(days=20),
                          POOL + "/ledger/2")
    register = ShareRegister.replay([issued])
    # bo was admitted before the bylaws declared shares, and has paid in nothing since: due.
    out["share-register"] = share_register_document(register, coop, POOL,
                                                    shares_owed(register, coop, bo.uri, None))

    patronage = {"@context": OBJECT_CONTEXT, "id": B + "/objects/patronage-1", "type": "Patronage",
                 "attributedTo": bo.uri, "pool": POOL, "person": ana.uri, "amount": 4200,
                 "content": "purchases through the shop, March", "to": [POOL],
                 "published": "2025-03-01T12:00:00Z"}
    out["create-patronage"] = activity("Create", bo.uri, sign_document(patronage, bo, AT), [POOL],
                                       "create-patronage-1")

    draft = {"@context": OBJECT_CONTEXT, "id": A + "/objects/draft-surplus-1", "type": "Proposal",
             "attributedTo": ana.uri, "pool": POOL, "name": "Share the 2024 surplus",
             "proposalKind": "surplus", "surplus": 1001, "reserve": 500, "currency": "EUR",
             "purpose": "the year's surplus", "to": [POOL], "published": "2025-03-01T12:00:00Z"}
    out["create-surplus-draft"] = activity("Create", ana.uri, sign_document(draft, ana, AT),
                                           [POOL], "create-surplus-draft-1")
    motion = SurplusDistribution(1001, 500, "EUR", SurplusMeasure.PATRONAGE,
                                 ((ana.uri, 4200), (bo.uri, 1800)), "the year's surplus")
    opened = open_proposal(id=DISTRIBUTION, author=ana.uri, title="Share the 2024 surplus",
                           motion=motion, bylaws=coop, electorate=roster.electorate(),
                           opens_at=AT)
    out["surplus-proposal"] = sign_document(
        proposal_document(opened, POOL, "2025-03-01T12:00:00Z", thread=True), pool, AT)
    return out
