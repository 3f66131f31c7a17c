"""A flood proposal's running ballots on a database two processes write: each process counts
the ballots the other stored (reading only those rows), and drops a proposal the other closed.

Two apps on one PostgreSQL database, each with its own `Database`, as two `poolnode serve`
processes are (tests/node/test_shared_database.py).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import Ballot
from node.app import create_app
from node.appkeys import ACTORS, CONFIG, DB
from node.floods import cast_in_flood, close_due, floods
from node.floods import running as flood_running
from node.floods.ballots import receive_relayed
from node.floods.results import compute
from node.storage import Database, FloodStore
from node.wire import ballot_document, sign_document
from node.wire.floods import recount
from tests.node.floods.test_relayed import _ballot, _flood

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def _member_vote(app: Any, name: str, pid: str, choice: str, sequence: int) -> str:
    """A local member's ballot cast at their pool 'commons' through ``app``; its id."""
    voter = await app[ACTORS].get(name, "member")
    pool = await app[ACTORS].get("commons", "pool")
    at = datetime.now(UTC).replace(microsecond=0)
    ballot = Ballot(f"{voter.uri}/ballots/{uuid.uuid4()}", pid, voter.uri, at, (choice,), sequence)
    await cast_in_flood(app, sign_document(ballot_document(ballot, pool.uri), voter, at), at)
    return ballot.id


async def _stored_count(app: Any, pid: str) -> Any:
    """The running count recounted from every stored ballot (what a fresh process computes)."""
    stored = await floods(app).proposal(pid)
    ballots = [Ballot.from_dict(b) for b, _ in await floods(app).ballots(pid)]
    return recount(stored.document, await floods(app).electorates(pid), ballots)


def _rows_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, int, int]]:
    reads: list[tuple[Any, int, int]] = []
    original = FloodStore.ballots_after

    async def counting(self: FloodStore, proposal_uri: str, after: int):  # type: ignore[no-untyped-def]
        rows = await original(self, proposal_uri, after)
        reads.append((self.db, after, len(rows)))
        return rows

    monkeypatch.setattr(FloodStore, "ballots_after", counting)
    return reads


async def test_each_process_counts_the_flood_ballots_the_other_stored(client, remote, aiohttp_client,
                                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a = client
    b = await aiohttp_client(create_app(a.app[CONFIG]))
    _, river, bo, pid = await _flood(a, remote, members=("bo", "cy"))
    await _member_vote(a.app, "admin", pid, "agree", 1)
    assert len(await flood_running.ballots_of(a.app, pid)) == 1  # a keeps it in memory
    reads = _rows_read(monkeypatch)

    # Through b: alice's ballot, admin's changed vote, and a ballot river relayed.
    await _member_vote(b.app, "alice", pid, "disagree", 1)
    await _member_vote(b.app, "admin", pid, "disagree", 2)
    await receive_relayed(b.app, river.uri, _ballot(bo, river, pid, "agree"), datetime.now(UTC))
    count = await compute(a.app, pid)
    assert count is not None and count == await _stored_count(a.app, pid)
    assert count[1]["counts"]["disagree"] == 2 and count[1]["counts"]["agree"] == 1
    # a read b's three rows, once each, and never every ballot again.
    mine = [(after, rows) for db, after, rows in reads if db is a.app[DB]]
    assert all(after > 0 for after, _ in mine) and sum(rows for _, rows in mine) == 3

    # Ballots stored by both at once: each process ends with every one, once.
    cy = remote.actors[f"{remote.base}/users/cy"]
    await asyncio.gather(
        *(receive_relayed(app, river.uri, _ballot(voter, river, pid, "block"), datetime.now(UTC))
          for app in (a.app, b.app) for voter in (bo, cy) for _ in range(3)))
    stored_ids = [data["id"] for data, _ in await floods(a.app).ballots(pid)]
    for app in (a.app, b.app):
        kept = await flood_running.ballots_of(app, pid)
        assert [ballot.id for ballot in kept] == stored_ids  # each once, in the rows' order
        assert await compute(app, pid) == await _stored_count(app, pid)


async def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


async def test_a_flood_proposal_closed_by_one_process_is_dropped_by_the_other(client, remote,
                                                                             aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    a = client
    b = await aiohttp_client(create_app(a.app[CONFIG]))
    _, _, _, pid = await _flood(a, remote)
    await _member_vote(a.app, "admin", pid, "agree", 1)
    await flood_running.ballots_of(a.app, pid)
    assert pid in flood_running._of(a.app)
    assert await close_due(b.app, datetime.now(UTC) + timedelta(minutes=20)) == [pid]
    await _until(lambda: pid not in flood_running._of(a.app), "a drops the closed proposal")
    stored = await floods(a.app).proposal(pid)
    assert stored is not None and stored.state == "closed"


async def test_a_proposals_flood_ballots_become_visible_in_the_order_of_their_rows(client) -> None:  # type: ignore[no-untyped-def]
    """A ballot inserted while another of the same proposal is uncommitted waits for it, so a
    reader that read up to a row never finds an earlier one appear after (``ballots_after``)."""
    config = client.app[CONFIG]
    first, second = (Database.for_config(config) for _ in range(2))
    await first.open()
    await second.open()
    pid = f"https://river.example/floods/proposals/{uuid.uuid4()}"

    def ballot(n: int) -> dict[str, Any]:
        return {"id": f"{pid}/b/{n}", "proposal": pid, "voter": f"https://a.example/u/{n}",
                "cast_at": "2026-01-01T00:00:00Z", "choice": ["agree"]}

    try:
        lock = f"flood-ballots:{pid}"  # what FloodStore's inserts hold until they commit
        async with first.transaction(lock=lock) as conn:
            await conn.execute(
                "INSERT INTO flood_ballots (proposal_uri, uri, voter_uri, via_pool, ballot_json,"
                " document, received_at) VALUES (?, ?, 'v', 'p', '{}', '{}', 'now')", (pid, "held"))
            later = asyncio.create_task(FloodStore(second).add_ballots(
                pid, "https://a.example/pools/one", [(ballot(1), {})], "2026-01-01T00:00:00Z"))
            await asyncio.sleep(0.3)
            assert not later.done()  # waits for the uncommitted ballot's transaction
            assert await FloodStore(second).ballots_after(pid, 0) == []
        assert await later == {ballot(1)["id"]}
        rows = await FloodStore(second).ballots_after(pid, 0)
        assert [data.get("id") for _, data in rows] == [None, ballot(1)["id"]]
    finally:
        await first.close()
        await second.close()
