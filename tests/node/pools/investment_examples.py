"""The investment examples of docs/PROTOCOL.md, built by the real wire code (fixed keys, times).

commons (on b) passes ana's proposal to buy a cargo bike for EUR 1,000.01: EUR 250.00 from the
fund, the rest called from ana and bo (EUR 375.01 and EUR 375.00: the odd cent to the smaller id).
bo, a treasurer, records ana's payment toward the call; the pool books it and serves the call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from governance import Bylaws, Investment, Ledger, Roster, donation, open_proposal
from governance.capital_call import CapitalCall, call_payment, call_status, commit_from_fund
from node.assets.investment import CallView, call_document
from node.storage import ActorRecord, StoredCall
from node.wire import ledger_entry_document, proposal_document, sign_document
from schemas import OBJECT_CONTEXT

__all__ = ["investment_examples"]

B = "https://b.example"
POOL = B + "/pools/commons"
BIKE = POOL + "/proposals/6d1f0e2a-8c4b-4a7e-b3d5-2e9f1a0c7b64"


def investment_examples(pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster,
                        bylaws: Bylaws, activity: Any) -> dict[str, dict[str, Any]]:
    """Every investment example, by name; ``activity`` wraps an object as protocol_examples does."""
    from tests.node.pools.protocol_examples import AT

    out: dict[str, dict[str, Any]] = {}
    motion = Investment("Cargo bike", "vehicle", "owned", ana.uri, 100_001, "EUR", 25_000, 1_500,
                        "A bike with a box for the market runs.")
    proposal = open_proposal(id=BIKE, author=ana.uri, title="Buy a cargo bike", motion=motion,
                             bylaws=bylaws, electorate=roster.electorate(), opens_at=AT)
    out["investment-proposal"] = sign_document(
        proposal_document(proposal, POOL, "2025-03-01T12:00:00Z"), pool, AT)
    closes = proposal.rule.closes_at
    ledger = Ledger("EUR")
    ledger = ledger.apply(donation(POOL + "/ledger/1", AT, ledger, "Market stall", 30_000,
                                   by=bo.uri, roster=roster))
    ledger = ledger.apply(commit_from_fund(POOL + "/ledger/2", closes, ledger, proposal, ledger.fund))
    call = CapitalCall.of(proposal, roster.members())
    request = {"@context": OBJECT_CONTEXT, "id": B + "/objects/request-7", "type": "LedgerEntry",
               "attributedTo": bo.uri, "pool": POOL, "entryKind": "call_payment",
               "proposal": BIKE, "person": ana.uri, "amount": call.due(ana.uri),
               "reference": "bank transfer 31", "to": [POOL], "published": "2025-03-09T09:00:00Z"}
    out["create-call-payment"] = activity("Create", bo.uri, sign_document(request, bo, AT),
                                          [POOL], "create-request-7")
    paid = closes + timedelta(hours=21)
    ledger = ledger.apply(call_payment(POOL + "/ledger/3", paid, ledger, call, ana.uri,
                                       call.due(ana.uri), by=bo.uri, roster=roster,
                                       reference="bank transfer 31"))
    out["call-payment-entry"] = sign_document(ledger_entry_document(ledger.entries[-1], POOL, 3),
                                              pool, paid)
    stored = StoredCall(1, 1, BIKE, call.amount, "open", "2025-03-08T12:00:00Z", None, None,
                        call.dues)
    out["capital-call"] = call_document(
        CallView(stored, proposal, call_status(call, ledger), "EUR", ledger.committed(BIKE)), POOL)
    return out
