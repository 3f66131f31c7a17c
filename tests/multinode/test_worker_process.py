"""``poolnode serve --no-workers`` and ``poolnode worker`` on one PostgreSQL database.

The web process answers and queues only: a remote member's Join stays queued and a due
proposal stays open while no worker runs. A worker process started beside it processes the
Join, closes and announces the proposal, and delivers what the web process published; it stops
cleanly on SIGTERM (docs/OPERATIONS.md, "Several processes").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.multinode.harness import Cluster, poll
from tests.multinode.shared_db import Provider, WorkerProcess, query, set_voting_period

pytestmark = pytest.mark.multinode

VOTING_SECONDS = 4


@pytest.fixture
def provider(tmp_path: Path, database_url: str,
             request: pytest.FixtureRequest) -> Iterator[tuple[Provider, WorkerProcess]]:
    found = Provider(tmp_path / "provider", database_url, 1)
    web = found.processes[0]
    web.serve_args = ["--no-workers"]
    worker = WorkerProcess("worker", found.root, web.data_dir, web.env)
    try:
        yield found, worker
    finally:
        worker.stop()
        found.close()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            print(found.logs(), "\n===== worker =====\n", worker.log_text())


def test_a_web_process_without_workers_and_a_worker_process(
    provider: tuple[Provider, WorkerProcess], cluster: Cluster, database_url: str
) -> None:
    site, worker = provider
    set_voting_period(database_url, VOTING_SECONDS)
    site.processes[0].start()
    assert "without workers" in site.processes[0].log_text()
    pool, admin = site.pool_id, site.admin_id
    remote = cluster.node("r")
    ana = remote.admin_id

    join = remote.post_outbox({"type": "Join", "object": pool})
    status, _ = site.request("POST", admin + "/outbox", {"type": "Proposal", "pool": pool,
                                                         "name": "Paint the shed"})
    assert status == 201
    (proposal,) = site.request("GET", pool + "/proposals?page=true")[1]["orderedItems"]
    status, _ = site.request("POST", admin + "/outbox", {
        "type": "Ballot", "pool": pool, "proposal": proposal["id"], "choice": ["agree"]})
    assert status == 201

    # With no worker: the Join is stored and stays queued, the proposal stays open past its close.
    poll(lambda: query(database_url, "SELECT 1 FROM inbox_items WHERE activity_id = $1",
                       join["id"]), 30, "ana's Join, stored by the web process")
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00")).timestamp()
    time.sleep(max(0.0, closes - time.time()) + 2.5)  # the clocks run every 1 s where they run
    assert query(database_url, "SELECT state FROM inbox_items WHERE activity_id = $1",
                 join["id"])[0]["state"] == "queued"
    assert query(database_url, "SELECT state FROM proposals")[0]["state"] == "open"

    worker.start()
    assert "no HTTP listener" in worker.log_text()
    poll(lambda: query(database_url, "SELECT 1 FROM memberships WHERE person_uri = $1", ana),
         30, "the worker processed ana's Join")
    poll(lambda: query(database_url, "SELECT 1 FROM proposals WHERE state = 'closed'"
                                     " AND announced_at IS NOT NULL"), 30,
         "the worker closed and announced the proposal")
    (tally,) = query(database_url, "SELECT final, outcome FROM tallies")
    assert tally["final"] == 1 and tally["outcome"] == "passed"

    # The web process publishes the pool's Accept of the Join; the worker delivers it.
    status, _ = site.request("POST", admin + "/outbox", {"type": "Accept", "object": join["id"]})
    assert status == 201
    sent = poll(lambda: {r["activity_uri"] for r in query(
        database_url, "SELECT a.activity_uri FROM deliveries d JOIN outgoing_activities a"
        " ON a.id = d.activity_id WHERE d.inbox LIKE $1 AND d.state = 'delivered'",
        remote.base_url + "%")}, 30, "a delivery to ana's node")
    assert sent <= set(remote.received_ids())
    assert not query(database_url, "SELECT 1 FROM inbox_items WHERE state != 'done'")

    assert worker.stop() == 0
    log = worker.log_text()
    assert "SIGTERM received, stopping" in log and log.rstrip().endswith("stopped")
