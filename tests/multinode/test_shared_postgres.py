"""Three ``poolnode serve`` processes on one PostgreSQL database (issue 14, part 2).

Behind a round-robin proxy: concurrent ballots, payments and a remote member's ballots (inbox
deliveries) spread over all three; one process is killed with -9 in the middle. Afterwards
every pool's ledger replays as one chain, each final tally equals a recount of the stored
ballots, every received activity is stored and processed once, and every delivery is made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from governance import Proposal, tally
from node.pool_engine.tallies import decode_ballots
from node.storage import Database, GovernanceStore
from node.wire import replay_documents
from tests.multinode.harness import Cluster, poll
from tests.multinode.shared_db import Provider, query, set_voting_period

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 20
PROPOSALS = 3
PAYMENTS = 12


@pytest.fixture
def provider(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Iterator[Provider]:
    found = Provider(tmp_path / "provider", database_url, 3)
    try:
        yield found
    finally:
        found.close()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            print(found.logs())


def _recounts(url: str) -> list[tuple[dict[str, Any], Any]]:
    """Each closed proposal's stored final tally and a recount of its stored ballots."""
    async def run() -> list[tuple[dict[str, Any], Any]]:
        db = Database.from_url(url, Path("."), pool_size=2)
        await db.open(migrate=False)
        try:
            governance = GovernanceStore(db)
            found = []
            for row in await db.fetchall("SELECT uri FROM proposals ORDER BY id"):
                stored = await governance.proposal(row["uri"])
                assert stored is not None and stored.state == "closed", row["uri"]
                proposal = Proposal.from_dict(stored.proposal)
                ballots = decode_ballots(stored.uri, await governance.counted_ballots(stored.id))
                document = await governance.tally_document(stored.id)
                assert document is not None
                found.append((document, tally(proposal.rule, proposal.electorate, ballots)))
            return found
        finally:
            await db.close()

    return asyncio.run(run())


def test_three_processes_one_database_one_killed(
    provider: Provider, cluster: Cluster, database_url: str
) -> None:
    set_voting_period(database_url, VOTING_SECONDS)
    for process in provider.processes:
        process.start()
    pool, admin = provider.pool_id, provider.admin_id
    remote = cluster.node("r")
    ana = remote.admin_id

    join = remote.post_outbox({"type": "Join", "object": pool})
    poll(lambda: query(database_url, "SELECT 1 FROM memberships WHERE person_uri = $1", ana),
         30, "ana's Join, received by one of the processes")
    status, _ = provider.request("POST", admin + "/outbox", {"type": "Accept", "object": join["id"]})
    assert status == 201

    proposals = []
    for n in range(PROPOSALS):
        status, _ = provider.request("POST", admin + "/outbox", {
            "type": "Proposal", "pool": pool, "name": f"Question {n}"}, key=f"proposal-{n}")
        assert status == 201
    proposals = [p["id"] for p in provider.request("GET", pool + "/proposals?page=true")[1]["orderedItems"]]
    assert len(proposals) == PROPOSALS

    def send(body: dict[str, Any], key: str, done: str, *args: Any) -> tuple[int, dict[str, Any]]:
        """POST as a careful client: a request cut off by the killed process (409) is looked
        up, and sent again under a new key only if it was not done."""
        status, answer = provider.request("POST", admin + "/outbox", body, key=key)
        if status == 409 and answer.get("code") == "idempotency_key_in_use":
            if query(database_url, done, *args):
                return 201, answer
            return provider.request("POST", admin + "/outbox", body, key=key + "-again")
        return status, answer

    def pay(n: int) -> tuple[int, dict[str, Any]]:
        return send({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                     "person": admin, "amount": 100 + n, "reference": f"bank {n}"}, f"pay-{n}",
                    "SELECT 1 FROM ledger_entries WHERE entry_json LIKE $1", f'%"bank {n}"%')

    def vote(proposal: str, choice: str, n: int) -> tuple[int, dict[str, Any]]:
        return send({"type": "Ballot", "pool": pool, "proposal": proposal, "choice": [choice]},
                    f"vote-{proposal}-{n}",
                    "SELECT 1 FROM ballots WHERE voter_uri = $1 AND ballot_json LIKE $2",
                    admin, f'%"{choice}"%' if n else "%")

    with ThreadPoolExecutor(max_workers=6) as workers:
        first = [workers.submit(pay, n) for n in range(PAYMENTS // 2)]
        first += [workers.submit(vote, p, "disagree", 0) for p in proposals]
        for p in proposals:  # the remote member's ballots arrive at the pool's inbox
            remote.post_outbox({"type": "Ballot", "pool": pool, "proposal": p, "choice": ["agree"]})
        provider.processes[1].kill9()  # in the middle of all that
        # A changed vote is sent after the first one was answered (a client changing its mind),
        # so its signed sequence is the greater one whichever process numbered either.
        for future in first:
            future.result()
        rest = [workers.submit(pay, n) for n in range(PAYMENTS // 2, PAYMENTS)]
        rest += [workers.submit(vote, p, "agree", 1) for p in proposals]  # changed votes
        answers = [f.result() for f in first + rest]
        assert [status for status, _ in answers] == [201] * (PAYMENTS + 2 * PROPOSALS), answers

    # Every proposal closes once (both live processes run the clock) with both voters counted.
    poll(lambda: len(query(database_url, "SELECT 1 FROM proposals WHERE state = 'closed'"
                                          " AND announced_at IS NOT NULL")) == PROPOSALS,
         VOTING_SECONDS + 30, "every proposal closed and announced")
    for document, recount in _recounts(database_url):
        assert document["final"] is True
        assert document["outcome"] == recount.outcome.value == "passed"
        assert document["counts"] == {k: v for k, v in recount.counts}
        assert document["participation"] == recount.participation == 2

    # One ledger: every payment booked once, one chain.
    status, page = provider.request("GET", pool + "/ledger?page=true")
    entries = list(page["orderedItems"])
    while "next" in page:
        page = provider.request("GET", page["next"])[1]
        entries += page["orderedItems"]
    ledger = replay_documents("EUR", list(reversed(entries)))  # the page is newest first
    assert len(ledger.entries) == PAYMENTS
    assert ledger.capital_of(admin) == sum(100 + n for n in range(PAYMENTS))
    rows = query(database_url, "SELECT sequence FROM ledger_entries ORDER BY sequence")
    assert [r["sequence"] for r in rows] == list(range(1, PAYMENTS + 1))

    # Received once, processed once: ana's ballots stored once each, nothing left in the queue.
    assert len(query(database_url, "SELECT 1 FROM ballots WHERE voter_uri = $1", ana)) == PROPOSALS
    poll(lambda: not query(database_url, "SELECT 1 FROM inbox_items WHERE state != 'done'"),
         30, "the inbox drained (a dead process's leases freed)")
    # Every delivery made: nothing queued, and the remote node holds each activity sent to it.
    poll(lambda: not query(database_url, "SELECT 1 FROM deliveries WHERE state = 'queued'"),
         30, "every delivery made")
    sent = {r["activity_uri"] for r in query(
        database_url, "SELECT a.activity_uri FROM deliveries d JOIN outgoing_activities a"
        " ON a.id = d.activity_id WHERE d.inbox LIKE $1 AND d.state = 'delivered'",
        remote.base_url + "%")}
    assert sent and sent <= set(remote.received_ids())
