"""The shared asset examples of docs/PROTOCOL.md, built by the real wire code (fixed keys, times).

commons (on b) buys a cargo van for EUR 12,000.00 from a passed disbursement's commitment (the
purchase entry and the pool-signed Asset), kept by ana; ana books it with Create(Event), the
pool publishes the booking's Event, and later its Delete when she cancels it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from governance import (
    Ballot,
    Bylaws,
    Disbursement,
    Ledger,
    Roster,
    commit_disbursement,
    contribution,
    open_proposal,
    tally,
)
from governance.assets import Asset, Depreciation, DepreciationPeriod, book_purchase
from node.assets.documents import asset_document, event_document, tombstone
from node.storage import ActorRecord, StoredBooking
from node.wire import ledger_entry_document, sign_document
from schemas import AS_CONTEXT_URL

__all__ = ["asset_examples"]

B = "https://b.example"
A = "https://a.example"
POOL = B + "/pools/commons"
VAN_PROPOSAL = POOL + "/proposals/2f6c8e1a-4b7d-4c3e-9a05-6d8e0f1b2c3d"
VAN = POOL + "/assets/8a3e5c7b-1d2f-4e6a-9b0c-4f5e6d7c8b9a"
BOOKING = POOL + "/bookings/c4d2e8f1-6a3b-4c5d-8e7f-0a1b2c3d4e5f"


def asset_examples(pool: ActorRecord, ana: ActorRecord, bo: ActorRecord, roster: Roster,
                   bylaws: Bylaws, activity: Any) -> dict[str, dict[str, Any]]:
    """Every shared asset example, by name; ``activity`` wraps an object as protocol_examples does."""
    from tests.node.pools.protocol_examples import AT

    out: dict[str, dict[str, Any]] = {}
    proposal = open_proposal(id=VAN_PROPOSAL, author=ana.uri, title="Buy a cargo van",
                             motion=Disbursement(1_200_000, "EUR", "Van dealer", "a cargo van"),
                             bylaws=bylaws, electorate=roster.electorate(), opens_at=AT)
    closes = proposal.rule.closes_at
    ballots = [Ballot.consent(f"{A}/objects/van-{n}", VAN_PROPOSAL, who, AT + timedelta(hours=1),
                              "agree") for n, who in enumerate((ana.uri, bo.uri))]
    result = tally(proposal.rule, proposal.electorate, ballots)
    ledger = Ledger("EUR")
    ledger = ledger.apply(contribution(POOL + "/ledger/1", AT, ledger, ana.uri, 1_200_000,
                                       by=bo.uri, roster=roster))
    ledger = ledger.apply(commit_disbursement(POOL + "/ledger/2", closes, ledger, proposal, result,
                                              1_200_000))
    paid = closes + timedelta(days=2)
    van = Asset(VAN, "Cargo van", 1_200_000, paid.replace(hour=0), ana.uri,
                Depreciation(25_000, DepreciationPeriod.MONTH))
    ledger = ledger.apply(book_purchase(POOL + "/ledger/3", paid, ledger, van, VAN_PROPOSAL,
                                        reference="invoice 7", by=bo.uri, roster=roster))
    out["asset-purchase"] = sign_document(ledger_entry_document(ledger.entries[-1], POOL, 3), pool,
                                          paid)
    published = "2025-03-10T12:00:00Z"
    out["asset"] = sign_document(asset_document(
        uri=VAN, pool=POOL, asset=van.to_dict(), kind="vehicle", tenure="owned", currency="EUR",
        commitment=VAN_PROPOSAL, entry=POOL + "/ledger/3", published=published), pool, paid)

    event = {"@context": AS_CONTEXT_URL, "id": A + "/objects/event-1", "type": "Event",
             "attributedTo": ana.uri, "target": VAN, "startTime": "2025-03-15T09:00:00Z",
             "endTime": "2025-03-15T13:00:00Z", "summary": "Moving day", "to": [POOL],
             "published": "2025-03-11T08:00:00Z"}
    out["create-event"] = activity("Create", ana.uri, event, [POOL], "create-event-1")
    booking = StoredBooking(1, 1, 1, VAN, "Cargo van", BOOKING, event["id"], ana.uri,
                            "2025-03-15T09:00:00Z", "2025-03-15T13:00:00Z",
                            "2025-03-11T08:00:00Z", None, "Moving day")
    out["pool-create-event"] = {**activity("Create", POOL, event_document(booking, POOL),
                                           [ana.uri, bo.uri], "create-event-2"),
                                "cc": [POOL + "/followers"]}
    gone = tombstone(StoredBooking(1, 1, 1, VAN, "Cargo van", BOOKING, event["id"], ana.uri,
                                   "2025-03-15T09:00:00Z", "2025-03-15T13:00:00Z",
                                   "2025-03-11T08:00:00Z", "2025-03-12T18:30:00Z", "Moving day"))
    out["pool-delete-event"] = {**activity("Delete", POOL, gone, [ana.uri, bo.uri],
                                           "delete-event-1"), "cc": [POOL + "/followers"]}
    return out
