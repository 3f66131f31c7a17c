"""Several node processes on one PostgreSQL database (issue 14, part 2).

Each app here has its own `Database` (its own connections and sessions), as a second
`poolnode serve` process would: the in-process locks of one app do not see the other, so
only what the database serialises holds. tests/multinode/test_shared_postgres.py does the
same with real processes and a kill -9.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest

from governance import Proposal, tally
from node.app import create_app
from node.appkeys import ACTORS, OBJECTS
from node.pool_engine.closing import close_round
from node.pool_engine.common import iso, store
from node.pool_engine.tallies import counted_ballots, current_tally, recount
from node.storage import Database, DeliveryStore, InboxStore
from node.storage.deliveries import DeliveryTarget
from node.storage.inbox import InboxRow
from node.wire import replay_documents
from tests.node.pools.helpers import POOL, post, propose, vote

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def _two(node, aiohttp_client):  # type: ignore[no-untyped-def]
    return (await aiohttp_client(create_app(node.config)),
            await aiohttp_client(create_app(node.config)))


async def test_bookings_from_two_processes_make_one_ledger(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    a, b = await _two(node, aiohttp_client)

    async def contribute(client, n: int) -> int:  # type: ignore[no-untyped-def]
        entry = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                 "person": node.alice.uri, "amount": 100 + n, "reference": f"bank {n}"}
        return int((await post(client, "admin", node.admin_token, entry)).status)

    statuses = await asyncio.gather(*(contribute(a if n % 2 else b, n) for n in range(16)))
    assert statuses == [201] * 16
    entries = await store(a.app).ledger(node.pool.id)
    assert [e.sequence for e in entries] == list(range(1, 17))
    ledger = replay_documents("EUR", [e.document for e in entries])  # one chain, verified
    assert ledger.capital_of(node.alice.uri) == sum(100 + n for n in range(16))


async def test_ballots_in_two_processes_are_all_counted_by_each(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    a, b = await _two(node, aiohttp_client)
    proposal = await propose(a, "admin", node.admin_token)
    assert (await vote(a, "admin", node.admin_token, proposal["id"], "agree")).status == 201
    stored = await store(a.app).proposal(proposal["id"])
    assert stored is not None
    assert (await current_tally(a.app, stored)).votes_cast == 1  # a keeps its ballots in memory
    assert (await vote(b, "alice", node.alice_token, proposal["id"], "disagree")).status == 201
    # a counts the ballot b stored, and a changed vote cast through a afterwards too.
    assert (await current_tally(a.app, stored)).votes_cast == 2
    assert (await vote(a, "alice", node.alice_token, proposal["id"], "agree")).status == 201
    for app in (a.app, b.app):
        result = await current_tally(app, stored)
        proposal_value = Proposal.from_dict(stored.proposal)
        assert result == tally(proposal_value.rule, proposal_value.electorate,
                               await counted_ballots(app, stored))  # a recount from the rows
        assert dict(result.counts)["agree"] == 2


async def test_every_process_runs_the_clock_and_each_close_happens_once(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    a, b = await _two(node, aiohttp_client)
    proposal = await propose(a, "admin", node.admin_token, name="Expel alice",
                             proposalKind="expulsion", person=node.alice.uri)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(a, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    # Closed by a process that died before announcing it or carrying out its effect.
    stored = await store(a.app).proposal(proposal["id"])
    assert stored is not None
    result, document = await recount(a.app, node.pool, stored, closes, final=True)
    assert await store(a.app).close_proposal(stored.id, result.outcome.value, document,
                                             iso(closes), "pending")
    later = closes + timedelta(seconds=1)
    await asyncio.gather(*(close_round(app, later) for app in (a.app, b.app, a.app, b.app)))
    pool = await a.app[ACTORS].get("commons", "pool")
    assert pool is not None
    items = (await a.app[OBJECTS].collection_page(pool.id, "outbox", before=None, limit=50)).items
    documents = await a.app[OBJECTS].documents(items)
    kinds = Counter(
        (d["type"], d["object"].get("type") if isinstance(d["object"], dict) else "uri",
         d["object"].get("final") if isinstance(d["object"], dict) else None)
        for d in documents.values()
    )
    assert kinds[("Update", "Tally", True)] == 1  # announced once
    assert kinds[("Update", "Question", None)] == 1
    refreshed = await store(a.app).proposal(proposal["id"])
    assert refreshed is not None and refreshed.effect == "done"
    expulsions = [d for d in documents.values() if d["type"] not in ("Update", "Create")]
    assert len(expulsions) == len({(d["type"], str(d["object"])) for d in expulsions})


async def _queue_db(node) -> Database:  # type: ignore[no-untyped-def]
    db = Database.for_config(node.config)
    await db.open()
    return db


async def test_inbox_claims_never_overlap_and_a_dead_holders_leases_are_free(node) -> None:  # type: ignore[no-untyped-def]
    first, second, third = [await _queue_db(node) for _ in range(3)]
    try:
        await InboxStore(first).insert_batch([
            InboxRow(f"https://remote.example/a/{n}", "Follow", "https://remote.example/u",
                     None, "{}", 0) for n in range(40)])
        now = 1_000
        claims = await asyncio.gather(*(InboxStore(db).claim_due(now, 600_000, 8)
                                        for db in (first, second, third) for _ in range(2)))
        ids = [item.id for claim in claims for item in claim]
        assert len(ids) == len(set(ids))  # no row leased twice
        held_by_first = {item.id for claim in claims[:2] for item in claim}
        held_by_live = {item.id for claim in claims[2:] for item in claim}
        assert held_by_first
        await first.close()  # its session ends, as on kill -9
        everything = {item.id for item in await InboxStore(second).claim_due(now, 0, 0)} | set(ids)
        rest = {item.id for item in await InboxStore(second).claim_due(now, 600_000, 100)}
        # At once (the leases run for ten minutes), and never what a live process holds.
        assert rest == everything - held_by_live and held_by_first <= rest
    finally:
        for db in (first, second, third):
            await db.close()


async def test_delivery_claims_never_overlap_and_a_dead_holders_rows_are_free(node) -> None:  # type: ignore[no-untyped-def]
    first, second = await _queue_db(node), await _queue_db(node)
    try:
        targets = [DeliveryTarget(f"https://h{n % 4}.example/inbox/{n}", f"h{n % 4}.example")
                   for n in range(24)]
        await DeliveryStore(first).enqueue(
            sender_id=node.pool.id, activity_uri="https://node.test/a/1", body=b"{}",
            targets=targets, local_owner_ids=(), now=0.0, now_iso="2026-01-01T00:00:00Z")
        claims = await asyncio.gather(*(
            DeliveryStore(db).claim(now=1.0, lock_until=10_000.0, limit=6, per_host=3)
            for db in (first, second, first, second)))
        ids = [c.id for claim in claims for c in claim]
        assert len(ids) == len(set(ids))  # no row claimed twice
        held_by_first = {c.id for claim in claims[0::2] for c in claim}
        held_by_live = {c.id for claim in claims[1::2] for c in claim}
        assert held_by_first
        everything = {r["id"] for r in await second.fetchall("SELECT id FROM deliveries")}
        await first.close()
        again = await DeliveryStore(second).claim(now=2.0, lock_until=10_000.0, limit=50, per_host=50)
        assert {c.id for c in again} == everything - held_by_live
    finally:
        await first.close()
        await second.close()


async def _until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    """Notices arrive asynchronously: wait for ``check`` (bounded, not timed)."""
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


async def test_an_actor_update_handled_by_one_process_drops_its_keys_in_the_others(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from node.appkeys import KEY_CACHE
    from node.inbox.verify import forget_actor_keys

    a, b = await _two(node, aiohttp_client)
    owner = "https://remote.example/users/bob"
    b.app[KEY_CACHE].put(owner + "#main-key", ed25519.Ed25519PrivateKey.generate().public_key(), owner)
    await forget_actor_keys(a.app, owner)  # what a's Update/Delete handler does
    await _until(lambda: b.app[KEY_CACHE].get(owner + "#main-key") is None, "b forgets bob's key")


async def test_a_close_in_one_process_drops_the_proposal_from_the_others_memory(node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from node.pool_engine.closing import close_due
    from node.pool_engine.tallies import OPEN_HEADS, RUNNING

    a, b = await _two(node, aiohttp_client)
    proposal = await propose(a, "admin", node.admin_token)
    assert (await vote(b, "admin", node.admin_token, proposal["id"], "agree")).status == 201
    stored = await store(b.app).proposal(proposal["id"])
    assert stored is not None and stored.id in b.app[RUNNING] and proposal["id"] in b.app[OPEN_HEADS]
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(a.app, closes) == [proposal["id"]]
    await _until(lambda: stored.id not in b.app[RUNNING] and proposal["id"] not in b.app[OPEN_HEADS],
                 "b drops the closed proposal")
    refused = await vote(b, "alice", node.alice_token, proposal["id"], "agree")
    assert refused.status == 409  # closed, whichever process closed it


async def test_a_lock_taken_inside_another_needs_no_second_connection(node) -> None:  # type: ignore[no-untyped-def]
    db = Database.from_url(node.config.database_url, node.config.data_dir, pool_size=1)
    await db.open()
    other = await _queue_db(node)
    try:
        async with asyncio.timeout(30):  # a hang, not a timing: one lock connection only
            async with db.advisory_lock("effect:1"), db.advisory_lock("pool:1"):
                # Held against other sessions while nested...
                row = await other.fetchone(
                    "SELECT pg_try_advisory_lock(hashtextextended('pool:1', 0)) AS ok")
                assert row["ok"] is False
            # ...and released after.
            row = await other.fetchone(
                "SELECT pg_try_advisory_lock(hashtextextended('pool:1', 0)) AS ok")
            assert row["ok"] is True
    finally:
        await db.close()
        await other.close()
