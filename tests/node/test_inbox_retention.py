"""Retention: old processed inbox items are deleted; queued ones and the governance record stay."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from node.app import create_app
from node.appkeys import DB, INBOX, INBOX_WORKER_ENABLED
from node.inbox.retention import sweep
from node.storage import Database, InboxRow, InboxStore
from tests.conftest import make_node
from tests.node.pools.helpers import POOL, post, propose, published_tally, vote

pytestmark = pytest.mark.both_backends

DAY_MS = 86_400_000
NOW_MS = int(time.time() * 1000)


async def _add(store: InboxStore, name: str, *, state: str, processed_days_ago: int | None) -> None:
    received = NOW_MS - (processed_days_ago or 0) * DAY_MS - 1000
    activity_id = f"https://remote.example/activities/{name}"
    document = {"id": activity_id, "type": "Like", "actor": "https://remote.example/users/bob",
                "object": POOL}
    await store.insert_batch([InboxRow(activity_id, "Like", document["actor"], None,
                                       json.dumps(document), received)])
    item = await store.by_activity_id(activity_id)
    assert item is not None
    if processed_days_ago is not None:
        when = NOW_MS - processed_days_ago * DAY_MS
        if state == "done":
            await store.mark_done(item.id, when)
        else:
            await store.mark_failed(item.id, when, "gave up")


async def _ids(store: InboxStore) -> set[str]:
    rows = await store.db.fetchall("SELECT activity_id FROM inbox_items")
    return {row["activity_id"].rsplit("/", 1)[1] for row in rows}


async def _table_counts(db: Database) -> dict[str, int]:
    tables = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    counts = {}
    for row in tables:
        if row["name"] != "inbox_items":
            found = await db.fetchone(f'SELECT COUNT(*) AS n FROM "{row["name"]}"')
            counts[row["name"]] = found["n"] if found else 0
    return counts


def _sweeping() -> bool:
    return any(task.get_name() == "inbox-retention" for task in asyncio.all_tasks())


async def test_old_processed_items_go_recent_and_queued_stay_governance_stays(
    tmp_path, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(tmp_path / "data", inbox_retention_days=0)  # only our sweep runs
    client = await aiohttp_client(create_app(node.config))
    # A governance record: a contribution, a proposal and two ballots.
    contribution = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                    "person": node.alice.uri, "amount": 5000, "reference": "bank 17"}
    assert (await post(client, "admin", node.admin_token, contribution)).status == 201
    proposal = await propose(client, "alice", node.alice_token)
    assert (await vote(client, "alice", node.alice_token, proposal["id"], "agree")).status == 201
    assert (await vote(client, "admin", node.admin_token, proposal["id"], "agree")).status == 201
    store = client.app[INBOX]
    for n in range(7):  # more than one batch of 3
        await _add(store, f"old-done-{n}", state="done", processed_days_ago=40)
    await _add(store, "old-failed", state="failed", processed_days_ago=31)
    await _add(store, "recent-done", state="done", processed_days_ago=29)
    await _add(store, "recent-failed", state="failed", processed_days_ago=1)
    await _add(store, "queued", state="queued", processed_days_ago=None)
    await store.db.execute(  # queued for a long time (being retried): still never deleted
        "UPDATE inbox_items SET received_at = ? WHERE activity_id LIKE '%/queued'",
        (NOW_MS - 90 * DAY_MS,))
    await published_tally(client, proposal["id"])  # the running-tally clock has nothing left to write
    before = await _table_counts(client.app[DB])
    assert before["ballots"] == 2 and before["proposals"] == 1 and before["ledger_entries"] >= 1

    assert await sweep(store, 30, now_ms=NOW_MS, batch=3) == 8
    assert await _ids(store) == {"recent-done", "recent-failed", "queued"}
    assert await _table_counts(client.app[DB]) == before
    assert await sweep(store, 30, now_ms=NOW_MS, batch=3) == 0


async def _old_rows(config) -> None:  # type: ignore[no-untyped-def]
    db = Database.for_config(config)
    await db.open()
    try:
        store = InboxStore(db)
        await _add(store, "old", state="done", processed_days_ago=10)
        await _add(store, "newer", state="done", processed_days_ago=2)
    finally:
        await db.close()


async def test_the_node_sweeps_in_the_background_as_configured(tmp_path, aiohttp_client) -> None:
    setup = await make_node(tmp_path / "data", inbox_retention_days=5)
    await _old_rows(setup.config)
    app = create_app(setup.config)
    app[INBOX_WORKER_ENABLED] = False
    client = await aiohttp_client(app)
    store = client.app[INBOX]
    assert _sweeping()
    async with asyncio.timeout(10):
        while "old" in await _ids(store):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert await _ids(store) == {"newer"}


async def test_retention_zero_keeps_every_item(tmp_path, aiohttp_client) -> None:
    setup = await make_node(tmp_path / "data", inbox_retention_days=0)
    await _old_rows(setup.config)
    app = create_app(setup.config)
    app[INBOX_WORKER_ENABLED] = False
    client = await aiohttp_client(app)
    assert not _sweeping()
    assert await _ids(client.app[INBOX]) == {"old", "newer"}


async def test_a_failed_sweep_of_either_backend_is_tried_again(tmp_path, aiohttp_client,
                                                               monkeypatch) -> None:
    """Any error of a sweep (a PostgreSQL connection lost raises none of SQLite's errors) is
    logged and the next sweep runs; it used to end the retention task until a restart."""
    import node.inbox.retention as retention

    monkeypatch.setattr(retention, "INTERVAL_SECONDS", 0.02)
    real = retention.sweep
    failures = [ConnectionResetError("connection lost"), OSError("gone")]

    async def flaky(store: InboxStore, days: int) -> int:
        if failures:
            raise failures.pop(0)
        return await real(store, days)

    monkeypatch.setattr(retention, "sweep", flaky)
    setup = await make_node(tmp_path / "data", inbox_retention_days=5)
    await _old_rows(setup.config)
    app = create_app(setup.config)
    app[INBOX_WORKER_ENABLED] = False
    client = await aiohttp_client(app)
    async with asyncio.timeout(10):
        while "old" in await _ids(client.app[INBOX]):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert failures == [] and await _ids(client.app[INBOX]) == {"newer"}
