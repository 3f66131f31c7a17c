"""A node killed at each step of an investment finishes it when it starts again: killed right
after the close (no capital call yet), start-up opens the call; killed right after the payment
that completes the call (no asset yet), start-up registers the asset, once."""

from __future__ import annotations

import contextlib

import pytest

from node.assets.investment import CRASH_AFTER_PAYMENT
from node.pool_engine.effects import CRASH_AFTER_CLOSE
from tests.multinode.harness import Cluster, poll, set_voting_period

pytestmark = pytest.mark.multinode


def _died(b: object, code: int, what: str) -> None:
    proc = b.proc  # type: ignore[attr-defined]
    assert proc is not None
    poll(lambda: proc.poll() is not None, 60, what)
    assert proc.returncode == code
    b.proc = None  # type: ignore[attr-defined]


def test_killed_between_steps_the_investment_finishes_at_start(cluster: Cluster) -> None:
    b = cluster.node("b")
    b.stop()
    set_voting_period(b, 4)
    b.env[CRASH_AFTER_CLOSE] = "1"
    b.start()
    pool = b.pool_id
    b.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "donation", "amount": 5000})
    b.post_outbox({"type": "Proposal", "pool": pool, "name": "Buy a drill press",
                   "proposalKind": "investment", "assetName": "Drill press",
                   "assetKind": "tool", "tenure": "owned", "keeper": b.admin_id, "price": 3000,
                   "fromFund": 1000, "currency": "EUR"})
    (proposal,) = [p["id"] for p in b.request("GET", pool + "/proposals?page=true")[1]["orderedItems"]]
    b.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]})
    _died(b, 70, "the node to die right after the close commits")
    assert not b.query("SELECT 1 FROM capital_calls WHERE proposal_uri = ?", (proposal,))

    del b.env[CRASH_AFTER_CLOSE]
    b.env[CRASH_AFTER_PAYMENT] = "1"
    b.start()
    poll(lambda: b.query("SELECT 1 FROM capital_calls WHERE proposal_uri = ? AND state = 'open'",
                         (proposal,)), 30, "start-up to open the capital call")
    (due,) = b.query("SELECT due FROM capital_call_shares")
    assert due["due"] == 2000
    assert len(b.query("SELECT 1 FROM ledger_entries WHERE source_uri = ?",
                       (proposal + "#call-fund",))) == 1
    with contextlib.suppress(Exception):  # the node dies before it answers
        b.request("POST", b.admin_id + "/outbox", {
            "type": "LedgerEntry", "pool": pool, "entryKind": "call_payment",
            "proposal": proposal, "person": b.admin_id, "amount": 2000}, token=b.token)
    _died(b, 71, "the node to die right after the payment commits")
    assert len(b.query("SELECT 1 FROM ledger_entries WHERE kind = 'call_payment'")) == 1
    assert not b.query("SELECT 1 FROM assets")

    del b.env[CRASH_AFTER_PAYMENT]
    b.start()
    poll(lambda: b.query("SELECT 1 FROM proposals WHERE uri = ? AND effect = 'done'", (proposal,)),
         60, "start-up to register the paid investment's asset")
    assert len(b.query("SELECT 1 FROM assets WHERE source_uri = ?", (proposal,))) == 1
    assert len(b.query("SELECT 1 FROM ledger_entries WHERE kind = 'asset_purchase'")) == 1
    status, call = b.request("GET", proposal + "/call")
    assert status == 200 and call["callState"] == "done" and call["outstanding"] == 0
