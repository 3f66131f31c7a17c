"""A node killed in the middle of a batch of received ballots, right after the first of them
commit and before the running tally counts them, loses nothing and repeats nothing when it
starts again: every ballot is stored once, the voter's vote is the one its signer numbered
last, and the tally equals a recount of the stored ballots (docs/FEDERATION.md, "Processing")."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from typing import Any

import pytest

from governance import ballots_digest, tally
from node.pool_engine.ballot_batch import CRASH_AFTER_BALLOTS
from node.wire import ballot_from_document, proposal_from_documents
from tests.multinode.harness import Cluster, NodeProcess, poll

pytestmark = pytest.mark.multinode

CHOICES = ["agree", "disagree", "agree", "block", "disagree", "agree"]


def _get(node: NodeProcess, url: str) -> dict[str, Any]:
    status, body = node.request("GET", url)
    assert status == 200, (url, status, body)
    return body


def _items(node: NodeProcess, collection: str) -> list[Any]:
    items: list[Any] = []
    page: str | None = _get(node, collection)["first"]
    while page is not None:
        body = _get(node, page)
        items += body["orderedItems"]
        page = body.get("next")
    return items


def _queue_in(node: NodeProcess, activities: list[dict[str, Any]], recipient: int) -> None:
    """Store activities in a stopped node's inbox queue, as its inbox stores what it accepts."""
    now = int(time.time() * 1000)
    with sqlite3.connect(node.data_dir / "poolnode.sqlite3") as conn:
        conn.executemany(
            "INSERT INTO inbox_items (activity_id, activity_type, actor_uri, recipient_id,"
            " document, next_attempt_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a["id"], a["type"], a["actor"], recipient, json.dumps(a), now, now)
             for a in activities],
        )


def test_killed_after_a_batchs_first_ballots_commit_counts_each_once(cluster: Cluster) -> None:
    a, b = cluster.node("a"), cluster.node("b")
    pool, ana = b.pool_id, a.admin_id
    join = a.post_outbox({"type": "Join", "object": pool})
    poll(lambda: b.query("SELECT 1 FROM memberships WHERE person_uri = ?", (ana,)), 20,
         "ana's Join at b")
    b.post_outbox({"type": "Accept", "object": join["id"]})
    b.post_outbox({"type": "Proposal", "pool": pool, "name": "Paint the door", "content": "?"})
    (proposal,) = [p["id"] for p in _get(b, pool + "/proposals?page=true")["orderedItems"]]

    # Ana votes six times (each a vote change, numbered by her node) and follows the pool
    # halfway, while b is down: b will find all of it in its queue, to process in one batch.
    b.stop()
    sent = []
    for n, choice in enumerate(CHOICES):
        sent.append(a.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal,
                                   "choice": [choice]}))
        if n == 2:
            sent.append(a.post_outbox({"type": "Follow", "object": pool, "to": [pool]}))
    (pool_row,) = b.query("SELECT id FROM actors WHERE uri = ?", (pool,))
    _queue_in(b, sent, pool_row["id"])

    b.env[CRASH_AFTER_BALLOTS] = "1"
    with contextlib.suppress(AssertionError):  # it dies processing its queue, maybe before
        b.start(within=30)  # it answers NodeInfo, maybe after
    proc = b.proc
    assert proc is not None
    poll(lambda: proc.poll() is not None, 30, "b to die right after the first ballots commit")
    assert proc.returncode == 70
    b.proc = None
    ids = [s["id"] for s in sent]
    states = {r["activity_id"]: r["state"] for r in b.query("SELECT activity_id, state FROM inbox_items")}
    assert [states[i] for i in ids].count("done") == 1, states  # the first ballot, nothing more
    assert len(b.query("SELECT 1 FROM ballots")) == 1

    del b.env[CRASH_AFTER_BALLOTS]
    b.start()
    marks = ",".join("?" * len(ids))
    poll(lambda: all(r["state"] == "done" for r in b.query(
        f"SELECT state FROM inbox_items WHERE activity_id IN ({marks})", tuple(ids))), 30,
        "b to process the rest of its queue")
    stored = b.query("SELECT uri, sequence FROM ballots ORDER BY sequence")
    assert [r["sequence"] for r in stored] == [1, 2, 3, 4, 5, 6]  # each once

    # The running-tally clock signs what was stored within its interval (never a read).
    poll(lambda: _get(b, proposal + "/tally").get("ballotCount") == len(CHOICES), 30,
         "b's running tally to count every ballot")
    running = _get(b, proposal + "/tally")
    assert running["participation"] == 1 and running["counts"][CHOICES[-1]] == 1
    # Counted once each, in the order they were stored (the signed sequence's order).
    assert running["ballotsDigest"] == ballots_digest([r["uri"] for r in stored])
    assert [r["uri"] for r in b.query("SELECT uri FROM ballots ORDER BY id")] == [r["uri"] for r in stored]
    # A recount from the signed documents agrees with the running tally.
    electorate = _get(b, proposal + "/electorate")
    ballots = _items(b, proposal + "/ballots")
    rebuilt = proposal_from_documents(_get(b, proposal), electorate)
    recount = tally(rebuilt.rule, rebuilt.electorate, [ballot_from_document(d) for d in ballots])
    assert dict(recount.counts) == running["counts"] and recount.participation == 1
    assert b.query("SELECT state FROM follows WHERE follower_uri = ?", (ana,))[0]["state"] == "accepted"
