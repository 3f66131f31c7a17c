"""A node killed right after a proposal's close commits carries out the effect when it starts
again (issue 12 item 3): the close and the effect's 'pending' state commit together."""

from __future__ import annotations

import pytest

from node.pool_engine.effects import CRASH_AFTER_CLOSE
from tests.multinode.harness import Cluster, poll, set_voting_period

pytestmark = pytest.mark.multinode


def test_killed_between_close_and_effect_books_the_effect_at_start(cluster: Cluster) -> None:
    b = cluster.node("b")
    b.stop()
    set_voting_period(b, 4)
    b.env[CRASH_AFTER_CLOSE] = "1"
    b.start()
    pool = b.pool_id
    b.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                   "person": b.admin_id, "amount": 5000, "reference": "bank 1"})
    b.post_outbox({"type": "Proposal", "pool": pool, "name": "Buy a drill",
                   "proposalKind": "disbursement", "amount": 3000, "currency": "EUR",
                   "payee": "https://shop.example/tools", "purpose": "a drill"})
    (proposal,) = [p["id"] for p in b.request("GET", pool + "/proposals?page=true")[1]["orderedItems"]]
    b.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]})

    proc = b.proc
    assert proc is not None
    poll(lambda: proc.poll() is not None, 60, "the node to die right after the close commits")
    assert proc.returncode == 70
    b.proc = None
    (row,) = b.query("SELECT state, outcome, effect FROM proposals WHERE uri = ?", (proposal,))
    assert (row["state"], row["outcome"], row["effect"]) == ("closed", "passed", "pending")
    source = proposal + "#commitment"
    assert not b.query("SELECT 1 FROM ledger_entries WHERE source_uri = ?", (source,))

    del b.env[CRASH_AFTER_CLOSE]
    b.start()
    poll(lambda: b.query("SELECT 1 FROM ledger_entries WHERE source_uri = ?", (source,)), 30,
         "start-up to book the passed disbursement's commitment")
    poll(lambda: b.query("SELECT 1 FROM proposals WHERE uri = ? AND effect = 'done'", (proposal,)),
         30, "the effect to be marked done")
    assert len(b.query("SELECT 1 FROM ledger_entries WHERE source_uri = ?", (source,))) == 1
    status, effect = b.request("GET", proposal + "/effect")
    assert status == 200 and effect["effect"] == "done"
