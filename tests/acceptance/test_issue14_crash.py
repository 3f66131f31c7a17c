"""Issue 14: exactly-once effects survive kill -9 of any process, even of every process at
once. Three ``poolnode serve`` processes on one PostgreSQL database behind a round-robin proxy
take payments (C2S, with Idempotency-Keys) and a remote member's ballots (S2S, through the
shared inbox queue) while they are killed with -9 one after another, then all together, and
started again. Afterwards every payment is booked once in one chain, every ballot stored once
and counted as a recount says, the inbox queue is drained and every delivery made
(docs/OPERATIONS.md, "Several processes"; docs/FEDERATION.md, "Processing")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.acceptance.issue14_env import (
    Provider,
    cli,
    collect,
    pg_url,
    poll,
    provider,
    recount,
    replay_ledger,
    signed_tally,
    sql,
)
from tests.multinode.harness import Cluster

__all__ = ["pg_url", "provider"]

pytestmark = pytest.mark.multinode

PAYMENTS = 16
PROPOSALS = 2


def test_kill_9_of_one_then_of_every_process_loses_nothing_and_repeats_nothing(
    provider: Provider, pg_url: str, cluster: Cluster
) -> None:
    for process in provider.processes:
        process.start()
    pool, admin = provider.pool_id, provider.admin_id
    remote = cluster.node("r")
    ana = remote.admin_id
    join = remote.post_outbox({"type": "Join", "object": pool})
    poll(lambda: sql(pg_url, "SELECT 1 FROM memberships WHERE person_uri = $1", ana), 60,
         "ana's Join")
    status, body = provider.request("POST", admin + "/outbox", {"type": "Accept", "object": join["id"]})
    assert status == 201, body
    for n in range(PROPOSALS):
        status, body = provider.request("POST", admin + "/outbox", {
            "type": "Proposal", "pool": pool, "name": f"Crash {n}", "content": "?"})
        assert status == 201, body
    proposals = [p["id"] for p in collect(provider.processes[0], provider.base_url,
                                         pool + "/proposals")]
    assert len(proposals) == PROPOSALS

    def pay(n: int) -> int:
        """A careful client: retried under the same key while processes die; a request cut off
        by a killed process (409) is looked up and sent again under a new key if not booked."""
        body = {"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                "person": admin, "amount": 10 + n, "reference": f"wire {n}"}
        status, answer = provider.request("POST", admin + "/outbox", body, key=f"wire-{n}",
                                          within=120)
        if status == 409 and answer.get("code") == "idempotency_key_in_use":
            if sql(pg_url, "SELECT 1 FROM ledger_entries WHERE entry_json LIKE $1",
                   f'%"wire {n}"%'):
                return 201
            status, answer = provider.request("POST", admin + "/outbox", body,
                                              key=f"wire-{n}-again", within=120)
        return status

    sent_ballots = []
    with ThreadPoolExecutor(max_workers=4) as workers:
        first = [workers.submit(pay, n) for n in range(PAYMENTS // 2)]
        for proposal in proposals:
            sent_ballots.append(remote.post_outbox({
                "type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["disagree"]}))
        provider.processes[0].kill9()
        rest = [workers.submit(pay, n) for n in range(PAYMENTS // 2, PAYMENTS)]
        for proposal in proposals:
            sent_ballots.append(remote.post_outbox({
                "type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]}))
        # A power cut: the two others die too, then all three start again.
        provider.processes[1].kill9()
        provider.processes[2].kill9()
        for process in provider.processes:
            process.start()
        statuses = [f.result() for f in first + rest]
    assert statuses == [201] * PAYMENTS, statuses

    # The inbox queue drains (a dead process's leases do not hold rows back) and every ballot
    # ana's node sent is stored exactly once.
    poll(lambda: not sql(pg_url, "SELECT 1 FROM inbox_items WHERE state != 'done'"), 90,
         "the inbox queue drained after the crashes")
    sent = {b["object"]["id"] if isinstance(b.get("object"), dict) else b["id"]
            for b in sent_ballots}
    poll(lambda: len(sql(pg_url, "SELECT 1 FROM ballots WHERE voter_uri = $1", ana)) >= len(sent),
         60, "ana's ballots stored")
    stored = [r["uri"] for r in sql(pg_url, "SELECT uri FROM ballots WHERE voter_uri = $1", ana)]
    assert sorted(stored) == sorted(sent), (stored, sent)
    assert not sql(pg_url, "SELECT 1 FROM inbox_items WHERE state = 'failed'")

    # Her later ballot counts on every proposal, as a recount of the signed ballots says.
    for proposal in proposals:
        counted = recount(provider.processes[1], provider.base_url, proposal)
        assert {k: v for k, v in counted.counts}["agree"] == 1
        for process in provider.processes:
            tallied = signed_tally(process, provider.base_url, proposal)
            assert tallied["counts"] == {k: v for k, v in counted.counts}, (process.name, tallied)

    # One chain; every payment booked once.
    ledger, head = replay_ledger(provider.processes[2], provider.base_url, pool)
    assert len(ledger.entries) == PAYMENTS
    assert ledger.capital_of(admin) == sum(10 + n for n in range(PAYMENTS))
    rows = sql(pg_url, "SELECT sequence FROM ledger_entries ORDER BY sequence")
    assert [r["sequence"] for r in rows] == list(range(1, PAYMENTS + 1))
    checked = cli("ledger", "--data", str(provider.processes[0].data_dir), "commons",
                  env={"POOLNODE_DATABASE_URL": pg_url})
    assert checked.returncode == 0 and head[:16] in checked.stdout, checked.stdout + checked.stderr

    # Every delivery made: none left queued, none given up, and ana's node holds each one.
    poll(lambda: not sql(pg_url, "SELECT 1 FROM deliveries WHERE state = 'queued'"), 90,
         "every delivery made")
    assert not sql(pg_url, "SELECT 1 FROM deliveries WHERE state = 'failed'")
    delivered = {r["activity_uri"] for r in sql(
        pg_url, "SELECT a.activity_uri FROM deliveries d JOIN outgoing_activities a"
        " ON a.id = d.activity_id WHERE d.inbox LIKE $1", remote.base_url + "%")}
    assert delivered and delivered <= set(remote.received_ids())
