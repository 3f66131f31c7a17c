"""Issue 14: what one process keeps in memory follows what the others write. A remote actor's
key rotated (``Update``) or the actor deleted (``Delete``) through one process is dropped by
all; one activity delivered to every process is stored once; a proposal closed by one
process's clock is closed for the others at once (docs/OPERATIONS.md, "Several processes";
docs/FEDERATION.md, "What a request must be", "Follows")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.acceptance.issue14_actor import RemoteActor, new_key
from tests.acceptance.issue14_env import (
    Provider,
    add_member,
    call,
    collect,
    pg_url,
    poll,
    provider,
    set_voting_period,
    sql,
)

__all__ = ["pg_url", "provider"]

pytestmark = pytest.mark.multinode


@pytest.fixture
def zoe() -> Iterator[RemoteActor]:
    actor = RemoteActor()
    try:
        yield actor
    finally:
        actor.close()


def _inbox(provider: Provider, n: int) -> str:
    return provider.processes[n].base_url + "/pools/commons/inbox"


def _handled(url: str, activity: dict[str, Any]) -> bool:
    rows = sql(url, "SELECT state FROM inbox_items WHERE activity_id = $1", activity["id"])
    return bool(rows) and rows[0]["state"] == "done"


def test_a_key_rotated_through_one_process_is_dropped_by_every_process(
    provider: Provider, pg_url: str, zoe: RemoteActor
) -> None:
    for process in provider.processes:
        process.start()
    pool = provider.pool_id
    old = zoe.key
    for n in range(3):  # every process verifies (and keeps) zoe's first key
        status, text = zoe.post(_inbox(provider, n), zoe.note(pool))
        assert status == 202, (n, status, text)
    # Zoe's server rotates her key (the old one may be stolen) and says so with an Update.
    zoe.key = new_key()
    update = zoe.activity("Update", zoe.document(), [pool])
    status, text = zoe.post(_inbox(provider, 1), update, key=old)
    assert status == 202, (status, text)
    poll(lambda: _handled(pg_url, update), 60, "the Update handled")
    # Whoever signs with the old key now is refused by every process, not only the one that
    # handled the Update; the new key is taken everywhere.
    for n in (0, 2, 1):
        status, text = zoe.post(_inbox(provider, n), zoe.note(pool), key=old)
        assert status == 401, (provider.processes[n].name, status, text)
    for n in range(3):
        status, text = zoe.post(_inbox(provider, n), zoe.note(pool))
        assert status == 202, (provider.processes[n].name, status, text)


def test_an_actor_deleted_through_one_process_is_forgotten_by_every_process(
    provider: Provider, pg_url: str, zoe: RemoteActor
) -> None:
    for process in provider.processes:
        process.start()
    pool = provider.pool_id
    for n in range(3):
        status, text = zoe.post(_inbox(provider, n), zoe.note(pool))
        assert status == 202, (n, status, text)
    zoe.gone = True  # her server deleted her: her document answers 410 Gone
    delete = zoe.activity("Delete", zoe.id, [pool])
    status, text = zoe.post(_inbox(provider, 0), delete)
    assert status == 202, (status, text)
    poll(lambda: _handled(pg_url, delete), 60, "the Delete handled")
    for n in (1, 2, 0):
        status, text = zoe.post(_inbox(provider, n), zoe.note(pool))
        assert status == 401, (provider.processes[n].name, status, text)


def test_one_activity_delivered_to_every_process_is_stored_once(
    provider: Provider, pg_url: str, zoe: RemoteActor
) -> None:
    for process in provider.processes:
        process.start()
    pool = provider.pool_id
    warm = zoe.note(pool)
    for n in range(3):  # each process has seen (and would remember) this id
        status, _ = zoe.post(_inbox(provider, n), warm)
        assert status == 202
    twice = zoe.note(pool)
    start = threading.Barrier(6)

    def deliver(n: int) -> int:
        start.wait(60)
        return zoe.post(_inbox(provider, n % 3), twice)[0]

    with ThreadPoolExecutor(max_workers=6) as workers:
        assert list(workers.map(deliver, range(6))) == [202] * 6
    for activity in (warm, twice):
        rows = sql(pg_url, "SELECT 1 FROM inbox_items WHERE activity_id = $1", activity["id"])
        assert len(rows) == 1, activity["id"]
        poll(lambda a=activity: _handled(pg_url, a), 60, "the note handled")


def test_a_proposal_closed_by_one_process_is_closed_for_all(
    provider: Provider, pg_url: str
) -> None:
    set_voting_period(pg_url, 12)
    for process in provider.processes:
        process.start()
    admin = {"id": provider.admin_id, "token": provider.init["admin"]["token"]}
    bea = add_member(provider, pg_url, "bea")
    status, body = call(provider.processes[0], provider.base_url, "POST", admin["id"] + "/outbox",
                        {"type": "Proposal", "pool": provider.pool_id, "name": "Soon",
                         "content": "?"}, token=admin["token"])
    assert status == 201, body
    (proposal,) = [p["id"] for p in collect(provider.processes[0], provider.base_url,
                                            provider.pool_id + "/proposals")]
    for n, voter in enumerate((admin, bea)):  # each process counts and keeps the proposal
        status, body = call(provider.processes[n], provider.base_url, "POST",
                            voter["id"] + "/outbox", {"type": "Ballot", "pool": provider.pool_id,
                                                      "proposal": proposal, "choice": ["agree"]},
                            token=voter["token"])
        assert status == 201, body
    for process in provider.processes:
        assert call(process, provider.base_url, "GET", proposal + "/tally")[0] == 200
    poll(lambda: sql(pg_url, "SELECT 1 FROM proposals p JOIN tallies t ON t.proposal_id = p.id"
                             " WHERE p.state = 'closed' AND t.final = 1"), 60,
         "the proposal closed by one of the clocks")
    stored = len(sql(pg_url, "SELECT 1 FROM ballots"))
    final = None
    for n, process in enumerate(provider.processes):
        voter = (admin, bea)[n % 2]
        status, body = call(process, provider.base_url, "POST", voter["id"] + "/outbox",
                            {"type": "Ballot", "pool": provider.pool_id, "proposal": proposal,
                             "choice": ["block"]}, token=voter["token"])
        assert 400 <= status < 500 and body.get("code") == "proposal_closed", (process.name,
                                                                                status, body)
        status, tallied = call(process, provider.base_url, "GET", proposal + "/tally")
        assert status == 200 and tallied["final"] is True, (process.name, tallied)
        assert final is None or tallied == final
        final = tallied
    assert len(sql(pg_url, "SELECT 1 FROM ballots")) == stored
